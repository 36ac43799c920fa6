<?php
/**
 * The sandbox CRM, from a test: start it (or find it), seed it, fault it, read its request log, have it send
 * signed webhooks.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * A running wpf-sandbox, driven through its /_sandbox control API.
 */
final class Sandbox {

	const APP_KEY                  = 'sandbox-app-key';
	const SITE_ID                  = 'sandbox-site-id';
	const TRACK_KEY                = 'sandbox-track-key';
	const CIO_SIGNING_KEY          = 'sandbox-cio-signing-key';
	const STANDARD_WEBHOOKS_SECRET = 'whsec_d3BmLXNhbmRib3gtc3RhbmRhcmQtd2ViaG9va3MtMzI=';

	/**
	 * Its base URL.
	 *
	 * @var string
	 */
	public string $url;

	/**
	 * The process, when this object started it.
	 *
	 * @var resource|null
	 */
	private $process = null;

	/**
	 * Uses a sandbox at $url.
	 *
	 * @param string $url Base URL.
	 */
	public function __construct( string $url ) {
		$this->url = rtrim( $url, '/' );
	}

	/**
	 * Starts the binary on an ephemeral port and waits for its "listening on" line.
	 *
	 * @param string $binary Path to wpf-sandbox.
	 */
	public static function start( string $binary ): self {
		$process = proc_open( array( $binary, '--listen', '127.0.0.1:0' ), array( 1 => array( 'pipe', 'w' ), 2 => array( 'file', '/dev/null', 'w' ) ), $pipes );
		if ( ! is_resource( $process ) ) {
			throw new \RuntimeException( "cannot start $binary" );
		}
		$line = (string) fgets( $pipes[1] );
		if ( ! preg_match( '#(http://\S+)#', $line, $m ) ) {
			throw new \RuntimeException( "the sandbox said: $line" );
		}
		$sandbox          = new self( $m[1] );
		$sandbox->process = $process;
		return $sandbox;
	}

	/**
	 * Stops the process this object started.
	 */
	public function stop(): void {
		if ( is_resource( $this->process ) ) {
			proc_terminate( $this->process );
			proc_close( $this->process );
			$this->process = null;
		}
	}

	/**
	 * The Customer.io App API base URL for a region.
	 *
	 * @param string $region us or eu.
	 */
	public function app_url( string $region = 'us' ): string {
		return $this->url . "/customerio/$region/app/v1";
	}

	/**
	 * The Customer.io Track API base URL for a region.
	 *
	 * @param string $region us or eu.
	 */
	public function track_url( string $region = 'us' ): string {
		return $this->url . "/customerio/$region/track/api/v1";
	}

	/**
	 * Settings that point the plugin at this sandbox.
	 *
	 * @param string $access_key The access key.
	 */
	public function settings( string $access_key ): array {
		return array(
			'crm'                  => 'customerio',
			'access_key'           => $access_key,
			'customerio_app_key'   => self::APP_KEY,
			'customerio_site_id'   => self::SITE_ID,
			'customerio_track_key' => self::TRACK_KEY,
			'customerio_app_url'   => $this->app_url(),
			'customerio_track_url' => $this->track_url(),
		);
	}

	/**
	 * Back to the default seed, no faults, no latency, an empty request log.
	 */
	public function reset(): void {
		$this->call( 'POST', '/_sandbox/reset' );
	}

	/**
	 * Adds or replaces a person.
	 *
	 * @param array $person `email`, `attributes`, `segments`, …
	 */
	public function put_person( array $person ): void {
		$this->call( 'PUT', '/_sandbox/people', $person );
	}

	/**
	 * Adds a fault rule.
	 *
	 * @param array $fault See the sandbox's README.
	 */
	public function fault( array $fault ): void {
		$this->call( 'POST', '/_sandbox/faults', $fault );
	}

	/**
	 * Delays every answer.
	 *
	 * @param int $ms Milliseconds.
	 */
	public function latency( int $ms ): void {
		$this->call( 'PUT', '/_sandbox/latency', array( 'ms' => $ms ) );
	}

	/**
	 * The recorded API requests, oldest first.
	 *
	 * @return array[]
	 */
	public function requests(): array {
		return $this->call( 'GET', '/_sandbox/requests' )['requests'];
	}

	/**
	 * Has the sandbox POST a webhook to a site, signed as Customer.io or as a Standard Webhooks sender, with the
	 * sandbox's secrets (self::CIO_SIGNING_KEY, self::STANDARD_WEBHOOKS_SECRET) unless `secret` is given.
	 *
	 * @param string $url     The site's http:// URL.
	 * @param string $body    The body, sent byte for byte.
	 * @param string $sign    customerio, standard_webhooks or none.
	 * @param array  $options Optional `secret`, `timestamp` (Unix seconds, default now), `delivery_id`,
	 *                        `signature` (sent as it is instead of the computed one), `headers` (name => value).
	 * @return array `status`, `headers` (lower-case names) and `body` of the site's answer, and the headers
	 *               `sent`.
	 * @throws \RuntimeException When the sandbox refused the request or the site gave no answer.
	 */
	public function send_webhook( string $url, string $body, string $sign = 'none', array $options = array() ): array {
		$order = array_merge(
			$options,
			array(
				'url'  => $url,
				'body' => $body,
				'sign' => $sign,
			)
		);
		if ( isset( $order['headers'] ) ) {
			$order['headers'] = (object) $order['headers'];
		}
		$answer = $this->call( 'POST', '/_sandbox/webhooks', $order, 20 );
		if ( isset( $answer['error'] ) ) {
			throw new \RuntimeException( "sandbox webhook to $url: {$answer['error']}" );
		}
		return $answer;
	}

	/**
	 * One control call.
	 *
	 * @param string     $method  HTTP method.
	 * @param string     $path    Path under the base URL.
	 * @param array|null $body    JSON body.
	 * @param int        $timeout Seconds to wait for the answer.
	 */
	public function call( string $method, string $path, ?array $body = null, int $timeout = 10 ): array {
		$context = stream_context_create(
			array(
				'http' => array(
					'method'        => $method,
					'header'        => "Content-Type: application/json\r\n",
					'content'       => null === $body ? '' : json_encode( $body ),
					'ignore_errors' => true,
					'timeout'       => $timeout,
				),
			)
		);
		$answer = file_get_contents( $this->url . $path, false, $context );
		if ( false === $answer ) {
			throw new \RuntimeException( "sandbox $method $path failed" );
		}
		$decoded = json_decode( $answer, true );
		return is_array( $decoded ) ? $decoded : array();
	}
}
