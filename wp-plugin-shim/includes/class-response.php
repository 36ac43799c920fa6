<?php
/**
 * The JSON answer to a webhook (CONTRACT §3).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * One answer: status, code, message, user id, warnings.
 */
final class Response {

	/**
	 * Status and message of the codes the plugin decides itself; the extension sends its own.
	 */
	const CODES = array(
		'created'           => array( 200, 'The user was created.' ),
		'updated'           => array( 200, 'The user was updated.' ),
		'duplicate'         => array( 200, 'This delivery was already processed.' ),
		'queued'            => array( 202, 'The webhook was stored and will be processed shortly.' ),
		'forbidden'         => array( 403, 'The access key is missing or wrong.' ),
		'user_not_found'    => array( 404, 'No WordPress user is linked to this contact.' ),
		'payload_too_large' => array( 413, 'The body is over 65536 bytes.' ),
		'extension_missing' => array( 503, 'The wpf_webhooks PHP extension is not loaded or does not match this plugin.' ),
		'internal_error'    => array( 500, 'An unexpected error occurred; nothing was changed.' ),
	);

	/**
	 * Builds a response.
	 *
	 * @param int         $status      HTTP status.
	 * @param string      $code        Contract code.
	 * @param string      $message     Human-readable, never secret or personal.
	 * @param int|null    $user_id     The user concerned, if any.
	 * @param string[]    $warnings    Warning codes.
	 * @param int|null    $retry_after Seconds before a retry, sent as `Retry-After` (a CRM outage, a full queue).
	 */
	public function __construct(
		public readonly int $status,
		public readonly string $code,
		public readonly string $message,
		public readonly ?int $user_id = null,
		public readonly array $warnings = array(),
		public readonly ?int $retry_after = null
	) {}

	/**
	 * A response for one of the plugin's own codes.
	 *
	 * @param string   $code     A key of CODES.
	 * @param int|null $user_id  The user concerned.
	 * @param string[] $warnings Warning codes.
	 */
	public static function of( string $code, ?int $user_id = null, array $warnings = array() ): self {
		[ $status, $message ] = self::CODES[ $code ];
		return new self( $status, $code, $message, $user_id, $warnings );
	}

	/**
	 * A response from an answer array of the extension.
	 *
	 * @param array $answer `['status', 'code', 'message', 'retry_after']`.
	 */
	public static function from_extension( array $answer ): self {
		$retry = isset( $answer['retry_after'] ) ? (int) $answer['retry_after'] : null;
		return new self( (int) $answer['status'], (string) $answer['code'], (string) $answer['message'], null, array(), $retry );
	}

	/**
	 * The JSON body.
	 */
	public function body(): array {
		return array(
			'success'  => $this->status < 300,
			'code'     => $this->code,
			'message'  => $this->message,
			'user_id'  => $this->user_id,
			'warnings' => array_values( $this->warnings ),
		);
	}

	/**
	 * Whether this PHP can end a response before the script ends (php-fpm, LiteSpeed).
	 */
	public static function can_release(): bool {
		return function_exists( 'fastcgi_finish_request' ) || function_exists( 'litespeed_finish_request' );
	}

	/**
	 * Ends the response already sent, so the sender stops waiting while this request goes on (see
	 * can_release()); the rest of the request runs to its end even if the sender hangs up.
	 */
	public function release(): void {
		ignore_user_abort( true );
		if ( function_exists( 'fastcgi_finish_request' ) ) {
			fastcgi_finish_request();
		} elseif ( function_exists( 'litespeed_finish_request' ) ) {
			litespeed_finish_request();
		}
	}

	/**
	 * Sends the answer and, unless told otherwise, ends the request.
	 *
	 * @param bool $end Whether to exit after the answer.
	 */
	public function send( bool $end = true ): void {
		if ( ! headers_sent() ) {
			status_header( $this->status );
			header( 'Content-Type: application/json; charset=utf-8' );
			header( 'Cache-Control: no-store' );
			header( 'X-Content-Type-Options: nosniff' );
			header( 'X-Robots-Tag: noindex' );
			if ( 'crm_unavailable' === $this->code || null !== $this->retry_after ) {
				header( 'Retry-After: ' . ( $this->retry_after ?? 30 ) );
			}
		}
		echo wp_json_encode( $this->body() );
		if ( $end ) {
			exit;
		}
	}
}
