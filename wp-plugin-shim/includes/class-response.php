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
	 * A response with a code's status and default message (the contract's, see Contract::code()).
	 *
	 * @param string   $code     A code of the contract.
	 * @param int|null $user_id  The user concerned.
	 * @param string[] $warnings Warning codes.
	 */
	public static function of( string $code, ?int $user_id = null, array $warnings = array() ): self {
		$known = Contract::code( $code );
		return new self( $known['status'], $code, $known['message'], $user_id, $warnings );
	}

	/**
	 * An internal_error that says what went wrong.
	 *
	 * @param string   $message     What went wrong; never secret or personal.
	 * @param int|null $retry_after Seconds before a retry, when one may succeed (a full queue).
	 */
	public static function internal_error( string $message, ?int $retry_after = null ): self {
		return new self( Contract::code( 'internal_error' )['status'], 'internal_error', $message, null, array(), $retry_after );
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
	 * Whether the webhook was done: its code's class is `success` (CONTRACT §3: exactly the statuses below 300).
	 */
	public function succeeded(): bool {
		return 'success' === Log::outcome( $this->code );
	}

	/**
	 * The JSON body.
	 */
	public function body(): array {
		return array(
			'success'  => $this->succeeded(),
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
