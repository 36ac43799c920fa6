<?php
/**
 * Ring 3: `add` creates users exactly as the contract says, and never a duplicate.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * The `add` action over real HTTP.
 */
final class AddTest extends WebhookTestCase {

	public static function setUpBeforeClass(): void {
		parent::setUpBeforeClass();
		add_role( 'customer', 'Customer', array( 'read' => true ) );
		add_role( 'shop_boss', 'Shop boss', array( 'read' => true, 'edit_users' => true ) );
	}

	public function test_add_creates_the_user_with_its_crm_data(): void {
		$answer = $this->hook( 'add', 'Jane@Example.com' );
		$this->assertAnswer( 200, 'created', $answer );
		$user = $this->user( 'jane@example.com' );
		$this->assertNotNull( $user );
		$this->assertSame( $user->ID, $answer['json']['user_id'] );
		$this->assertSame( array(), $answer['json']['warnings'] );
		$this->assertSame( 'jane@example.com', $user->user_login, 'username = the email as the CRM has it' );
		$this->assertSame( array( 'subscriber' ), $user->roles );
		$this->assertSame( 'Jane', $user->first_name );
		$this->assertSame( 'Doe', $user->last_name );
		$this->assertSame( 'jane@example.com', get_user_meta( $user->ID, 'customer-io_contact_id', true ) );
		$this->assertSame( array( '1', '42' ), get_user_meta( $user->ID, 'customer-io_tags', true ) );
		$this->assertSame( array(), Site::json_lines( 'mail.log' ), 'no email unless asked' );
	}

	public function test_the_generated_password_is_returned_to_the_crm_and_logs_in(): void {
		$this->hook( 'add', 'jane@example.com' );
		$writes = $this->password_writes();
		$this->assertCount( 1, $writes );
		$this->assertStringEndsWith( '/customers/jane@example.com', $writes[0]['path'] );
		$body = json_decode( $writes[0]['body'], true );
		$this->assertEqualsCanonicalizing( array( 'wp_password', '_update' ), array_keys( $body ) );
		$this->assertTrue( $body['_update'] );
		$this->assertMatchesRegularExpression( '/^[A-Za-z0-9]{24}$/', $body['wp_password'] );
		$user = wp_authenticate( 'jane@example.com', $body['wp_password'] );
		$this->assertInstanceOf( \WP_User::class, $user );
		$this->assertNotSame( $body['wp_password'], $user->user_pass );
	}

	public function test_return_password_is_off_without_a_field_or_when_disabled(): void {
		$this->configure( array( 'return_password_field' => '' ) );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'jane@example.com' ) );
		$this->configure( array( 'return_password' => false ) );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'john.smith@example.com' ) );
		$this->assertSame( array(), $this->password_writes() );
	}

	public function test_a_second_add_updates_instead_of_duplicating(): void {
		$first = $this->hook( 'add', 'jane@example.com' );
		self::$sandbox->put_person( array( 'email' => 'jane@example.com', 'attributes' => array( 'first_name' => 'Janet' ), 'segments' => array( 7 ) ) );
		$second = $this->hook( 'add', 'JANE@EXAMPLE.COM', array( 'send_notification' => 'true', 'role' => 'customer' ) );
		$this->assertAnswer( 200, 'updated', $second );
		$this->assertSame( $first['json']['user_id'], $second['json']['user_id'] );
		$this->assertSame( 2, $this->user_count() );
		$user = $this->user( 'jane@example.com' );
		$this->assertSame( 'Janet', $user->first_name );
		$this->assertSame( array( '7' ), get_user_meta( $user->ID, 'customer-io_tags', true ) );
		$this->assertSame( array( 'subscriber' ), $user->roles, 'an existing user\'s role never changes' );
		$this->assertCount( 1, $this->password_writes(), 'no second password' );
		$this->assertSame( array(), Site::json_lines( 'mail.log' ), 'no email on update' );
	}

	public function test_an_existing_user_is_found_by_email_in_any_case_and_linked(): void {
		$id     = wp_insert_user( array( 'user_login' => 'jdoe', 'user_email' => 'Jane@Example.COM', 'user_pass' => 'old-password-1' ) );
		$hash   = get_userdata( $id )->user_pass;
		$answer = $this->hook( 'add', 'jane@example.com' );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( $id, $answer['json']['user_id'] );
		$user = $this->user( 'jane@example.com' );
		$this->assertSame( $hash, $user->user_pass, 'the password of an existing user never changes' );
		$this->assertSame( 'Jane@Example.COM', $user->user_email, 'nor its email' );
		$this->assertSame( 'jane@example.com', get_user_meta( $id, 'customer-io_contact_id', true ) );
		$this->assertSame( array(), $this->password_writes() );
	}

	public function test_the_contact_id_meta_wins_over_the_email(): void {
		$linked = wp_insert_user( array( 'user_login' => 'linked', 'user_email' => 'other@example.org', 'user_pass' => wp_generate_password() ) );
		update_user_meta( $linked, 'customer-io_contact_id', 'jane@example.com' );
		wp_insert_user( array( 'user_login' => 'byemail', 'user_email' => 'jane@example.com', 'user_pass' => wp_generate_password() ) );
		$answer = $this->hook( 'update_tags', 'jane@example.com' );
		$this->assertSame( $linked, $answer['json']['user_id'] );
	}

	/**
	 * @dataProvider roles
	 */
	public function test_the_role_policy( string $asked, array $allowed, string $role, array $warnings ): void {
		$this->configure( array( 'allowed_roles' => $allowed ) );
		$answer = $this->hook( 'add', 'jane@example.com', array( 'role' => $asked ) );
		$this->assertAnswer( 200, 'created', $answer );
		$this->assertSame( $warnings, $answer['json']['warnings'] );
		$this->assertSame( array( $role ), $this->user( 'jane@example.com' )->roles );
	}

	public static function roles(): array {
		$all = array( 'administrator', 'editor', 'shop_boss', 'customer', 'subscriber' );
		return array(
			'allowed by slug'             => array( 'customer', array( 'subscriber', 'customer' ), 'customer', array() ),
			'allowed by display name'     => array( ' Customer ', array( 'subscriber', 'customer' ), 'customer', array() ),
			'not allowed'                 => array( 'customer', array( 'subscriber' ), 'subscriber', array( 'role_not_allowed' ) ),
			'unknown'                     => array( 'ghost', $all, 'subscriber', array( 'role_not_allowed' ) ),
			'administrator even allowed'  => array( 'administrator', $all, 'subscriber', array( 'role_not_allowed' ) ),
			'Administrator by name'       => array( 'ADMINISTRATOR', $all, 'subscriber', array( 'role_not_allowed' ) ),
			'editor: unfiltered_html'     => array( 'editor', $all, 'subscriber', array( 'role_not_allowed' ) ),
			'edit_users role'             => array( 'shop_boss', $all, 'subscriber', array( 'role_not_allowed' ) ),
		);
	}

	public function test_a_privileged_default_role_falls_back_to_subscriber(): void {
		$this->configure( array( 'default_role' => 'administrator' ) );
		$answer = $this->hook( 'add', 'jane@example.com' );
		$this->assertSame( array( 'default_role_not_allowed' ), $answer['json']['warnings'] );
		$this->assertSame( array( 'subscriber' ), $this->user( 'jane@example.com' )->roles );
		$this->configure( array( 'default_role' => 'customer' ) );
		$this->hook( 'add', 'john.smith@example.com' );
		$this->assertSame( array( 'customer' ), $this->user( 'john.smith@example.com' )->roles, 'default_role need not be allowed' );
	}

	public function test_send_notification_sends_wordpress_new_user_email(): void {
		$answer = $this->hook( 'add', 'jane@example.com', array( 'send_notification' => 'true' ) );
		$this->assertAnswer( 200, 'created', $answer );
		$mails = Site::json_lines( 'mail.log' );
		$this->assertCount( 1, $mails );
		$this->assertSame( array( 'jane@example.com' ), $mails[0]['to'] );
		$this->assertMatchesRegularExpression( '/action=rp&key=([A-Za-z0-9]+)&login=([^\s&>]+)/', $mails[0]['message'] );
		preg_match( '/action=rp&key=([A-Za-z0-9]+)&login=([^\s&>]+)/', $mails[0]['message'], $m );
		$user = check_password_reset_key( $m[1], rawurldecode( $m[2] ) );
		$this->assertInstanceOf( \WP_User::class, $user, 'the set-password link works' );
		$this->assertSame( $answer['json']['user_id'], $user->ID );
	}

	public function test_the_welcome_email_setting_notifies_every_new_user(): void {
		$this->configure( array( 'send_welcome_email' => true ) );
		$this->hook( 'add', 'jane@example.com', array( 'send_notification' => 'no' ) );
		$this->assertCount( 1, Site::json_lines( 'mail.log' ) );
	}

	public function test_a_failed_password_write_creates_nothing(): void {
		self::$sandbox->fault( array( 'method' => 'PUT', 'action' => array( 'status' => 401 ) ) );
		$this->assertAnswer( 502, 'crm_error', $this->hook( 'add', 'jane@example.com' ) );
		self::$sandbox->call( 'DELETE', '/_sandbox/faults' );
		self::$sandbox->fault( array( 'method' => 'PUT', 'action' => array( 'status' => 503 ) ) );
		$answer = $this->hook( 'add', 'jane@example.com' );
		$this->assertAnswer( 503, 'crm_unavailable', $answer );
		$this->assertSame( '30', $answer['headers']['retry-after'] ?? null );
		$this->assertNull( $this->user( 'jane@example.com' ) );
		$this->assertSame( 1, $this->user_count() );
		self::$sandbox->call( 'DELETE', '/_sandbox/faults' );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'jane@example.com' ), 'the retry starts clean' );
	}

	public function test_mapped_login_and_password_from_the_crm(): void {
		self::$sandbox->put_person( array( 'email' => 'mapped@example.com', 'attributes' => array( 'username' => 'mapped_user', 'pw' => 'Crm-Chosen-Pass-1' ) ) );
		$this->configure( array( 'field_map' => array( 'user_login' => 'username', 'user_pass' => 'pw', 'billing_plan' => 'plan' ) ) );
		$answer = $this->hook( 'add', 'mapped@example.com' );
		$this->assertAnswer( 200, 'created', $answer );
		$user = $this->user( 'mapped@example.com' );
		$this->assertSame( 'mapped_user', $user->user_login );
		$this->assertInstanceOf( \WP_User::class, wp_authenticate( 'mapped_user', 'Crm-Chosen-Pass-1' ) );
		$this->assertSame( array(), $this->password_writes(), 'a password from the CRM is not written back' );
	}

	public function test_logins_wordpress_would_alter_get_the_predictable_fallback(): void {
		self::$sandbox->put_person( array( 'email' => 'jane+news@example.com', 'attributes' => array( 'first_name' => 'Jane' ) ) );
		wp_insert_user( array( 'user_login' => 'janenews@example.com', 'user_email' => 'someone@example.org', 'user_pass' => wp_generate_password() ) );
		$answer = $this->hook( 'add', 'jane+news@example.com' );
		$this->assertAnswer( 200, 'created', $answer );
		$expected = 'janenews@example.com-' . substr( hash( 'sha256', 'jane+news@example.com' ), 0, 8 );
		$this->assertSame( $expected, get_userdata( $answer['json']['user_id'] )->user_login );
		$this->assertSame( 'someone@example.org', get_user_by( 'login', 'janenews@example.com' )->user_email, 'never an overwrite' );
	}

	public function test_a_privileged_user_is_never_modified(): void {
		$admin = get_userdata( 1 );
		self::$sandbox->put_person( array( 'email' => $admin->user_email, 'attributes' => array( 'first_name' => 'Mallory' ), 'segments' => array( 1 ) ) );
		$before = get_user_meta( 1 );
		$answer = $this->hook( 'add', $admin->user_email, array( 'role' => 'subscriber' ) );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( array( 'privileged_user_untouched' ), $answer['json']['warnings'] );
		$this->assertSame( 1, $answer['json']['user_id'] );
		$this->assertSame( $before, get_user_meta( 1 ) );
		$this->assertSame( array( 'administrator' ), $this->user( $admin->user_email )->roles );
	}
}
