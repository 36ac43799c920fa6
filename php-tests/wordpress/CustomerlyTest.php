<?php
/**
 * Ring 3: what only Customerly does (the shared behaviour is in the Customerly conformance tests).
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * Leads, and webhooks that carry the whole contact.
 */
final class CustomerlyTest extends WebhookTestCase {

	protected function configure( array $overrides = array() ): void {
		parent::configure(
			array_merge(
				array(
					'crm'                => 'customerly',
					'customerly_token'   => CustomerlyConformanceTest::TOKEN,
					'customerly_api_url' => self::$sandbox->url . '/customerly/v1',
				),
				$overrides
			)
		);
	}

	/**
	 * A Customerly webhook about a contact.
	 *
	 * @param array $contact The contact as Customerly embeds it.
	 */
	private function customerly_hook( string $action, array $contact, array $params = array() ): array {
		$body   = (string) wp_json_encode( array( 'type' => 'user_tagged', 'data' => array( 'user' => array( 'data' => $contact ) ) ) );
		$answer = Site::webhook( array_merge( array( 'wpf_action' => $action, 'access_key' => self::KEY ), $params ), $body );
		wp_cache_flush();
		return $answer;
	}

	public function test_a_lead_becomes_a_user_without_a_password_write(): void {
		$answer = $this->customerly_hook( 'add', array( 'email' => 'lead@example.com' ), array( 'send_notification' => 'true' ) );
		$this->assertAnswer( 200, 'created', $answer );
		$this->assertSame( array( 'password_not_returned' ), $answer['json']['warnings'] );
		$this->assertSame( array( 'prospect' ), get_user_meta( $answer['json']['user_id'], 'customerly_tags', true ) );
		$posts = array_filter( self::$sandbox->requests(), fn( $r ) => 'POST' === $r['method'] );
		$this->assertSame( array(), $posts, 'POST /users would have turned the lead into a second user' );
		$this->assertCount( 1, Site::json_lines( 'mail.log' ), 'the set-password email is how this user gets in' );
	}

	public function test_a_full_webhook_is_applied_without_reading_the_api(): void {
		$contact = array(
			'email'      => 'fresh@example.com',
			'name'       => 'Fresh Person',
			'attributes' => array( 'first_name' => 'Fresh', 'last_name' => 'Person', 'seats' => 3 ),
			'tags'       => array( 'beta', array( 'name' => 'gold' ) ),
		);
		$this->configure( array( 'return_password_field' => '', 'field_map' => array( 'first_name' => 'first_name', 'display_name' => 'name', 'seats' => 'seats' ) ) );
		$answer = $this->customerly_hook( 'add', $contact );
		$this->assertAnswer( 200, 'created', $answer );
		$user = get_userdata( $answer['json']['user_id'] );
		$this->assertSame( 'Fresh', $user->first_name );
		$this->assertSame( 'Fresh Person', $user->display_name );
		$this->assertSame( '3', get_user_meta( $user->ID, 'seats', true ) );
		$this->assertSame( array( 'beta', 'gold' ), get_user_meta( $user->ID, 'customerly_tags', true ) );
		$this->assertSame( array(), self::$sandbox->requests(), 'the webhook carried everything' );
	}

	public function test_a_customerly_credential_error_is_502_and_not_retried(): void {
		self::$sandbox->call( 'PUT', '/_sandbox/config', array( 'customerly_token' => 'rotated' ) );
		$this->assertAnswer( 502, 'crm_error', $this->customerly_hook( 'update', array( 'email' => 'jane@example.com' ) ) );
		$this->assertCount( 1, self::$sandbox->requests() );
	}
}
