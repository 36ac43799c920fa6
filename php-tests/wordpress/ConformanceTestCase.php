<?php
/**
 * Ring 3: the behaviour every CRM must show, written once. A CRM's test class supplies only its fixtures:
 * settings, the webhook body it sends, how to seed a contact, what its tags look like, how its writes look.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * The conformance suite, in the spirit of an abstract contract test.
 */
abstract class ConformanceTestCase extends WebhookTestCase {

	/**
	 * Settings that select this CRM on the sandbox.
	 */
	abstract protected function crm_settings(): array;

	/**
	 * The user-meta slug (customer-io, customerly).
	 */
	abstract protected function slug(): string;

	/**
	 * The webhook body this CRM sends about a contact.
	 *
	 * @param string $email The contact's email.
	 */
	abstract protected function body( string $email ): string;

	/**
	 * A webhook body about a contact that also carries its own copy of the contact (name, attributes, tags, any
	 * other key) where this CRM's webhooks carry one, else beside the identifier.
	 *
	 * @param string $email The contact's email.
	 * @param array  $copy  The copy, without its email.
	 */
	abstract protected function body_with_copy( string $email, array $copy ): string;

	/**
	 * Puts a contact in the sandbox CRM.
	 *
	 * @param string   $email      Email.
	 * @param array    $attributes Attribute name => string value.
	 * @param string[] $tags       Tags in the CRM's own form (see tags()).
	 */
	abstract protected function seed( string $email, array $attributes, array $tags ): void;

	/**
	 * Two different sets of tags in this CRM's form, as WordPress stores them.
	 *
	 * @return string[][] `[first, second]`.
	 */
	abstract protected function tags(): array;

	/**
	 * The values the CRM received for the field `wp_password`, in order.
	 *
	 * @return string[]
	 */
	abstract protected function returned_passwords(): array;

	/**
	 * Makes the CRM refuse the configured credentials.
	 */
	abstract protected function revoke_credentials(): void;

	/**
	 * Makes the CRM answer every field write with this status.
	 *
	 * @param int $status HTTP status.
	 */
	abstract protected function fail_writes( int $status ): void;

	public static function setUpBeforeClass(): void {
		parent::setUpBeforeClass();
		add_role( 'customer', 'Customer', array( 'read' => true ) );
		add_role( 'shop_boss', 'Shop boss', array( 'read' => true, 'edit_users' => true ) );
		add_role( 'plugin_boss', 'Plugin boss', array( 'read' => true, 'activate_plugins' => 'yes' ) );
	}

	protected function setUp(): void {
		parent::setUp();
		[ $first ] = $this->tags();
		$this->seed( 'ada@example.com', array( 'first_name' => 'Ada', 'last_name' => 'Lovelace', 'plan' => 'pro' ), $first );
	}

	protected function configure( array $overrides = array() ): void {
		parent::configure( array_merge( $this->crm_settings(), $overrides ) );
	}

	protected function hook( string $action, ?string $email, array $params = array(), array $headers = array() ): array {
		$answer = Site::webhook( array_merge( array( 'wpf_action' => $action, 'access_key' => self::KEY ), $params ), null === $email ? null : $this->body( $email ), $headers );
		wp_cache_flush();
		return $answer;
	}

	/**
	 * A user linked to ada@example.com with the second tag set and the first name "Old".
	 */
	private function existing_ada(): int {
		[ , $second ] = $this->tags();
		$id = wp_insert_user( array( 'user_login' => 'ada', 'user_email' => 'ada@example.com', 'user_pass' => wp_generate_password(), 'first_name' => 'Old' ) );
		update_user_meta( $id, $this->slug() . '_contact_id', 'ada@example.com' );
		update_user_meta( $id, $this->slug() . '_tags', $second );
		return $id;
	}

	public function test_add_creates_the_user_with_its_crm_data(): void {
		$answer = $this->hook( 'add', 'Ada@Example.com' );
		$this->assertAnswer( 200, 'created', $answer );
		$user = $this->user( 'ada@example.com' );
		$this->assertNotNull( $user );
		$this->assertSame( $user->ID, $answer['json']['user_id'] );
		$this->assertSame( array(), $answer['json']['warnings'] );
		$this->assertSame( 'ada@example.com', $user->user_login, 'username = the email as the CRM has it' );
		$this->assertSame( array( 'subscriber' ), $user->roles );
		$this->assertSame( 'Ada', $user->first_name );
		$this->assertSame( 'Lovelace', $user->last_name );
		$this->assertSame( 'ada@example.com', get_user_meta( $user->ID, $this->slug() . '_contact_id', true ) );
		$this->assertSame( $this->tags()[0], get_user_meta( $user->ID, $this->slug() . '_tags', true ) );
		$this->assertSame( array(), Site::json_lines( 'mail.log' ), 'no email unless asked' );
		$actions = array_column( Site::json_lines( 'actions.log' ), 'action' );
		$this->assertSame( array( 'wpf_tags_applied', 'wpf_tags_modified', 'wpf_user_imported' ), $actions );
	}

	public function test_the_generated_password_is_returned_to_the_crm_and_logs_in(): void {
		$this->hook( 'add', 'ada@example.com' );
		$passwords = $this->returned_passwords();
		$this->assertCount( 1, $passwords );
		$this->assertMatchesRegularExpression( '/^[A-Za-z0-9]{24}$/', $passwords[0] );
		$user = wp_authenticate( 'ada@example.com', $passwords[0] );
		$this->assertInstanceOf( \WP_User::class, $user );
		$this->assertNotSame( $passwords[0], $user->user_pass );
	}

	public function test_return_password_is_off_without_a_field_or_when_disabled(): void {
		$this->configure( array( 'return_password_field' => '' ) );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'ada@example.com' ) );
		$this->seed( 'bob@example.com', array( 'first_name' => 'Bob' ), array() );
		$this->configure( array( 'return_password' => false ) );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'bob@example.com' ) );
		$this->assertSame( array(), $this->returned_passwords() );
	}

	public function test_a_second_add_updates_instead_of_duplicating(): void {
		$first = $this->hook( 'add', 'ada@example.com' );
		[ , $second_tags ] = $this->tags();
		$this->seed( 'ada@example.com', array( 'first_name' => 'Augusta' ), $second_tags );
		$second = $this->hook( 'add', 'ADA@EXAMPLE.COM', array( 'send_notification' => 'true', 'role' => 'customer' ) );
		$this->assertAnswer( 200, 'updated', $second );
		$this->assertSame( $first['json']['user_id'], $second['json']['user_id'] );
		$this->assertSame( 2, $this->user_count() );
		$user = $this->user( 'ada@example.com' );
		$this->assertSame( 'Augusta', $user->first_name );
		$this->assertSame( $second_tags, get_user_meta( $user->ID, $this->slug() . '_tags', true ) );
		$this->assertSame( array( 'subscriber' ), $user->roles, 'an existing user\'s role never changes' );
		$this->assertCount( 1, $this->returned_passwords(), 'no second password' );
		$this->assertSame( array(), Site::json_lines( 'mail.log' ), 'no email on update' );
	}

	public function test_an_existing_user_is_found_by_email_in_any_case_and_linked(): void {
		$id     = wp_insert_user( array( 'user_login' => 'adal', 'user_email' => 'Ada@Example.COM', 'user_pass' => 'old-password-1' ) );
		$hash   = get_userdata( $id )->user_pass;
		$answer = $this->hook( 'add', 'ada@example.com' );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( $id, $answer['json']['user_id'] );
		$user = $this->user( 'ada@example.com' );
		$this->assertSame( $hash, $user->user_pass, 'the password of an existing user never changes' );
		$this->assertSame( 'Ada@Example.COM', $user->user_email, 'nor its email' );
		$this->assertSame( 'ada@example.com', get_user_meta( $id, $this->slug() . '_contact_id', true ) );
		$this->assertSame( array(), $this->returned_passwords() );
	}

	public function test_the_contact_id_meta_wins_over_the_email(): void {
		$linked = wp_insert_user( array( 'user_login' => 'linked', 'user_email' => 'other@example.org', 'user_pass' => wp_generate_password() ) );
		update_user_meta( $linked, $this->slug() . '_contact_id', 'ada@example.com' );
		wp_insert_user( array( 'user_login' => 'byemail', 'user_email' => 'ada@example.com', 'user_pass' => wp_generate_password() ) );
		$this->assertSame( $linked, $this->hook( 'update_tags', 'ada@example.com' )['json']['user_id'] );
	}

	/**
	 * @dataProvider roles
	 */
	public function test_the_role_policy( string $asked, array $allowed, string $role, array $warnings ): void {
		$this->configure( array( 'allowed_roles' => $allowed ) );
		$answer = $this->hook( 'add', 'ada@example.com', array( 'role' => $asked ) );
		$this->assertAnswer( 200, 'created', $answer );
		$this->assertSame( $warnings, $answer['json']['warnings'] );
		$this->assertSame( array( $role ), $this->user( 'ada@example.com' )->roles );
	}

	public static function roles(): array {
		$all = array( 'administrator', 'editor', 'shop_boss', 'plugin_boss', 'customer', 'subscriber' );
		return array(
			'allowed by slug'            => array( 'customer', array( 'subscriber', 'customer' ), 'customer', array() ),
			'allowed by display name'    => array( ' Customer ', array( 'subscriber', 'customer' ), 'customer', array() ),
			'not allowed'                => array( 'customer', array( 'subscriber' ), 'subscriber', array( 'role_not_allowed' ) ),
			'unknown'                    => array( 'ghost', $all, 'subscriber', array( 'role_not_allowed' ) ),
			'administrator even allowed' => array( 'administrator', $all, 'subscriber', array( 'role_not_allowed' ) ),
			'Administrator by name'      => array( 'ADMINISTRATOR', $all, 'subscriber', array( 'role_not_allowed' ) ),
			'editor: unfiltered_html'    => array( 'editor', $all, 'subscriber', array( 'role_not_allowed' ) ),
			'edit_users role'            => array( 'shop_boss', $all, 'subscriber', array( 'role_not_allowed' ) ),
			'plugin role, granted as "yes"' => array( 'Plugin boss', $all, 'subscriber', array( 'role_not_allowed' ) ),
		);
	}

	public function test_a_privileged_default_role_falls_back_to_subscriber(): void {
		$this->configure( array( 'default_role' => 'administrator' ) );
		$answer = $this->hook( 'add', 'ada@example.com' );
		$this->assertSame( array( 'default_role_not_allowed' ), $answer['json']['warnings'] );
		$this->assertSame( array( 'subscriber' ), $this->user( 'ada@example.com' )->roles );
		$this->seed( 'bob@example.com', array( 'first_name' => 'Bob' ), array() );
		$this->configure( array( 'default_role' => 'customer' ) );
		$this->hook( 'add', 'bob@example.com' );
		$this->assertSame( array( 'customer' ), $this->user( 'bob@example.com' )->roles, 'default_role need not be allowed' );
	}

	public function test_send_notification_sends_wordpress_new_user_email(): void {
		$answer = $this->hook( 'add', 'ada@example.com', array( 'send_notification' => 'true' ) );
		$this->assertAnswer( 200, 'created', $answer );
		$mails = Site::json_lines( 'mail.log' );
		$this->assertCount( 1, $mails );
		$this->assertSame( array( 'ada@example.com' ), $mails[0]['to'] );
		$this->assertSame( 1, preg_match( '/action=rp&key=([A-Za-z0-9]+)&login=([^\s&>]+)/', $mails[0]['message'], $m ) );
		$user = check_password_reset_key( $m[1], rawurldecode( $m[2] ) );
		$this->assertInstanceOf( \WP_User::class, $user, 'the set-password link works' );
		$this->assertSame( $answer['json']['user_id'], $user->ID );
	}

	public function test_the_welcome_email_setting_notifies_every_new_user(): void {
		$this->configure( array( 'send_welcome_email' => true ) );
		$this->hook( 'add', 'ada@example.com', array( 'send_notification' => 'no' ) );
		$this->assertCount( 1, Site::json_lines( 'mail.log' ) );
	}

	public function test_a_failed_password_write_creates_nothing(): void {
		$this->fail_writes( 401 );
		$this->assertAnswer( 502, 'crm_error', $this->hook( 'add', 'ada@example.com' ) );
		self::$sandbox->call( 'DELETE', '/_sandbox/faults' );
		$this->fail_writes( 503 );
		$answer = $this->hook( 'add', 'ada@example.com' );
		$this->assertAnswer( 503, 'crm_unavailable', $answer );
		$this->assertSame( '30', $answer['headers']['retry-after'] ?? null );
		$this->assertNull( $this->user( 'ada@example.com' ) );
		$this->assertSame( 1, $this->user_count() );
		self::$sandbox->call( 'DELETE', '/_sandbox/faults' );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'ada@example.com' ), 'the retry starts clean' );
	}

	public function test_mapped_login_and_password_from_the_crm(): void {
		$this->seed( 'mapped@example.com', array( 'username' => 'mapped_user', 'pw' => 'Crm-Chosen-Pass-1', 'plan' => 'gold' ), array() );
		$this->configure( array( 'field_map' => array( 'user_login' => 'username', 'user_pass' => 'pw', 'billing_plan' => 'plan' ) ) );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'mapped@example.com' ) );
		$user = $this->user( 'mapped@example.com' );
		$this->assertSame( 'mapped_user', $user->user_login );
		$this->assertSame( 'gold', get_user_meta( $user->ID, 'billing_plan', true ) );
		$this->assertInstanceOf( \WP_User::class, wp_authenticate( 'mapped_user', 'Crm-Chosen-Pass-1' ) );
		$this->assertSame( array(), $this->returned_passwords(), 'a password from the CRM is not written back' );
	}

	public function test_the_username_format_makes_the_login_from_the_crms_names(): void {
		$fallback = fn( string $email ) => $email . '-' . substr( hash( 'sha256', $email ), 0, 8 );
		$login    = fn( string $email ) => $this->user( $email )->user_login;
		$this->configure( array( 'username_format' => 'flname' ) );
		foreach ( array( 'grace@example.com', 'grace.b@example.com' ) as $email ) {
			$this->seed( $email, array( 'first_name' => 'Grace', 'last_name' => 'Hopper' ), array() );
			$this->assertAnswer( 200, 'created', $this->hook( 'add', $email ) );
		}
		$this->assertSame( array( 'GraceHopper', $fallback( 'grace.b@example.com' ) ), array( $login( 'grace@example.com' ), $login( 'grace.b@example.com' ) ), 'a taken one falls back' );
		$this->seed( 'nolast@example.com', array( 'first_name' => 'Solo' ), array() );
		$copy = $this->body_with_copy( 'nolast@example.com', array( 'last_name' => 'Chosen', 'attributes' => array( 'last_name' => 'Chosen' ) ) );
		$this->assertAnswer( 200, 'created', Site::webhook( array( 'wpf_action' => 'add', 'access_key' => self::KEY ), $copy ) );
		wp_cache_flush();
		$this->assertSame( $fallback( 'nolast@example.com' ), $login( 'nolast@example.com' ), 'a missing name falls back; the body cannot supply it' );
		$this->seed( 'other@example.org', array( 'first_name' => 'ceo@example', 'last_name' => '.com' ), array() );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'other@example.org' ) );
		$this->assertSame( $fallback( 'other@example.org' ), $login( 'other@example.org' ), 'names that spell an email make no login' );

		$this->configure( array( 'username_format' => 'fnamenum' ) );
		$this->seed( 'ada.n@example.com', array( 'first_name' => 'Ada', 'last_name' => 'Lovelace' ), array() );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'ada.n@example.com' ) );
		$this->assertMatchesRegularExpression( '/^Ada([1-9][0-9]{0,4})$/', $login( 'ada.n@example.com' ) );
	}

	public function test_logins_wordpress_would_alter_get_the_predictable_fallback(): void {
		$this->seed( 'ada+news@example.com', array( 'first_name' => 'Ada' ), array() );
		wp_insert_user( array( 'user_login' => 'adanews@example.com', 'user_email' => 'someone@example.org', 'user_pass' => wp_generate_password() ) );
		$answer = $this->hook( 'add', 'ada+news@example.com' );
		$this->assertAnswer( 200, 'created', $answer );
		$expected = 'adanews@example.com-' . substr( hash( 'sha256', 'ada+news@example.com' ), 0, 8 );
		$this->assertSame( $expected, get_userdata( $answer['json']['user_id'] )->user_login );
		$this->assertSame( 'someone@example.org', get_user_by( 'login', 'adanews@example.com' )->user_email, 'never an overwrite' );
	}

	public function test_a_login_a_plugin_forbids_gets_the_fallback(): void {
		$this->seed( 'Root@Example.com', array( 'first_name' => 'Ro' ), array() );
		$answer = $this->hook( 'add', 'Root@Example.com', array(), array( 'X-Test-Illegal-Logins: admin,root@example.com' ) );
		$this->assertAnswer( 200, 'created', $answer, 'not a refusal of WordPress turned into an error' );
		$expected = 'root@example.com-' . substr( hash( 'sha256', 'root@example.com' ), 0, 8 );
		$this->assertSame( $expected, get_userdata( $answer['json']['user_id'] )->user_login, 'illegal_user_logins compares in any case' );
	}

	public function test_an_email_too_long_for_a_login_gets_the_fallback(): void {
		$email = str_repeat( 'a', 64 ) . '@example.com';
		$this->seed( $email, array( 'first_name' => 'Long' ), array() );
		$answer = $this->hook( 'add', $email );
		$this->assertAnswer( 200, 'created', $answer );
		$login = get_userdata( $answer['json']['user_id'] )->user_login;
		$this->assertSame( str_repeat( 'a', 50 ) . '-' . substr( hash( 'sha256', $email ), 0, 8 ), $login );
		$this->assertSame( $email, get_userdata( $answer['json']['user_id'] )->user_email );
		$this->assertAnswer( 200, 'updated', $this->hook( 'add', strtoupper( $email ) ), 'found again by email, any case' );
	}

	public function test_a_taken_fallback_of_a_long_email_gets_a_suffixed_login_of_at_most_60_characters(): void {
		$email    = str_repeat( 'b', 64 ) . '@example.com';
		$hash     = substr( hash( 'sha256', $email ), 0, 8 );
		$squatter = wp_insert_user( array( 'user_login' => str_repeat( 'b', 50 ) . '-' . $hash, 'user_email' => 'squatter@example.org', 'user_pass' => wp_generate_password() ) );
		$this->assertIsInt( $squatter );
		$this->seed( $email, array( 'first_name' => 'Long' ), array() );
		$answer = $this->hook( 'add', $email );
		$this->assertAnswer( 200, 'created', $answer );
		$this->assertSame( str_repeat( 'b', 49 ) . '-' . $hash . '-2', get_userdata( $answer['json']['user_id'] )->user_login );
		$this->assertSame( 'squatter@example.org', get_userdata( $squatter )->user_email, 'never an overwrite' );
	}

	public function test_when_every_fallback_login_is_taken_the_answer_is_an_internal_error_and_nothing_is_created(): void {
		$email = str_repeat( 'c', 64 ) . '@example.com';
		$hash  = substr( hash( 'sha256', $email ), 0, 8 );
		$taken = array( str_repeat( 'c', 50 ) . '-' . $hash );
		for ( $n = 2; $n <= 10; $n++ ) {
			$taken[] = str_repeat( 'c', 10 === $n ? 48 : 49 ) . '-' . $hash . '-' . $n;
		}
		foreach ( $taken as $i => $login ) {
			$this->assertIsInt( wp_insert_user( array( 'user_login' => $login, 'user_email' => "squatter{$i}@example.org", 'user_pass' => wp_generate_password() ) ) );
		}
		$this->seed( $email, array( 'first_name' => 'Long' ), array() );
		$users  = $this->user_count();
		$answer = $this->hook( 'add', $email );
		$this->assertAnswer( 500, 'internal_error', $answer );
		$this->assertStringContainsString( 'login', $answer['json']['message'] );
		$this->assertSame( $users, $this->user_count() );
		$this->assertSame( array(), $this->returned_passwords(), 'no password is written for a user that was not created' );
	}

	public function test_a_privileged_user_is_never_modified(): void {
		$admin = get_userdata( 1 );
		$this->seed( $admin->user_email, array( 'first_name' => 'Mallory' ), $this->tags()[0] );
		$before = get_user_meta( 1 );
		$answer = $this->hook( 'add', $admin->user_email, array( 'role' => 'subscriber' ) );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( array( 'privileged_user_untouched' ), $answer['json']['warnings'] );
		$this->assertSame( 1, $answer['json']['user_id'] );
		$this->assertSame( $before, get_user_meta( 1 ) );
		$this->assertSame( array( 'administrator' ), $this->user( $admin->user_email )->roles );
	}

	public function test_a_user_who_can_install_plugins_or_create_users_is_never_modified(): void {
		foreach ( array( 'install_plugins', 'create_users', 'edit_files', 'manage_network_users' ) as $i => $cap ) {
			$email = "powerful{$i}@example.com";
			$this->seed( $email, array( 'first_name' => 'Mallory' ), $this->tags()[0] );
			$id = wp_insert_user( array( 'user_login' => "powerful{$i}", 'user_email' => $email, 'user_pass' => wp_generate_password(), 'role' => 'subscriber', 'first_name' => 'Kept' ) );
			( new \WP_User( $id ) )->add_cap( $cap, 'granted' );
			$before = get_user_meta( $id );
			$answer = $this->hook( 'update', $email );
			$this->assertAnswer( 200, 'updated', $answer );
			$this->assertSame( array( 'privileged_user_untouched' ), $answer['json']['warnings'], $cap );
			$this->assertSame( $before, get_user_meta( $id ), $cap );
		}
	}

	public function test_a_user_a_plugin_makes_privileged_when_checked_is_never_modified(): void {
		$this->seed( 'filtered@example.com', array( 'first_name' => 'Mallory' ), $this->tags()[0] );
		$id     = wp_insert_user( array( 'user_login' => 'filtered', 'user_email' => 'filtered@example.com', 'user_pass' => wp_generate_password(), 'role' => 'subscriber', 'first_name' => 'Kept' ) );
		$before = get_user_meta( $id );
		$answer = $this->hook( 'update', 'filtered@example.com', array(), array( 'X-Test-Filter-Cap: activate_plugins' ) );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( array( 'privileged_user_untouched' ), $answer['json']['warnings'] );
		$this->assertSame( $before, get_user_meta( $id ) );
	}

	public function test_update_tags_stores_the_tags_and_fires_the_tag_actions(): void {
		$id           = $this->existing_ada();
		[ $now, $was ] = $this->tags();
		$answer       = $this->hook( 'update_tags', 'ada@example.com' );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( $id, $answer['json']['user_id'] );
		$this->assertSame( $now, get_user_meta( $id, $this->slug() . '_tags', true ) );
		$this->assertSame( 'Old', get_userdata( $id )->first_name, 'update_tags leaves fields alone' );
		$actions = Site::json_lines( 'actions.log' );
		$this->assertSame( array( 'wpf_tags_applied', 'wpf_tags_removed', 'wpf_tags_modified' ), array_column( $actions, 'action' ) );
		$this->assertSame( array_values( array_diff( $now, $was ) ), $actions[0]['data'] );
		$this->assertSame( array_values( array_diff( $was, $now ) ), $actions[1]['data'] );
		$this->assertSame( $now, $actions[2]['data'] );
		foreach ( $actions as $a ) {
			$this->assertSame( $id, $a['user_id'] );
			$this->assertTrue( $a['WPF_DOING_WEBHOOK'] && $a['DOING_WPF_WEBHOOK'] );
		}
	}

	public function test_unchanged_tags_fire_only_tags_modified(): void {
		$id = $this->existing_ada();
		update_user_meta( $id, $this->slug() . '_tags', $this->tags()[0] );
		$this->hook( 'update_tags', 'ada@example.com' );
		$this->assertSame( array( 'wpf_tags_modified' ), array_column( Site::json_lines( 'actions.log' ), 'action' ) );
	}

	public function test_an_empty_tag_list_deletes_the_meta(): void {
		$id = $this->existing_ada();
		$this->seed( 'ada@example.com', array( 'first_name' => 'Ada' ), array() );
		$this->assertAnswer( 200, 'updated', $this->hook( 'update_tags', 'ada@example.com' ) );
		$this->assertSame( array(), get_user_meta( $id, $this->slug() . '_tags' ) );
	}

	public function test_update_writes_mapped_fields_and_never_the_protected_ones(): void {
		$id = $this->existing_ada();
		$this->configure( array( 'field_map' => array( 'first_name' => 'first_name', 'last_name' => 'last_name', 'plan_level' => 'plan', 'role' => 'plan', 'wp_capabilities' => 'plan', 'locale' => 'plan', 'wp_capabilitiés' => 'plan', '_application_passwords' => 'plan' ) ) );
		$answer = $this->hook( 'update', 'ada@example.com', array( 'role' => 'administrator' ) );
		$this->assertAnswer( 200, 'updated', $answer );
		$user = get_userdata( $id );
		$this->assertSame( 'Ada', $user->first_name );
		$this->assertSame( 'Lovelace', $user->last_name );
		$this->assertSame( 'pro', get_user_meta( $id, 'plan_level', true ) );
		$this->assertSame( array( 'subscriber' ), $user->roles, 'role is never written' );
		$this->assertArrayNotHasKey( 'pro', $user->caps );
		$this->assertSame( '', get_user_meta( $id, 'locale', true ), 'locale names files WordPress loads' );
		$this->assertSame( '', get_user_meta( $id, '_application_passwords', true ) );
		$actions = array_column( Site::json_lines( 'actions.log' ), null, 'action' );
		$this->assertSame( array( 'user_email' => 'ada@example.com', 'first_name' => 'Ada', 'last_name' => 'Lovelace', 'plan_level' => 'pro' ), $actions['wpf_user_updated']['data'] );
	}

	public function test_a_field_named_by_digits_alone_is_written_by_update_and_told_to_the_actions(): void {
		$id = $this->existing_ada();
		$this->configure( array( 'field_map' => array( '2024' => 'plan' ) ) );
		$this->assertAnswer( 200, 'updated', $this->hook( 'update', 'ada@example.com' ) );
		$this->assertSame( 'pro', get_user_meta( $id, '2024', true ), 'PHP makes the key an integer: it must stay 2024' );
		$actions = array_column( Site::json_lines( 'actions.log' ), null, 'action' );
		$this->assertSame( 'pro', $actions['wpf_user_updated']['data']['2024'] ?? null, json_encode( $actions['wpf_user_updated']['data'] ) );
	}

	public function test_the_crm_not_the_body_decides_the_tags_and_fields_written(): void {
		[ $crm_tags ] = $this->tags();
		$this->configure( array( 'field_map' => array( 'first_name' => 'first_name', 'last_name' => 'last_name', 'plan' => 'plan', 'user_pass' => 'wp_pw', 'user_login' => 'username' ) ) );
		$forged = $this->body_with_copy(
			'ada@example.com',
			array(
				'name'       => 'Mallory Forged',
				'first_name' => 'Mallory',
				'wp_pw'      => 'Chosen-By-Sender-1',
				'username'   => 'mallory',
				'attributes' => array( 'first_name' => 'Mallory', 'plan' => 'free-forever', 'wp_pw' => 'Chosen-By-Sender-2' ),
				'tags'       => array( 'forged-tag', '999' ),
			)
		);
		$answer = Site::webhook( array( 'wpf_action' => 'add', 'access_key' => self::KEY ), $forged );
		$this->assertAnswer( 200, 'created', $answer );
		wp_cache_flush();
		$id = $answer['json']['user_id'];
		$this->assertSame( $crm_tags, get_user_meta( $id, $this->slug() . '_tags', true ) );
		$this->assertSame( 'Ada', get_userdata( $id )->first_name );
		$this->assertSame( 'pro', get_user_meta( $id, 'plan', true ) );
		$this->assertSame( 'ada@example.com', get_userdata( $id )->user_login, 'the login is not the body\'s' );
		foreach ( array( 'Chosen-By-Sender-1', 'Chosen-By-Sender-2' ) as $chosen ) {
			$this->assertFalse( wp_check_password( $chosen, get_userdata( $id )->user_pass, $id ), 'the password is not the body\'s' );
		}
		$this->assertCount( 1, $this->returned_passwords(), 'a generated password, returned to the CRM' );
		$applied = array_values( array_filter( Site::json_lines( 'actions.log' ), fn( $a ) => 'wpf_tags_applied' === $a['action'] ) );
		$this->assertSame( $crm_tags, $applied[0]['data'] ?? null, 'memberships follow the CRM, not the body' );

		$name_only = $this->body_with_copy(
			'ada@example.com',
			array(
				'name'       => 'Ada Lovelace',
				'attributes' => array(),
				'tags'       => array(),
			)
		);
		$this->assertAnswer( 200, 'updated', Site::webhook( array( 'wpf_action' => 'update', 'access_key' => self::KEY ), $name_only ) );
		wp_cache_flush();
		$this->assertSame( 'Ada', get_userdata( $id )->first_name, 'a copy without the field does not make it go missing' );
		$this->assertSame( 'Lovelace', get_userdata( $id )->last_name );
		$this->assertSame( $crm_tags, get_user_meta( $id, $this->slug() . '_tags', true ) );
	}

	public function test_a_value_wordpress_would_refuse_is_left_alone_and_never_half_writes(): void {
		$long_url = 'https://example.com/' . str_repeat( 'p', 130 );
		$this->seed( 'web@example.com', array( 'first_name' => 'Web', 'website' => $long_url, 'plan' => 'gold' ), $this->tags()[0] );
		$this->configure( array( 'field_map' => array( 'first_name' => 'first_name', 'user_url' => 'website', 'plan' => 'plan' ) ) );
		$answer = $this->hook( 'add', 'web@example.com' );
		$this->assertAnswer( 200, 'created', $answer );
		$user = get_userdata( $answer['json']['user_id'] );
		$this->assertSame( '', $user->user_url, 'WordPress keeps at most 100 characters of a URL' );
		$this->assertSame( 'Web', $user->first_name );
		$this->assertCount( 1, $this->returned_passwords(), 'one password write, for the user that was created' );

		$this->seed( 'web@example.com', array( 'first_name' => 'Webber', 'website' => $long_url, 'plan' => 'platinum' ), $this->tags()[1] );
		$this->assertAnswer( 200, 'updated', $this->hook( 'update', 'web@example.com' ) );
		wp_cache_flush();
		$this->assertSame( 'Webber', get_userdata( $user->ID )->first_name );
		$this->assertSame( 'platinum', get_user_meta( $user->ID, 'plan', true ) );
	}

	public function test_an_update_wordpress_refuses_writes_nothing_and_is_an_internal_error(): void {
		$id = $this->existing_ada();
		$this->configure( array( 'field_map' => array( 'first_name' => 'first_name', 'plan_level' => 'plan' ) ) );
		$answer = $this->hook( 'update', 'ada@example.com', array(), array( 'X-Test-Refuse-User-Update: 1' ) );
		$this->assertAnswer( 500, 'internal_error', $answer );
		$this->assertSame( 'Old', get_userdata( $id )->first_name );
		$this->assertSame( '', get_user_meta( $id, 'plan_level', true ), 'nothing half-written' );
		$this->assertSame( $this->tags()[1], get_user_meta( $id, $this->slug() . '_tags', true ) );
	}

	public function test_an_email_longer_than_wordpress_keeps_is_refused_before_anything_is_written(): void {
		$email = str_repeat( 'e', 95 ) . '@example.com';
		$this->seed( $email, array( 'first_name' => 'Long' ), array() );
		$users  = $this->user_count();
		$answer = $this->hook( 'add', $email );
		$this->assertAnswer( 400, 'bad_request', $answer );
		$this->assertSame( $users, $this->user_count() );
		$this->assertSame( array(), $this->returned_passwords() );
	}

	public function test_update_of_an_unknown_user_is_404_and_creates_nothing(): void {
		foreach ( array( 'update', 'update_tags', 'update_user' ) as $action ) {
			$this->assertAnswer( 404, 'user_not_found', $this->hook( $action, 'ada@example.com' ) );
		}
		$this->assertSame( 1, $this->user_count() );
	}

	public function test_an_unknown_contact_is_404(): void {
		$this->assertAnswer( 404, 'contact_not_found', $this->hook( 'add', 'nobody@example.com' ) );
		$this->assertSame( 1, $this->user_count() );
	}

	public function test_revoked_credentials_are_a_crm_error(): void {
		$this->revoke_credentials();
		$answer = $this->hook( 'add', 'ada@example.com' );
		$this->assertAnswer( 502, 'crm_error', $answer );
		$this->assertSame( 1, $this->user_count() );
	}

	public function test_an_outage_is_503_with_the_crm_retry_after(): void {
		self::$sandbox->fault( array( 'action' => array( 'status' => 429, 'headers' => array( 'Retry-After' => '90' ) ) ) );
		$answer = $this->hook( 'add', 'ada@example.com' );
		$this->assertAnswer( 503, 'crm_unavailable', $answer );
		$this->assertSame( '90', $answer['headers']['retry-after'] ?? null );
		$this->assertSame( 1, $this->user_count() );
	}

	public function test_fifty_concurrent_adds_make_one_user_and_one_password_write(): void {
		self::$sandbox->latency( 20 );
		$request = array( array( 'wpf_action' => 'add', 'access_key' => self::KEY ), $this->body( 'ada@example.com' ) );
		$answers = Site::concurrently( array_fill( 0, 50, $request ) );
		wp_cache_flush();
		$codes = array_count_values( array_map( fn( $a ) => $a['json']['code'] ?? $a['raw'], $answers ) );
		ksort( $codes );
		$this->assertSame( array( 'created' => 1, 'updated' => 49 ), $codes );
		$this->assertCount( 1, array_unique( array_column( array_column( $answers, 'json' ), 'user_id' ) ) );
		$this->assertSame( 2, $this->user_count() );
		$this->assertCount( 1, $this->returned_passwords() );
		$pids = array_unique( array_map( fn( $a ) => $a['headers']['x-test-worker-pid'] ?? '', $answers ) );
		$this->assertGreaterThan( 1, count( $pids ), 'served by several workers at once' );
	}

	public function test_an_add_and_an_update_at_once_both_take_effect(): void {
		$id = $this->existing_ada();
		$this->configure( array( 'field_map' => array( 'first_name' => 'first_name', 'plan_level' => 'plan' ) ) );
		$query   = fn( string $action ) => array( 'wpf_action' => $action, 'access_key' => self::KEY );
		$answers = Site::concurrently( array( array( $query( 'add' ), $this->body( 'ada@example.com' ) ), array( $query( 'update' ), $this->body( 'ada@example.com' ) ) ) );
		wp_cache_flush();
		$this->assertSame( array( 'updated', 'updated' ), array_map( fn( $a ) => $a['json']['code'] ?? $a['raw'], $answers ) );
		$this->assertSame( 'Ada', get_userdata( $id )->first_name );
		$this->assertSame( 'pro', get_user_meta( $id, 'plan_level', true ) );
		$this->assertSame( $this->tags()[0], get_user_meta( $id, $this->slug() . '_tags', true ) );
		$this->assertSame( 2, $this->user_count() );
	}

	public function test_one_delivery_sent_twice_at_once_is_processed_once(): void {
		$handles = array();
		$multi   = curl_multi_init();
		for ( $i = 0; $i < 2; $i++ ) {
			$handles[ $i ] = curl_init( getenv( 'WPF_SITE_URL' ) . '/?wpf_action=add&access_key=' . self::KEY );
			curl_setopt_array(
				$handles[ $i ],
				array(
					CURLOPT_POSTFIELDS     => $this->body( 'ada@example.com' ),
					CURLOPT_RETURNTRANSFER => true,
					CURLOPT_HTTPHEADER     => array( 'Content-Type: application/json', 'X-CIO-Delivery-Id: same-delivery-1' ),
				)
			);
			curl_multi_add_handle( $multi, $handles[ $i ] );
		}
		do {
			curl_multi_exec( $multi, $running );
			curl_multi_select( $multi, 1.0 );
		} while ( $running );
		$codes = array_map( fn( $h ) => json_decode( (string) curl_multi_getcontent( $h ), true )['code'] ?? '', $handles );
		curl_multi_close( $multi );
		sort( $codes );
		$this->assertSame( array( 'created', 'duplicate' ), $codes );
		$this->assertCount( 1, $this->returned_passwords() );
	}
}
