<?php
/**
 * The test site, from a test: real HTTP webhooks to it, and its logs.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * The site started by scripts/wp-env.sh, as described by its `env` output.
 */
final class Site {

	/**
	 * Sends a webhook and returns the answer.
	 *
	 * @param array       $query   Query parameters (wpf_action, access_key, …).
	 * @param string|null $body    Raw body; null sends none.
	 * @param array       $headers Extra headers, "Name: value".
	 * @param string      $method  HTTP method.
	 * @return array{request_id:string, status:int, headers:array<string,string>, json:?array, raw:string, seconds:float}
	 */
	public static function webhook( array $query, ?string $body = null, array $headers = array(), string $method = 'POST' ): array {
		$handle = self::handle( $query, $body, $headers, $method );
		$t0     = microtime( true );
		$raw    = curl_exec( $handle );
		$answer = self::answer( $handle, (string) $raw, microtime( true ) - $t0 );
		curl_close( $handle );
		self::await_end( array( $answer ) );
		return $answer;
	}

	/**
	 * Has the sandbox CRM send a webhook to the site, signed as a CRM would sign it (Sandbox::send_webhook()),
	 * and returns the answer as webhook() does.
	 *
	 * @param Sandbox $sandbox The sandbox.
	 * @param array   $query   Query parameters (wpf_action, access_key, …).
	 * @param string  $body    Raw body.
	 * @param string  $sign    `customerio`, `standard_webhooks` or `none`.
	 * @param array   $options More of the sandbox's options: `secret`, `timestamp`, `delivery_id`, `signature`, `headers`.
	 * @return array{request_id:string, status:int, headers:array<string,string>, json:?array, raw:string, seconds:float, sent:array<string,string>}
	 */
	public static function signed_webhook( Sandbox $sandbox, array $query, string $body, string $sign, array $options = array() ): array {
		$id                                      = bin2hex( random_bytes( 16 ) );
		$options['headers']['X-Test-Request-Id'] = $id;
		$t0                                      = microtime( true );
		$sent                                    = $sandbox->send_webhook( getenv( 'WPF_SITE_URL' ) . '/?' . http_build_query( $query ), $body, $sign, $options );
		$answer                                  = array(
			'request_id' => $id,
			'status'     => (int) $sent['status'],
			'headers'    => $sent['headers'],
			'json'       => json_decode( $sent['body'], true ),
			'raw'        => $sent['body'],
			'seconds'    => microtime( true ) - $t0,
			'sent'       => $sent['sent'],
		);
		self::await_end( array( $answer ) );
		return $answer;
	}

	/**
	 * Waits until the requests behind these answers have ended on the site: the plugin answers first, then
	 * logs the webhook and works the queue. An answer the site's PHP did not give (a page cache's) is not
	 * waited for.
	 *
	 * @param array[] $answers Answers of Site::webhook() or Site::concurrently().
	 */
	private static function await_end( array $answers ): void {
		$deadline = microtime( true ) + 30;
		foreach ( $answers as $answer ) {
			$id = $answer['request_id'];
			if ( ( $answer['headers']['x-test-request-id'] ?? '' ) !== $id ) {
				continue;
			}
			while ( ! is_file( self::log_path( 'ended/' . $id ) ) && microtime( true ) < $deadline ) {
				usleep( 5000 );
			}
		}
	}

	/**
	 * Sends several webhooks at once.
	 *
	 * @param array[] $requests Each `[query, body]` or `[query, body, headers]`.
	 * @return array[] The answers, in order.
	 */
	public static function concurrently( array $requests ): array {
		$multi   = curl_multi_init();
		$handles = array();
		foreach ( $requests as $i => $request ) {
			$handles[ $i ] = self::handle( $request[0], $request[1], $request[2] ?? array(), 'POST' );
			curl_multi_add_handle( $multi, $handles[ $i ] );
		}
		$t0 = microtime( true );
		do {
			$status = curl_multi_exec( $multi, $running );
			if ( $running ) {
				curl_multi_select( $multi, 1.0 );
			}
		} while ( $running && CURLM_OK === $status );
		$answers = array();
		foreach ( $handles as $i => $handle ) {
			$answers[ $i ] = self::answer( $handle, (string) curl_multi_getcontent( $handle ), microtime( true ) - $t0 );
			curl_multi_remove_handle( $multi, $handle );
		}
		curl_multi_close( $multi );
		self::await_end( $answers );
		return $answers;
	}

	/**
	 * A prepared curl handle.
	 *
	 * @param array       $query   Query parameters.
	 * @param string|null $body    Raw body.
	 * @param array       $headers Extra headers.
	 * @param string      $method  HTTP method.
	 * @return \CurlHandle
	 */
	private static function handle( array $query, ?string $body, array $headers, string $method ) {
		$id     = bin2hex( random_bytes( 16 ) );
		$handle = curl_init( getenv( 'WPF_SITE_URL' ) . '/?' . http_build_query( $query ) );
		curl_setopt( $handle, CURLOPT_PRIVATE, $id );
		$headers[] = 'X-Test-Request-Id: ' . $id;
		curl_setopt_array(
			$handle,
			array(
				CURLOPT_CUSTOMREQUEST  => $method,
				CURLOPT_RETURNTRANSFER => true,
				CURLOPT_HEADER         => true,
				CURLOPT_TIMEOUT        => 30,
				CURLOPT_HTTPHEADER     => array_merge( array( 'Content-Type: application/json', 'Expect:' ), $headers ),
			)
		);
		if ( null !== $body ) {
			curl_setopt( $handle, CURLOPT_POSTFIELDS, $body );
		}
		return $handle;
	}

	/**
	 * Splits a raw answer.
	 *
	 * @param \CurlHandle $handle  The handle.
	 * @param string      $raw     Headers and body.
	 * @param float       $seconds Time taken.
	 */
	private static function answer( $handle, string $raw, float $seconds ): array {
		$header_size = (int) curl_getinfo( $handle, CURLINFO_HEADER_SIZE );
		$headers     = array();
		foreach ( explode( "\r\n", substr( $raw, 0, $header_size ) ) as $line ) {
			if ( str_contains( $line, ':' ) ) {
				[ $name, $value ]                  = explode( ':', $line, 2 );
				$headers[ strtolower( trim( $name ) ) ] = trim( $value );
			}
		}
		$body = substr( $raw, $header_size );
		return array(
			'request_id' => (string) curl_getinfo( $handle, CURLINFO_PRIVATE ),
			'status'     => (int) curl_getinfo( $handle, CURLINFO_RESPONSE_CODE ),
			'headers'    => $headers,
			'json'       => json_decode( $body, true ),
			'raw'        => $body,
			'seconds'    => $seconds,
		);
	}

	/**
	 * Runs WP-Cron's due events on the site, as a page view's spawn would: GET /wp-cron.php. WordPress ends
	 * that response before running the events, so this returns at once.
	 */
	public static function run_cron(): void {
		delete_transient( 'doing_cron' );
		$handle = curl_init( getenv( 'WPF_SITE_URL' ) . '/wp-cron.php' );
		curl_setopt_array( $handle, array( CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 10 ) );
		curl_exec( $handle );
		curl_close( $handle );
	}

	/**
	 * Runs the plugin's uninstall.php as WordPress runs it, in its own process.
	 *
	 * @return array{0: int, 1: string} Its exit status and output.
	 */
	public static function uninstall_plugin(): array {
		$script = 'define( "WP_UNINSTALL_PLUGIN", "wpf-webhooks/wpf-webhooks.php" ); require getenv( "WPF_WP_DIR" ) . "/wp-load.php"; include WP_PLUGIN_DIR . "/wpf-webhooks/uninstall.php";';
		exec( escapeshellarg( PHP_BINARY ) . ' -r ' . escapeshellarg( $script ) . ' 2>&1', $out, $status );
		return array( $status, implode( "\n", $out ) );
	}

	/**
	 * Waits until a condition holds, checking every 50 ms.
	 *
	 * @param callable $condition Returns true when done.
	 * @param float    $seconds   Longest wait.
	 * @return bool Whether it held in time.
	 */
	public static function eventually( callable $condition, float $seconds ): bool {
		$deadline = microtime( true ) + $seconds;
		do {
			wp_cache_flush();
			if ( $condition() ) {
				return true;
			}
			usleep( 50000 );
		} while ( microtime( true ) < $deadline );
		return false;
	}

	/**
	 * A file in the site's log directory.
	 *
	 * @param string $name File name.
	 */
	public static function log_path( string $name ): string {
		return getenv( 'WPF_RUN' ) . '/logs/' . $name;
	}

	/**
	 * The JSON lines of a log (mail.log, actions.log).
	 *
	 * @param string $name File name.
	 * @return array[]
	 */
	public static function json_lines( string $name ): array {
		$path = self::log_path( $name );
		if ( ! is_file( $path ) ) {
			return array();
		}
		$lines = array_filter( explode( "\n", (string) file_get_contents( $path ) ) );
		return array_values( array_map( fn( $l ) => json_decode( $l, true ), $lines ) );
	}

	/**
	 * Empties a log.
	 *
	 * @param string $name File name.
	 */
	public static function clear_log( string $name ): void {
		if ( is_file( self::log_path( $name ) ) ) {
			file_put_contents( self::log_path( $name ), '' );
		}
	}
}
