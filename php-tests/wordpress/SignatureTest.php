<?php
/**
 * Ring 3: signed webhooks (CONTRACT §2 "Signatures"), sent over real HTTP by the sandbox CRM signing as
 * Customer.io and as a Standard Webhooks sender.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Log;
use WpfWebhooks\Queue;

/**
 * A valid signature is processed; a wrong, stale or (where required) missing one is refused before anything is
 * done; the log says which and why.
 */
final class SignatureTest extends WebhookTestCase {

	const BODY = '{"email":"jane@example.com"}';

	/**
	 * Settings with both signing secrets the sandbox signs with, plus overrides.
	 *
	 * @param array $overrides Settings to change.
	 */
	private function signing( array $overrides = array() ): void {
		$this->configure(
			array_merge(
				array(
					'customerio_signing_key'   => Sandbox::CIO_SIGNING_KEY,
					'standard_webhooks_secret' => Sandbox::STANDARD_WEBHOOKS_SECRET,
				),
				$overrides
			)
		);
	}

	/**
	 * Has the sandbox send `{"email": "jane@example.com"}` with the right access key.
	 *
	 * @param string $sign    `customerio`, `standard_webhooks` or `none`.
	 * @param string $action  wpf_action.
	 * @param array  $params  More query parameters.
	 * @param array  $options The sandbox's signing options.
	 */
	private function send( string $sign, string $action = 'add', array $params = array(), array $options = array() ): array {
		$answer = Site::signed_webhook( self::$sandbox, array_merge( array( 'wpf_action' => $action, 'access_key' => self::KEY ), $params ), self::BODY, $sign, $options );
		wp_cache_flush();
		return $answer;
	}

	/**
	 * The newest log row.
	 */
	private function last_log(): array {
		return Log::query( array( 'per_page' => 1 ) )['rows'][0] ?? array();
	}

	public function test_a_valid_signature_of_either_scheme_is_processed_and_logged_as_verified(): void {
		$this->signing( array( 'require_signature' => true ) );
		$cases = array(
			'customerio'        => array( 'add', array(), 200, 'created', 'x-cio-signature' ),
			'standard_webhooks' => array( 'update', array(), 200, 'updated', 'webhook-signature' ),
			'customerio async'  => array( 'update_tags', array( 'async' => 'true' ), 202, 'queued', 'x-cio-signature' ),
		);
		foreach ( $cases as $what => [ $action, $params, $status, $code, $header ] ) {
			$answer = $this->send( strtok( $what, ' ' ), $action, $params );
			$this->assertAnswer( $status, $code, $answer );
			$this->assertArrayHasKey( $header, $answer['sent'], $what );
			$row = Log::query(
				array(
					'code'     => $code,
					'per_page' => 1,
				)
			)['rows'][0] ?? array();
			$this->assertSame( array( 'verified', $code ), array( $row['signature'] ?? null, $row['code'] ?? null ), $what );
			$this->assertSame( '[redacted]', $row['request']['headers'][ $header ] ?? null, "$what: the log keeps the signature as present only" );
		}
		$this->assertNotNull( $this->user( 'jane@example.com' ) );
		$this->assertSame( 3, Log::query( array( 'signature' => 'verified' ) )['total'], 'the log filters by signature' );
		$this->assertTrue( $this->run_cron_until( fn() => 0 === array_sum( Queue::counts() ) ), 'the queued webhook ran without its signature headers' );
	}

	public function test_a_wrong_stale_or_required_but_missing_signature_is_refused_before_anything_is_done(): void {
		global $wpdb;
		$wrong_key = Site::webhook( array( 'wpf_action' => 'add', 'access_key' => self::KEY . 'x' ), self::BODY );
		$this->assertAnswer( 403, 'forbidden', $wrong_key );
		$cases = array(
			'a wrong Customer.io key'                        => array( 'customerio', array( 'secret' => 'not-the-signing-key' ), array() ),
			'a wrong Standard Webhooks secret'               => array( 'standard_webhooks', array( 'secret' => 'whsec_' . base64_encode( random_bytes( 24 ) ) ), array() ),
			'a stale Customer.io signature'                  => array( 'customerio', array( 'timestamp' => time() - 301 ), array() ),
			// 301 s ahead when signed is within the 300 s once a second has passed on a loaded machine (ring 1 has the edges).
			'a Standard Webhooks signature from the future'  => array( 'standard_webhooks', array( 'timestamp' => time() + 360 ), array() ),
			'a malformed signature'                          => array( 'customerio', array( 'signature' => 'sha256=' . str_repeat( 'ab', 32 ) ), array() ),
			'an unsigned webhook, signatures required'       => array( 'none', array(), array( 'require_signature' => true ) ),
			'signed without a secret to check it, required'  => array( 'standard_webhooks', array(), array( 'require_signature' => true, 'standard_webhooks_secret' => '' ) ),
		);
		foreach ( $cases as $what => [ $sign, $options, $settings ] ) {
			$this->signing( $settings );
			foreach ( array( array(), array( 'async' => 'true' ) ) as $params ) {
				$answer = $this->send( $sign, 'add', $params, $options );
				$this->assertAnswer( 403, 'forbidden', $answer );
				$this->assertSame( $wrong_key['json']['message'], $answer['json']['message'], "$what: the answer does not say which check failed" );
				$row = $this->last_log();
				$this->assertSame( array( 'refused', 'forbidden', 403 ), array( $row['signature'], $row['code'], $row['status'] ), $what );
				$this->assertNotSame( $answer['json']['message'], $row['message'], "$what: the log says why" );
			}
		}
		$this->assertSame( array(), self::$sandbox->requests(), 'no CRM call' );
		$this->assertNull( $this->user( 'jane@example.com' ), 'no user' );
		$this->assertSame( 0, array_sum( Queue::counts() ), 'no job' );
		$this->assertSame( 0, (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . \WpfWebhooks\Schema::table( 'deliveries' ) ) ); // phpcs:ignore WordPress.DB
		$this->assertSame( count( $cases ) * 2, Log::query( array( 'signature' => 'refused' ) )['total'] );
		$this->assertSame( array( 'forbidden' => 1 ), Log::refusals_since( time() - 60 ), 'only the wrong key was counted without a row' );
		$reasons = implode( "\n", array_column( Log::query( array( 'signature' => 'refused', 'per_page' => 100 ) )['rows'], 'message' ) );
		foreach ( array( 'does not match', ' s old (at most 300 s)', ' s ahead of the site\'s clock', 'malformed', 'unsigned', 'no secret' ) as $why ) {
			$this->assertStringContainsString( $why, $reasons );
		}
	}

	public function test_a_replayed_signed_request_is_answered_from_its_delivery_id(): void {
		$this->signing();
		$first = array();
		foreach ( array( 'customerio', 'standard_webhooks' ) as $scheme ) {
			$options           = array(
				'delivery_id' => "dlv-$scheme-" . bin2hex( random_bytes( 4 ) ),
				'timestamp'   => time(),
			);
			$first[ $scheme ]  = $this->send( $scheme, 'add', array(), $options );
			$replay            = $this->send( $scheme, 'add', array(), $options );
			$signed = fn( array $sent ) => array_diff_key( $sent, array( 'x-test-request-id' => true ) );
			$this->assertSame( $signed( $first[ $scheme ]['sent'] ), $signed( $replay['sent'] ), 'the same signed request' );
			$this->assertAnswer( 200, 'duplicate', $replay );
			$this->assertSame( 'verified', $this->last_log()['signature'] );
		}
		$this->assertAnswer( 200, 'created', $first['customerio'] );
		$this->assertAnswer( 200, 'updated', $first['standard_webhooks'] );
		$this->assertCount( 1, $this->password_writes(), 'one password write-back' );

		$options = array(
			'delivery_id' => 'msg_' . bin2hex( random_bytes( 8 ) ),
			'timestamp'   => time(),
		);
		$this->assertAnswer( 202, 'queued', $this->send( 'standard_webhooks', 'update', array( 'async' => 'true' ), $options ) );
		$this->assertTrue( $this->run_cron_until( fn() => 0 === array_sum( Queue::counts() ) ), 'the job ran' );
		foreach ( array( array(), array( 'async' => 'true' ) ) as $params ) {
			$replay = $this->send( 'standard_webhooks', 'add', $params, $options + array( 'headers' => array( 'X-CIO-Delivery-Id' => 'dlv-' . bin2hex( random_bytes( 4 ) ) ) ) );
			// An unsigned delivery id added, another action: the signed webhook-id still names the delivery.
			$this->assertAnswer( 200, 'duplicate', $replay );
		}
		// An unsigned request naming a signed delivery is not that delivery.
		$this->assertAnswer( 200, 'updated', $this->send( 'none', 'update', array(), array( 'headers' => array( 'webhook-id' => $options['delivery_id'] ) ) ) );
	}

	public function test_without_a_secret_a_signature_is_unchecked_and_an_unsigned_webhook_passes_unless_required(): void {
		$this->configure( array( 'require_signature' => true ) );
		$this->assertAnswer( 200, 'created', $this->send( 'customerio' ) );
		$this->assertSame( 'unchecked', $this->last_log()['signature'], 'signed, but the site has no key to check it with' );
		$this->assertAnswer( 200, 'updated', $this->send( 'none', 'update' ) );
		$this->assertSame( 'unsigned', $this->last_log()['signature'], 'require_signature counts only while a secret is set' );
		$this->signing();
		$this->assertAnswer( 200, 'updated', $this->send( 'none', 'update' ) );
		$this->assertSame( 'unsigned', $this->last_log()['signature'] );
	}
}
