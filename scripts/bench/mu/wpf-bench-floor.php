<?php
/**
 * Plugin Name: wpf-webhooks benchmark floor
 * Description: Benchmark sites only (scripts/bench.sh). `?wpf_bench_floor=1` ends the request at `init`, before
 *              the plugin's handler (same priority 0, added earlier: mu-plugins load first), with a small JSON
 *              answer like a webhook's: the floor, what WordPress costs booted to `init`. Front-end pages are sent
 *              with WordPress's no-cache headers, so the rig's page cache never answers in PHP's place.
 *              `?wpf_bench_floor=write` inserts one row into the table `wpf_bench_writes` first (made by
 *              scripts/bench/configure.php), with one INSERT query as the plugin writes its log rows: what one
 *              database write costs at `init`.
 *
 * @package WpfWebhooks\Bench
 */

defined( 'ABSPATH' ) || exit;

add_action(
	'init',
	static function (): void {
		if ( ! isset( $_GET['wpf_bench_floor'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification
			return;
		}
		if ( 'write' === $_GET['wpf_bench_floor'] ) { // phpcs:ignore WordPress.Security
			global $wpdb;
			$wpdb->query( $wpdb->prepare( "INSERT INTO {$wpdb->prefix}wpf_bench_writes (created_at) VALUES (%d)", time() ) ); // phpcs:ignore WordPress.DB
		}
		header( 'Content-Type: application/json; charset=utf-8' );
		header( 'Cache-Control: no-store' );
		echo '{"success":true,"code":"floor","message":"WordPress booted to init.","user_id":null,"warnings":[]}';
		exit;
	},
	0
);

add_action(
	'send_headers',
	static function (): void {
		nocache_headers();
	}
);
