<?php
/**
 * A webhook sent without waiting for its answer, for the tests that act on the site while it works on one.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * One POST in flight, driven by the test: it advances only while run_for() or finish() runs.
 */
final class InFlight {

	/**
	 * The request.
	 *
	 * @var \CurlHandle
	 */
	private \CurlHandle $handle;

	/**
	 * What drives it.
	 *
	 * @var \CurlMultiHandle
	 */
	private \CurlMultiHandle $multi;

	/**
	 * Starts the request.
	 *
	 * @param string $url  The whole URL.
	 * @param string $body The body.
	 */
	public function __construct( string $url, string $body ) {
		$this->handle = curl_init( $url );
		curl_setopt_array( $this->handle, array( CURLOPT_POSTFIELDS => $body, CURLOPT_RETURNTRANSFER => true ) );
		$this->multi = curl_multi_init();
		curl_multi_add_handle( $this->multi, $this->handle );
	}

	/**
	 * Drives the request for this long, or until $until returns true.
	 *
	 * @param float         $seconds How long at most.
	 * @param callable|null $until   Asked after each step; null runs the whole time.
	 * @return bool Whether $until held.
	 */
	public function run_for( float $seconds, ?callable $until = null ): bool {
		$deadline = microtime( true ) + $seconds;
		do {
			curl_multi_exec( $this->multi, $running );
			curl_multi_select( $this->multi, 0.05 );
			if ( null !== $until && $until() ) {
				return true;
			}
		} while ( microtime( true ) < $deadline );
		return false;
	}

	/**
	 * Drives the request to its end.
	 *
	 * @return array{status:int, json:mixed} The HTTP status, and the body decoded as JSON (null when it is not).
	 */
	public function finish(): array {
		do {
			curl_multi_exec( $this->multi, $running );
			curl_multi_select( $this->multi, 0.1 );
		} while ( $running );
		$answer = array(
			'status' => (int) curl_getinfo( $this->handle, CURLINFO_RESPONSE_CODE ),
			'json'   => json_decode( (string) curl_multi_getcontent( $this->handle ), true ),
		);
		curl_multi_close( $this->multi );
		return $answer;
	}
}
