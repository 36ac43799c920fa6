<?php
/**
 * Ring 3: what only Customer.io does (the shared behaviour is in CustomerIoConformanceTest).
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * Customer.io's own identifiers.
 */
final class CustomerIoTest extends WebhookTestCase {

	public function test_an_id_only_body_is_resolved_through_the_crm(): void {
		$answer = Site::webhook( array( 'wpf_action' => 'add_user', 'access_key' => self::KEY ), '{"id":"cust-1001"}' );
		$this->assertAnswer( 200, 'created', $answer );
		$this->assertNotNull( $this->user( 'id-only@example.com' ) );
		$this->assertSame( array(), get_user_meta( $answer['json']['user_id'], 'customer-io_tags' ), 'no segments, no tag meta' );
		$answer = Site::webhook( array( 'wpf_action' => 'update_tags', 'access_key' => self::KEY, 'contact_id' => 'id-only@example.com' ), '' );
		$this->assertAnswer( 200, 'updated', $answer );
	}

	public function test_a_cio_id_body_is_resolved_too(): void {
		$person = self::$sandbox->call( 'GET', '/_sandbox/people?email=jane@example.com' );
		$answer = Site::webhook( array( 'wpf_action' => 'add', 'access_key' => self::KEY ), (string) wp_json_encode( array( 'cio_id' => $person['cio_id'] ) ) );
		$this->assertAnswer( 200, 'created', $answer );
		$this->assertSame( array( '1', '42' ), get_user_meta( $answer['json']['user_id'], 'customer-io_tags', true ), 'numeric and string segment ids, stored as strings' );
	}
}
