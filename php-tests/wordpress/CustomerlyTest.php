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

	public function test_a_full_webhook_is_read_from_the_api_and_its_copy_only_fills_what_the_api_lacks(): void {
		self::$sandbox->call( 'PUT', '/_sandbox/customerly/contacts', array( 'email' => 'fresh@example.com', 'kind' => 'user', 'name' => 'Fresh Person', 'attributes' => array( 'first_name' => 'Fresh' ), 'tags' => array( 'beta', 'gold' ) ) );
		$contact = array(
			'email'      => 'fresh@example.com',
			'name'       => 'Forged Name',
			'attributes' => array( 'first_name' => 'Forged', 'seats' => 3 ),
			'tags'       => array( 'admin-membership', array( 'name' => 'forged' ) ),
		);
		$this->configure( array( 'return_password_field' => '', 'field_map' => array( 'first_name' => 'first_name', 'display_name' => 'name', 'seats' => 'seats' ) ) );
		$answer = $this->customerly_hook( 'add', $contact );
		$this->assertAnswer( 200, 'created', $answer );
		$user = get_userdata( $answer['json']['user_id'] );
		$this->assertSame( 'Fresh', $user->first_name );
		$this->assertSame( 'Fresh Person', $user->display_name );
		$this->assertSame( '3', get_user_meta( $user->ID, 'seats', true ), 'an attribute the API record lacks comes from the copy' );
		$this->assertSame( array( 'beta', 'gold' ), get_user_meta( $user->ID, 'customerly_tags', true ) );
		$this->assertNotSame( array(), self::$sandbox->requests(), 'the API was read' );
	}

	public function test_a_full_webhook_about_a_contact_the_crm_does_not_have_creates_nothing(): void {
		$users  = $this->user_count();
		$answer = $this->customerly_hook( 'add', array( 'email' => 'invented@example.com', 'name' => 'Invented', 'attributes' => array( 'first_name' => 'X' ), 'tags' => array( 'vip' ) ) );
		$this->assertAnswer( 404, 'contact_not_found', $answer );
		$this->assertSame( $users, $this->user_count() );
	}

	public function test_a_customerly_credential_error_is_502_and_not_retried(): void {
		self::$sandbox->call( 'PUT', '/_sandbox/config', array( 'customerly_token' => 'rotated' ) );
		$this->assertAnswer( 502, 'crm_error', $this->customerly_hook( 'update', array( 'email' => 'jane@example.com' ) ) );
		$this->assertCount( 1, self::$sandbox->requests() );
	}
}
