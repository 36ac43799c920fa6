<?php
/**
 * Plugin Name: wpf-webhooks benchmark profile
 * Description: Benchmark sites only (scripts/bench.sh). A webhook URL with `wpf_bench_profile=1` added is handled
 *              by the plugin's own functions, each timed, and answered with the timings instead of the webhook's
 *              answer: where a webhook's time goes. It runs at `init` priority 0 ahead of the plugin's handler
 *              (mu-plugins load first) and times, in order: the settings read (its one query, the cache emptied
 *              first), the extension's decision (`wpf_handle_webhook()`), `Endpoint::handle()` (everything the
 *              sender waits for; the settings cache emptied again, so it pays the query as a webhook does) and
 *              `Log::record()` of the webhook (written after the answer on php-fpm). It also counts the database
 *              statements `Endpoint::handle()` sends (every one, the writes among them — INSERT, UPDATE, DELETE,
 *              REPLACE — and the COMMITs), through WordPress's `query` filter, which both wpdb and the SQLite
 *              drop-in apply.
 *
 * @package WpfWebhooks\Bench
 */

defined( 'ABSPATH' ) || exit;

add_action(
	'init',
	static function (): void {
		if ( ! isset( $_GET['wpf_bench_profile'], $_GET['wpf_action'] ) || ! class_exists( WpfWebhooks\Endpoint::class ) ) { // phpcs:ignore WordPress.Security.NonceVerification
			return;
		}
		$booted = microtime( true ) - (float) $_SERVER['REQUEST_TIME_FLOAT'];
		$ms     = static fn( int $from ) => ( hrtime( true ) - $from ) / 1e6;
		$body   = (string) file_get_contents( 'php://input' );

		wp_cache_delete( WpfWebhooks\Settings::OPTION, 'options' );
		$start    = hrtime( true );
		$settings = WpfWebhooks\Settings::get();
		$read     = $ms( $start );

		$request  = array(
			'query'   => wp_unslash( (string) $_SERVER['QUERY_STRING'] ), // phpcs:ignore WordPress.Security
			'body'    => $body,
			'headers' => array(
				'content-type'     => 'application/json',
				'x-wpf-access-key' => wp_unslash( (string) ( $_SERVER['HTTP_X_WPF_ACCESS_KEY'] ?? '' ) ), // phpcs:ignore WordPress.Security
			),
		);
		$start    = hrtime( true );
		$decision = wpf_handle_webhook( $request, WpfWebhooks\SiteContext::describe( $settings ) );
		$decided  = $ms( $start );

		$counts = array(
			'queries' => 0,
			'writes'  => 0,
			'commits' => 0,
		);
		$count  = static function ( $query ) use ( &$counts ) {
			++$counts['queries'];
			$counts['writes']  += (int) preg_match( '/^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i', (string) $query );
			$counts['commits'] += (int) preg_match( '/^\s*COMMIT\b/i', (string) $query );
			return $query;
		};
		wp_cache_delete( WpfWebhooks\Settings::OPTION, 'options' );
		add_filter( 'query', $count );
		$start    = hrtime( true );
		$response = WpfWebhooks\Endpoint::handle();
		$handled  = $ms( $start );
		remove_filter( 'query', $count );

		$start = hrtime( true );
		WpfWebhooks\Log::record(
			array(
				'action'   => sanitize_key( wp_unslash( $_GET['wpf_action'] ) ), // phpcs:ignore WordPress.Security
				'contact'  => (string) ( $decision['email'] ?? '' ),
				'code'     => $response->code,
				'status'   => $response->status,
				'user_id'  => $response->user_id,
				'message'  => $response->message,
				'warnings' => $response->warnings,
				'request'  => $decision['log_request'],
			)
		);
		$logged = $ms( $start );

		header( 'Content-Type: application/json; charset=utf-8' );
		header( 'Cache-Control: no-store' );
		echo wp_json_encode(
			array(
				'success'      => true,
				'code'         => 'profile',
				'answer'       => $response->code,
				'boot_ms'      => 1000 * $booted,
				'settings_ms'  => $read,
				'extension_ms' => $decided,
				'handle_ms'    => $handled,
				'log_ms'       => $logged,
				'queries'      => $counts['queries'],
				'writes'       => $counts['writes'],
				'commits'      => $counts['commits'],
			)
		);
		exit;
	},
	0
);
