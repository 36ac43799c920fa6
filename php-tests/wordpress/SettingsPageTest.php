<?php
/**
 * Ring 3: the settings page's handlers, in process: capability and nonce checks, validation, masking,
 * the key, Test connection, the WP Fusion import, Site Health.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Admin\LogPage;
use WpfWebhooks\Admin\SettingsPage;
use WpfWebhooks\Admin\SiteHealth;
use WpfWebhooks\Admin\WpfImport;
use WpfWebhooks\Log;
use WpfWebhooks\Queue;
use WpfWebhooks\Settings;

/**
 * What an administrator does on Settings → Webhooks.
 */
final class SettingsPageTest extends WebhookTestCase {

	/**
	 * A Standard Webhooks secret (the specification's example).
	 */
	const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

	protected function setUp(): void {
		parent::setUp();
		add_filter( 'wp_die_handler', array( self::class, 'die_handler' ) );
		add_filter( 'wp_redirect', array( self::class, 'stop_redirect' ) );
		delete_option( 'wpf_options' );
		wp_set_current_user( 1 );
	}

	protected function tearDown(): void {
		remove_filter( 'wp_die_handler', array( self::class, 'die_handler' ) );
		remove_filter( 'wp_redirect', array( self::class, 'stop_redirect' ) );
		$_POST    = array();
		$_REQUEST = array();
		wp_set_current_user( 0 );
		parent::tearDown();
	}

	public static function die_handler(): callable {
		return static function ( $message, $title = '', $args = array() ) {
			throw new \RuntimeException( 'wp_die: ' . ( is_string( $message ) ? $message : 'object' ), (int) ( $args['response'] ?? 0 ) );
		};
	}

	/**
	 * The handlers redirect and exit: stop them at the redirect.
	 *
	 * @param string $location Where they go.
	 */
	public static function stop_redirect( string $location ): string {
		throw new \LogicException( $location );
	}

	/**
	 * Runs a handler with the nonce of $action (or none), returning where it redirected.
	 *
	 * @param callable    $handler The handler.
	 * @param string|null $action  The nonce action, null for no nonce.
	 */
	private function post_handler( callable $handler, ?string $action ): string {
		$_REQUEST = null === $action ? array() : array( '_wpnonce' => wp_create_nonce( $action ) );
		try {
			$handler();
		} catch ( \LogicException $redirect ) {
			return $redirect->getMessage();
		}
		$this->fail( 'the handler neither redirected nor died' );
	}

	/**
	 * The form posted through options.php's sanitize step.
	 *
	 * @param array $input The form fields.
	 */
	private function submit( array $input ): array {
		$_POST['option_page'] = SettingsPage::GROUP;
		global $wp_settings_errors;
		$wp_settings_errors = array(); // phpcs:ignore WordPress.WP.GlobalVariablesOverride
		return SettingsPage::sanitize( $input );
	}

	/**
	 * The codes of the settings errors the last submit raised.
	 */
	private function errors(): array {
		return array_column( get_settings_errors( Settings::OPTION ), 'code' );
	}

	public function test_valid_input_is_saved(): void {
		$saved = $this->submit(
			array(
				'crm'                   => 'customerly',
				'customerly_token'      => ' new-token ',
				'customerio_region'     => 'eu',
				'customerly_api_url'    => 'https://proxy.example.com/v1',
				'field_map'             => array( array( 'wp' => 'first_name', 'crm' => 'fname' ), array( 'wp' => 'company', 'crm' => 'org' ), array( 'wp' => '', 'crm' => '' ) ),
				'return_password'       => '1',
				'return_password_field' => 'wp_password',
				'default_role'          => 'subscriber',
				'allowed_roles'         => array( 'subscriber', 'author' ),
				'send_welcome_email'    => '1',
				'log_retention_days'    => '7',
				'log_max_rows'          => '0',
			)
		);
		$this->assertSame( array(), $this->errors() );
		$this->assertSame( array( 7, 0 ), array( $saved['log_retention_days'], $saved['log_max_rows'] ) );
		$this->assertSame( 'customerly', $saved['crm'] );
		$this->assertSame( 'new-token', $saved['customerly_token'] );
		$this->assertSame( 'eu', $saved['customerio_region'] );
		$this->assertSame( array( 'first_name' => 'fname', 'company' => 'org' ), $saved['field_map'] );
		$this->assertSame( array( 'subscriber', 'author' ), $saved['allowed_roles'] );
		$this->assertTrue( $saved['send_welcome_email'] );
		$this->assertSame( self::KEY, $saved['access_key'], 'the form never sets the key' );
	}

	public function test_empty_credentials_keep_the_saved_ones(): void {
		$saved = $this->submit( array( 'crm' => 'customerio', 'customerio_app_key' => '', 'customerio_track_key' => '   ' ) );
		$this->assertSame( Sandbox::APP_KEY, $saved['customerio_app_key'] );
		$this->assertSame( Sandbox::TRACK_KEY, $saved['customerio_track_key'] );
	}

	public function test_invalid_values_are_refused_and_the_rest_is_kept(): void {
		$old   = Settings::get();
		$saved = $this->submit(
			array(
				'crm'                   => 'hubspot',
				'customerio_app_url'    => 'not a url',
				'customerio_track_url'  => 'ftp://example.com',
				'return_password'       => '1',
				'return_password_field' => 'bad field!',
				'default_role'          => 'administrator',
				'allowed_roles'         => array( 'subscriber', 'administrator', 'editor' ),
				'field_map'             => array( array( 'wp' => 'wp_capabilities', 'crm' => 'x' ), array( 'wp' => 'role', 'crm' => 'y' ), array( 'wp' => 'locale', 'crm' => 'z' ), array( 'wp' => 'Wp_Capabilitiés', 'crm' => 'w' ), array( 'wp' => 'last_name', 'crm' => 'lname' ) ),
				'customerio_app_key'    => 'fresh-app-key',
				'log_retention_days'    => '-3',
			)
		);
		$this->assertEqualsCanonicalizing(
			array( 'wpf_crm', 'wpf_customerio_app_url', 'wpf_customerio_track_url', 'wpf_return_password_field', 'wpf_default_role', 'wpf_allowed_roles', 'wpf_field_map', 'wpf_field_map', 'wpf_field_map', 'wpf_field_map', 'wpf_log_retention_days' ),
			$this->errors()
		);
		$this->assertSame( $old['crm'], $saved['crm'] );
		$this->assertSame( $old['customerio_app_url'], $saved['customerio_app_url'] );
		$this->assertSame( array( 'subscriber' ), $saved['allowed_roles'], 'privileged roles are dropped' );
		$this->assertSame( array( 'last_name' => 'lname' ), $saved['field_map'] );
		$this->assertSame( 'fresh-app-key', $saved['customerio_app_key'], 'the valid fields are saved' );
	}

	public function test_signing_secrets_are_saved_masked_and_kept_like_every_credential(): void {
		$saved = $this->submit(
			array(
				'crm'                      => 'customerio',
				'customerio_signing_key'   => ' cio-signing-key-0123456789 ',
				'standard_webhooks_secret' => self::WHSEC,
				'require_signature'        => '1',
			)
		);
		$this->assertSame( array(), $this->errors() );
		$this->assertSame( array( 'cio-signing-key-0123456789', self::WHSEC, true ), array( $saved['customerio_signing_key'], $saved['standard_webhooks_secret'], $saved['require_signature'] ) );
		update_option( Settings::OPTION, $saved );

		$page = $this->xpath( $this->page() );
		$html = $page->document->saveHTML();
		$this->assertStringNotContainsString( 'cio-signing-key-0123456789', $html, 'a saved signing key is never printed back' );
		$this->assertStringNotContainsString( 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', $html );
		$key = $this->input( $page, 'customerio_signing_key' );
		$this->assertSame( array( 'password', '', '••••6789' ), array( $key->getAttribute( 'type' ), $key->getAttribute( 'value' ), $key->getAttribute( 'placeholder' ) ) );
		$this->assertSame( 'customerio', $page->query( 'ancestor::*[@data-crm][1]', $key )->item( 0 )->getAttribute( 'data-crm' ), 'in the Customer.io section' );
		$row = $page->query( 'ancestor::tr[1]', $key )->item( 0 )->textContent;
		$this->assertStringContainsString( 'Customer.io webhook signing key', $row );
		$this->assertStringContainsString( 'Settings › Workspace Settings › API & webhook credentials › Webhook Signing Key', $row, 'where to find it' );
		$secret = $this->input( $page, 'standard_webhooks_secret' );
		$this->assertSame( array( 'password', '', '••••LaSw' ), array( $secret->getAttribute( 'type' ), $secret->getAttribute( 'value' ), $secret->getAttribute( 'placeholder' ) ) );
		$this->assertSame( 0, $page->query( 'ancestor::*[@data-crm]', $secret )->length, 'a site setting, shown whatever the CRM' );
		$require = $this->input( $page, 'require_signature' );
		$this->assertSame( array( 'checkbox', 'checked', false ), array( $require->getAttribute( 'type' ), $require->getAttribute( 'checked' ), $require->hasAttribute( 'disabled' ) ) );
		$this->assertStringContainsString( 'Require signed webhooks', $page->query( 'ancestor::tr[1]', $require )->item( 0 )->textContent );

		$kept = $this->submit( array( 'crm' => 'customerio', 'customerio_signing_key' => '', 'standard_webhooks_secret' => '  ', 'require_signature' => '1' ) );
		$this->assertSame( array(), $this->errors() );
		$this->assertSame( array( 'cio-signing-key-0123456789', self::WHSEC, true ), array( $kept['customerio_signing_key'], $kept['standard_webhooks_secret'], $kept['require_signature'] ), 'empty inputs keep the saved secrets' );
		$off = $this->submit( array( 'crm' => 'customerio' ) );
		$this->assertFalse( $off['require_signature'], 'an unticked box turns it off' );
	}

	public function test_an_invalid_signing_secret_and_requiring_signatures_without_a_secret_are_refused(): void {
		$old   = Settings::get();
		$saved = $this->submit(
			array(
				'crm'                      => 'customerio',
				'standard_webhooks_secret' => 'whsec_not base64!',
				'require_signature'        => '1',
				'customerio_app_key'       => 'fresh-app-key',
			)
		);
		$this->assertEqualsCanonicalizing( array( 'wpf_standard_webhooks_secret', 'wpf_require_signature' ), $this->errors() );
		$messages = implode( "\n", array_column( get_settings_errors( Settings::OPTION ), 'message' ) );
		$this->assertStringContainsString( 'whsec_ followed by base64', $messages, 'the extension says why' );
		$this->assertStringContainsString( 'only while a signing secret is set', $messages );
		$this->assertSame( $old['standard_webhooks_secret'], $saved['standard_webhooks_secret'], 'the previous secret is kept' );
		$this->assertFalse( $saved['require_signature'], 'stored off' );
		$this->assertSame( 'fresh-app-key', $saved['customerio_app_key'], 'the rest is saved' );

		$page    = $this->xpath( $this->page() );
		$require = $this->input( $page, 'require_signature' );
		$this->assertTrue( $require->hasAttribute( 'disabled' ), 'no signing secret: the box cannot be ticked' );
		$this->assertStringContainsString( 'once a signing secret is saved', $page->query( 'ancestor::tr[1]', $require )->item( 0 )->textContent );

		$this->configure( array( 'standard_webhooks_secret' => self::WHSEC ) );
		$saved = $this->submit( array( 'crm' => 'customerio', 'standard_webhooks_secret' => 'whsec_not base64!', 'require_signature' => '1' ) );
		$this->assertSame( array( 'wpf_standard_webhooks_secret' ), $this->errors(), 'the kept secret still lets signatures be required' );
		$this->assertSame( array( self::WHSEC, true ), array( $saved['standard_webhooks_secret'], $saved['require_signature'] ) );
	}

	public function test_the_page_tells_whether_the_last_webhook_was_verified(): void {
		$check = fn() => $this->xpath( $this->page() )->query( '//*[@id="wpf-last-signature"]' )->item( 0 );
		$this->assertSame( 'No recent webhook.', trim( $check()->textContent ) );
		$cases = array(
			array( array( 'verified', 'customerio', null ), 'The last webhook (5 mins ago) was signed and verified (Customer.io).' ),
			array( array( 'unsigned', null, null ), 'The last webhook (5 mins ago) was not signed.' ),
			array( array( 'unchecked', 'standard_webhooks', null ), 'The last webhook (5 mins ago) was signed as Standard Webhooks, but no signing key is set to check it.' ),
			array( array( 'refused', 'customerio', 'Customer.io signature does not match <b>' ), 'The last webhook (5 mins ago) was refused: Customer.io signature does not match <b>' ),
		);
		foreach ( $cases as [ [ $status, $scheme, $reason ], $says ] ) {
			Log::clear();
			$this->record_signature( $status, $scheme, $reason, 300 );
			$this->record_signature( '', null, null, 10 );
			$line = $check();
			$this->assertStringContainsString( $says, $line->textContent, $status );
			$link = ( new \DOMXPath( $line->ownerDocument ) )->query( './/a', $line )->item( 0 );
			$this->assertNotNull( $link, "$status: a link to the log" );
			$this->assertStringContainsString( 'page=wpf-webhooks-log&signature=' . $status, $link->getAttribute( 'href' ) );
		}
		$this->assertStringNotContainsString( 'does not match <b>', $this->page(), 'escaped' );
	}

	public function test_a_customerio_signing_key_left_on_a_customerly_site_cannot_make_it_require_signatures(): void {
		$this->configure(
			array(
				'crm'                    => 'customerly',
				'customerly_token'       => 'token-1',
				'customerio_signing_key' => 'cio-signing-key-0123456789',
			)
		);
		$page    = $this->xpath( $this->page() );
		$require = $this->input( $page, 'require_signature' );
		$this->assertTrue( $require->hasAttribute( 'disabled' ), "another CRM's key checks no webhook of this site" );
		$this->assertSame( 'wpf-standard_webhooks_secret', $require->getAttribute( 'data-secrets' ), 'typing that key enables nothing' );
		$said = $page->query( 'ancestor::tr[1]', $require )->item( 0 )->textContent;
		$this->assertStringContainsString( 'Standard Webhooks signing secret', $said );
		$this->assertStringNotContainsString( 'Customer.io webhook signing key', $said, 'the help names only what this site checks' );
		$saved = $this->submit( array( 'crm' => 'customerly', 'require_signature' => '1' ) );
		$this->assertSame( array( 'wpf_require_signature' ), $this->errors() );
		$this->assertFalse( $saved['require_signature'] );
	}

	public function test_after_a_files_only_update_the_page_upgrades_the_log_before_reading_it(): void {
		global $wpdb;
		$table = Log::table();
		$wpdb->query( "DROP TABLE {$table}" ); // phpcs:ignore WordPress.DB
		$wpdb->query( "CREATE TABLE {$table} (id bigint(20) unsigned NOT NULL AUTO_INCREMENT, created_at bigint(20) unsigned NOT NULL, message text NOT NULL, warnings text NOT NULL, request mediumtext NOT NULL, PRIMARY KEY  (id))" ); // phpcs:ignore WordPress.DB
		update_option( \WpfWebhooks\Schema::VERSION_OPTION, 6 );
		$shown = $wpdb->show_errors( true );
		try {
			$html = $this->page();
		} finally {
			$wpdb->show_errors( $shown );
		}
		$this->assertStringNotContainsString( 'database error', $html );
		$this->assertSame( \WpfWebhooks\Schema::VERSION, (int) get_option( \WpfWebhooks\Schema::VERSION_OPTION ) );
	}

	public function test_the_username_format_is_a_choice_of_wp_fusions_values(): void {
		$select = $this->xpath( $this->page() )->query( '//select[@name="' . Settings::OPTION . '[username_format]"]' )->item( 0 );
		$this->assertNotNull( $select );
		$options = array();
		foreach ( ( new \DOMXPath( $select->ownerDocument ) )->query( './/option', $select ) as $option ) {
			$options[ $option->getAttribute( 'value' ) ] = $option->hasAttribute( 'selected' );
		}
		$this->assertSame( array( 'email' => true, 'flname' => false, 'fnamenum' => false ), $options, 'email by default' );
		$this->assertSame( 'fnamenum', $this->submit( array( 'crm' => 'customerio', 'username_format' => 'fnamenum' ) )['username_format'] );
		$this->configure( array( 'username_format' => 'fnamenum' ) );
		$kept = $this->submit( array( 'crm' => 'customerio', 'username_format' => 'username' ) );
		$this->assertSame( array( 'wpf_username_format' ), $this->errors() );
		$this->assertSame( 'fnamenum', $kept['username_format'], 'an unknown format keeps the saved one' );
	}

	public function test_the_last_webhook_is_looked_for_among_the_newest_rows_only(): void {
		global $wpdb;
		$this->record_signature( 'verified', 'customerio' );
		$this->assertSame( 'verified', Log::last_signed()['signature'] );
		$rows = implode( ', ', array_fill( 0, Log::SIGNED_WINDOW, "(0, '', '[]', '{}')" ) );
		$wpdb->query( 'INSERT INTO ' . Log::table() . " (created_at, message, warnings, request) VALUES {$rows}" ); // phpcs:ignore WordPress.DB
		$this->assertNull( Log::last_signed(), 'a read of a bounded number of rows, whatever the log holds' );
		$this->assertSame( array(), Log::recent_signed( 50 ) );
	}

	public function test_updates_by_the_plugin_itself_pass_unchanged(): void {
		unset( $_POST['option_page'] );
		$settings = array_merge( Settings::get(), array( 'access_key' => 'abc' ) );
		$this->assertSame( $settings, SettingsPage::sanitize( $settings ) );
	}

	public function test_regenerating_the_key_needs_the_capability_and_the_nonce(): void {
		$this->assertRefusedWithoutCapabilityOrNonce( 'regenerate_key', 'wpf_webhooks_regenerate_key' );
		$this->assertSame( self::KEY, Settings::get()['access_key'] );
	}

	/**
	 * Asserts that a handler dies with 403 for a visitor holding a valid nonce, and dies for the administrator
	 * without one.
	 *
	 * @param string $method The SettingsPage handler.
	 * @param string $action Its nonce action.
	 */
	private function assertRefusedWithoutCapabilityOrNonce( string $method, string $action ): void {
		wp_set_current_user( 0 );
		try {
			$this->post_handler( array( SettingsPage::class, $method ), $action );
			$this->fail( "a visitor ran $method" );
		} catch ( \RuntimeException $e ) {
			$this->assertSame( 403, $e->getCode() );
		}
		wp_set_current_user( 1 );
		try {
			$this->post_handler( array( SettingsPage::class, $method ), null );
			$this->fail( "$method ran without a nonce" );
		} catch ( \RuntimeException $e ) {
			$this->assertStringStartsWith( 'wp_die', $e->getMessage() );
		}
	}

	public function test_a_regenerated_key_replaces_the_old_one_at_once(): void {
		$where = $this->post_handler( array( SettingsPage::class, 'regenerate_key' ), 'wpf_webhooks_regenerate_key' );
		$this->assertStringContainsString( 'wpf-notice=key-regenerated', $where );
		wp_cache_flush();
		$key = Settings::get()['access_key'];
		$this->assertMatchesRegularExpression( '/^[A-Za-z0-9]{40}$/', $key );
		$this->assertAnswer( 403, 'forbidden', Site::webhook( array( 'wpf_action' => 'test', 'access_key' => self::KEY ) ) );
		$this->assertAnswer( 200, 'ok', Site::webhook( array( 'wpf_action' => 'test', 'access_key' => $key ) ) );
	}

	public function test_jobs_queued_with_the_old_key_can_be_discarded_after_it_was_regenerated(): void {
		global $wpdb;
		$this->queue_old_key_jobs();
		$this->post_handler( array( SettingsPage::class, 'regenerate_key' ), 'wpf_webhooks_regenerate_key' );
		wp_cache_flush();
		$regenerated = time();
		Site::eventually( fn() => time() > $regenerated, 1.5 );
		$key = Settings::get()['access_key'];
		$this->assertSame( 202, Site::webhook( array( 'wpf_action' => 'update', 'access_key' => $key, 'async' => 'true' ), '{"email":"new@example.com"}', array( 'X-Test-Queue-Only: 1' ) )['status'] );
		$html = $this->page();
		$this->assertSame( 1, preg_match( '#<div id="wpf-old-key-jobs".*?</div>#s', $html, $notice ), $html );
		$this->assertStringContainsString( '2 queued webhooks were accepted with the previous access key', $notice[0], 'pending and failed, not running or new' );
		$this->assertStringContainsString( 'name="action" value="wpf_webhooks_discard_old_jobs"', $notice[0] );
		$this->assertStringContainsString( 'name="action" value="wpf_webhooks_keep_old_jobs"', $notice[0] );
		$this->assertStringContainsString( 'data-confirm="', $notice[0] );
		$this->assertRefusedWithoutCapabilityOrNonce( 'discard_old_jobs', 'wpf_webhooks_discard_old_jobs' );
		$this->assertSame( 4, (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . Queue::table() ) ); // phpcs:ignore WordPress.DB
		$where = $this->post_handler( array( SettingsPage::class, 'discard_old_jobs' ), 'wpf_webhooks_discard_old_jobs' );
		$this->assertStringContainsString( 'wpf-notice=old-jobs-discarded', $where );
		$left = $wpdb->get_col( 'SELECT contact FROM ' . Queue::table() . ' ORDER BY id' ); // phpcs:ignore WordPress.DB
		$this->assertSame( array( 'running@example.com', 'new@example.com' ), $left, 'the running job and the new key\'s job stay' );
		parse_str( (string) wp_parse_url( $where, PHP_URL_QUERY ), $args );
		$html = $this->page( $args );
		$this->assertStringNotContainsString( 'id="wpf-old-key-jobs"', $html );
		$this->assertStringContainsString( '2 queued webhooks accepted with the previous access key were discarded.', $html );
	}

	public function test_jobs_queued_with_the_old_key_can_be_kept_after_it_was_regenerated(): void {
		global $wpdb;
		$this->queue_old_key_jobs();
		$this->post_handler( array( SettingsPage::class, 'regenerate_key' ), 'wpf_webhooks_regenerate_key' );
		$this->assertStringContainsString( 'id="wpf-old-key-jobs"', $this->page() );
		$this->assertRefusedWithoutCapabilityOrNonce( 'keep_old_jobs', 'wpf_webhooks_keep_old_jobs' );
		$where = $this->post_handler( array( SettingsPage::class, 'keep_old_jobs' ), 'wpf_webhooks_keep_old_jobs' );
		$this->assertStringContainsString( 'wpf-notice=old-jobs-kept', $where );
		$this->assertSame( 3, (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . Queue::table() ) ); // phpcs:ignore WordPress.DB
		$this->assertStringNotContainsString( 'id="wpf-old-key-jobs"', $this->page(), 'asked once' );
	}

	public function test_a_failed_job_sent_again_with_the_new_key_is_not_an_old_key_job(): void {
		global $wpdb;
		$this->assertSame( 202, $this->hook( 'update', 'again@example.com', array( 'async' => 'true' ), array( 'X-Test-Queue-Only: 1', 'X-CIO-Delivery-Id: dlv-again' ) )['status'] );
		$wpdb->query( 'UPDATE ' . Queue::table() . " SET status = 'failed', created_at = created_at - 60" ); // phpcs:ignore WordPress.DB
		$this->post_handler( array( SettingsPage::class, 'regenerate_key' ), 'wpf_webhooks_regenerate_key' );
		wp_cache_flush();
		$regenerated = time();
		Site::eventually( fn() => time() > $regenerated, 1.5 );
		$key = Settings::get()['access_key'];
		$again = Site::webhook( array( 'wpf_action' => 'update', 'access_key' => $key, 'async' => 'true' ), '{"email":"again@example.com"}', array( 'X-Test-Queue-Only: 1', 'X-CIO-Delivery-Id: dlv-again' ) );
		$this->assertSame( 202, $again['status'] );
		$this->assertSame( 1, (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . Queue::table() . " WHERE status = 'pending'" ) ); // phpcs:ignore WordPress.DB
		$this->assertStringNotContainsString( 'id="wpf-old-key-jobs"', $this->page(), 'the sender sent it again with the new key' );
	}

	/**
	 * Queues three webhooks with the current key: one pending, one failed, one being run by a worker.
	 */
	private function queue_old_key_jobs(): void {
		global $wpdb;
		foreach ( array( 'pending@example.com', 'failed@example.com', 'running@example.com' ) as $email ) {
			$this->assertSame( 202, $this->hook( 'update', $email, array( 'async' => 'true' ), array( 'X-Test-Queue-Only: 1' ) )['status'] );
		}
		$wpdb->query( 'UPDATE ' . Queue::table() . " SET status = 'failed' WHERE contact = 'failed@example.com'" ); // phpcs:ignore WordPress.DB
		$wpdb->query( 'UPDATE ' . Queue::table() . " SET status = 'running' WHERE contact = 'running@example.com'" ); // phpcs:ignore WordPress.DB
	}

	/**
	 * The settings page as rendered with these query arguments.
	 *
	 * @param array $args Query arguments.
	 */
	private function page( array $args = array() ): string {
		$_GET = $args;
		ob_start();
		SettingsPage::render();
		$_GET = array();
		return (string) ob_get_clean();
	}

	/**
	 * A page's HTML, to query.
	 *
	 * @param string $html The HTML.
	 */
	private function xpath( string $html ): \DOMXPath {
		$page = new \DOMDocument();
		libxml_use_internal_errors( true );
		$page->loadHTML( '<?xml encoding="utf-8"?>' . $html );
		libxml_clear_errors();
		return new \DOMXPath( $page );
	}

	/**
	 * The settings form's one input of a setting.
	 *
	 * @param \DOMXPath $page The page.
	 * @param string    $key  The setting.
	 */
	private function input( \DOMXPath $page, string $key ): \DOMElement {
		$inputs = $page->query( sprintf( '//form[@id="wpf-webhooks-settings"]//input[@name="%s[%s]"]', Settings::OPTION, $key ) );
		$this->assertSame( 1, $inputs->length, "one input for $key" );
		return $inputs->item( 0 );
	}

	public function test_test_connection_tests_the_typed_credentials_saved_or_not_and_never_echoes_them(): void {
		$saved = Settings::get();
		$this->assertStringContainsString( 'Track API credentials work', $this->test_typed( array( 'customerio_app_key' => '', 'customerio_track_key' => '' ) )['message'], 'empty inputs: the saved credentials' );
		$wrong = $this->test_typed( array( 'customerio_app_key' => 'typed-wrong-key-QQQQ' ) );
		$this->assertFalse( $wrong['ok'] );
		$this->assertStringNotContainsString( 'typed-wrong-key', wp_json_encode( $wrong ), 'a typed credential is never echoed back' );
		$this->assertStringNotContainsString( Sandbox::TRACK_KEY, wp_json_encode( $wrong ), 'nor a saved one' );
		$region = $this->test_typed( array( 'customerio_app_url' => self::$sandbox->app_url( 'eu' ), 'customerio_track_url' => self::$sandbox->track_url( 'eu' ) ) );
		$this->assertStringContainsString( 'check the API key and the region', $region['message'] );
		$this->assertStringContainsString( 'connection', $this->test_typed( array( 'customerio_app_url' => 'http://127.0.0.1:9/v1' ) )['message'] );
		$bad_url = $this->test_typed( array( 'customerio_app_url' => 'not a url' ) );
		$this->assertFalse( $bad_url['ok'] );
		$this->assertStringContainsString( 'not an http(s) URL', $bad_url['message'], 'a value the save would refuse is not tested' );
		$this->configure( array( 'customerio_app_key' => 'saved-but-wrong' ) );
		$this->assertTrue( $this->test_typed( array( 'customerio_app_key' => Sandbox::APP_KEY ) )['ok'], 'the typed key, not the saved one' );
		$this->assertSame( 'not_configured', $this->test_typed( array( 'crm' => '' ) )['code'], 'the typed CRM choice' );
		$this->configure();
		$this->assertSame( $saved, Settings::get(), 'nothing typed was saved' );
	}

	public function test_test_connection_needs_the_capability_and_the_nonce(): void {
		wp_set_current_user( 0 );
		$this->assertSame( 403, $this->ajax_refused( wp_create_nonce( 'wpf_webhooks_test_connection' ) ) );
		wp_set_current_user( 1 );
		$this->assertSame( 403, $this->ajax_refused( 'not-a-nonce' ) );
	}

	/**
	 * Runs Test connection through admin-ajax.php with these typed settings and the nonce, returning its JSON.
	 *
	 * @param array  $typed The typed settings (the CRM's inputs).
	 * @param string $nonce The nonce (default: a valid one).
	 */
	private function test_typed( array $typed, string $nonce = '' ): array {
		$_POST    = array(
			'action'        => 'wpf_webhooks_test_connection',
			'_ajax_nonce'   => '' === $nonce ? wp_create_nonce( 'wpf_webhooks_test_connection' ) : $nonce,
			Settings::OPTION => wp_slash( $typed + array( 'crm' => 'customerio' ) ),
		);
		$_REQUEST = $_POST;
		add_filter( 'wp_doing_ajax', '__return_true' );
		add_filter( 'wp_die_ajax_handler', array( self::class, 'die_handler' ) );
		ob_start();
		try {
			SettingsPage::ajax_test_connection();
			$this->fail( 'the handler did not end the request' );
		} catch ( \RuntimeException $end ) {
			$out = (string) ob_get_clean();
			if ( '' === $out ) {
				throw $end;
			}
		} finally {
			remove_filter( 'wp_doing_ajax', '__return_true' );
			remove_filter( 'wp_die_ajax_handler', array( self::class, 'die_handler' ) );
		}
		$json = json_decode( $out, true );
		$this->assertIsArray( $json, $out );
		return $json['data'] + array( 'ok' => $json['success'] );
	}

	/**
	 * Test connection with this nonce, refused: its HTTP status.
	 *
	 * @param string $nonce The nonce.
	 */
	private function ajax_refused( string $nonce ): int {
		try {
			$this->test_typed( array( 'customerio_app_key' => Sandbox::APP_KEY ), $nonce );
		} catch ( \RuntimeException $refused ) {
			return $refused->getCode();
		}
		$this->fail( 'Test connection ran' );
	}

	public function test_test_connection_is_a_submit_button_of_its_own_that_works_without_javascript(): void {
		$page   = $this->xpath( $this->page() );
		$button = $page->query( '//form[@id="wpf-webhooks-settings"]//button[@id="wpf-test-connection"]' )->item( 0 );
		$this->assertNotNull( $button, 'in the settings form: it tests the values as typed' );
		$this->assertSame( 'submit', $button->getAttribute( 'type' ), 'it works without JavaScript' );
		$this->assertSame( admin_url( 'admin-post.php' ), $button->getAttribute( 'formaction' ), 'it posts the form to admin-post.php, not options.php: nothing is saved' );
		$this->assertSame( array( 'action', 'wpf_webhooks_test_connection' ), array( $button->getAttribute( 'name' ), $button->getAttribute( 'value' ) ) );
		$this->assertTrue( $button->hasAttribute( 'formnovalidate' ), 'an unrelated invalid field does not stop a test' );
		$nonce = $page->query( '//form[@id="wpf-webhooks-settings"]//input[@type="hidden"][@name="_wpf_test_nonce"]' )->item( 0 );
		$this->assertNotNull( $nonce, 'its own nonce, beside the save\'s' );
		$this->assertSame( 1, wp_verify_nonce( $nonce->getAttribute( 'value' ), 'wpf_webhooks_test_connection' ) );
		$first = $page->query( '//form[@id="wpf-webhooks-settings"]//*[(self::button and (not(@type) or @type="submit")) or (self::input and @type="submit")]' )->item( 0 );
		$this->assertNotSame( 'wpf-test-connection', $first->getAttribute( 'id' ), 'Enter in a field still saves: the form\'s default button is not Test connection' );
		$this->assertFalse( $first->hasAttribute( 'formaction' ), 'the default button saves' );
		$result = $page->query( '//*[@id="wpf-connection-result"]' )->item( 0 );
		$this->assertNotNull( $result, 'the result region is there from the start' );
		$this->assertSame( array( 'status', 'polite', false ), array( $result->getAttribute( 'role' ), $result->getAttribute( 'aria-live' ), $result->hasAttribute( 'hidden' ) ), 'a live region, never hidden' );
		$this->assertSame( '', trim( $result->textContent ), 'empty until a test' );
	}

	public function test_test_connection_without_javascript_needs_the_capability_and_its_nonce(): void {
		$this->assertTrue( (bool) has_action( 'admin_post_wpf_webhooks_test_connection', array( SettingsPage::class, 'test_connection' ) ) );
		wp_set_current_user( 0 );
		try {
			$this->post_test_connection( array(), wp_create_nonce( 'wpf_webhooks_test_connection' ) );
			$this->fail( 'a visitor ran Test connection' );
		} catch ( \RuntimeException $e ) {
			$this->assertSame( 403, $e->getCode() );
		}
		wp_set_current_user( 1 );
		foreach ( array( null, 'not-a-nonce', wp_create_nonce( SettingsPage::GROUP . '-options' ) ) as $nonce ) {
			try {
				$this->post_test_connection( array(), $nonce );
				$this->fail( 'Test connection ran without its nonce' );
			} catch ( \RuntimeException $e ) {
				$this->assertStringStartsWith( 'wp_die', $e->getMessage() );
			}
		}
		$this->assertFalse( get_transient( 'wpf_webhooks_connection_1' ), 'no result' );
	}

	public function test_test_connection_without_javascript_tests_the_typed_values_shows_the_result_once_and_keeps_no_secret(): void {
		global $wpdb;
		$this->configure( array( 'customerio_app_key' => 'saved-but-wrong' ) );
		$saved = Settings::get();
		$where = $this->post_test_connection( array( 'customerio_app_key' => Sandbox::APP_KEY ), wp_create_nonce( 'wpf_webhooks_test_connection' ) );
		$this->assertStringStartsWith( SettingsPage::url( array( 'wpf-notice' => 'connection' ) ), $where, 'back to the page' );
		$this->assertStringNotContainsString( Sandbox::APP_KEY, $where );
		$html   = $this->page( array( 'wpf-notice' => 'connection' ) );
		$result = $this->xpath( $html )->query( '//*[@id="wpf-connection-result"]' )->item( 0 );
		$this->assertSame( 'status', $result->getAttribute( 'role' ) );
		$this->assertStringContainsString( 'notice-success', $result->getAttribute( 'class' ), 'the typed key, not the saved one: ' . $result->textContent );
		$this->assertStringContainsString( 'Track API credentials work', $result->textContent );
		$this->assertStringContainsString( 'they are not saved', $result->textContent, 'the page says the typed values are gone' );
		$this->assertStringNotContainsString( 'Track API credentials work', $this->page( array( 'wpf-notice' => 'connection' ) ), 'shown once' );

		$typed = 'typed-wrong-key-QQQQ';
		$where = $this->post_test_connection( array( 'customerio_app_key' => $typed, 'customerio_track_key' => $typed ), wp_create_nonce( 'wpf_webhooks_test_connection' ) );
		$this->assertStringNotContainsString( $typed, $where, 'not in the URL' );
		$stored = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->options} WHERE option_value LIKE %s", '%' . $wpdb->esc_like( $typed ) . '%' ) );
		$this->assertSame( 0, $stored, 'the typed credential is in no option or transient' );
		$this->assertSame( array( 'code', 'message' ), array_keys( (array) get_transient( 'wpf_webhooks_connection_1' ) ), 'the result only' );
		$this->assertStringNotContainsString( Sandbox::TRACK_KEY, wp_json_encode( get_transient( 'wpf_webhooks_connection_1' ) ), 'nor a saved one' );
		$html = $this->page( array( 'wpf-notice' => 'connection' ) );
		$this->assertStringNotContainsString( $typed, $html, 'nor in the page' );
		$this->assertStringContainsString( 'notice-error', $this->xpath( $html )->query( '//*[@id="wpf-connection-result"]' )->item( 0 )->getAttribute( 'class' ) );

		$refused = $this->post_test_connection( array( 'customerio_app_url' => 'not a url' ), wp_create_nonce( 'wpf_webhooks_test_connection' ) );
		$this->assertStringContainsString( 'wpf-notice=connection', $refused );
		$this->assertStringContainsString( 'not an http(s) URL', $this->page( array( 'wpf-notice' => 'connection' ) ), 'sanitized as the save sanitizes' );
		wp_cache_flush();
		$this->assertSame( $saved, Settings::get(), 'nothing typed was saved' );
	}

	/**
	 * Posts the settings form to admin-post.php as Test connection's button does without JavaScript (the form's
	 * own fields, its `action` overridden by the button's), returning where the handler redirected.
	 *
	 * @param array       $typed The typed settings (the CRM's inputs).
	 * @param string|null $nonce The value of _wpf_test_nonce, null for none.
	 */
	private function post_test_connection( array $typed, ?string $nonce ): string {
		$_POST = array(
			'option_page'    => SettingsPage::GROUP,
			'action'         => 'wpf_webhooks_test_connection',
			'_wpnonce'       => wp_create_nonce( SettingsPage::GROUP . '-options' ),
			Settings::OPTION => wp_slash( $typed + array( 'crm' => 'customerio' ) ),
		);
		if ( null !== $nonce ) {
			$_POST['_wpf_test_nonce'] = $nonce;
		}
		$_REQUEST = $_POST;
		try {
			SettingsPage::test_connection();
		} catch ( \LogicException $redirect ) {
			return $redirect->getMessage();
		}
		$this->fail( 'the handler neither redirected nor died' );
	}

	public function test_the_webhook_url_check_needs_the_capability_and_the_nonce_and_shows_its_result_once_without_the_key(): void {
		$page = $this->xpath( $this->page() );
		$this->assertSame( 1, $page->query( '//form[@id="wpf-check-reachability-form"][input[@name="action"][@value="wpf_webhooks_check_reachability"]]' )->length, 'a form of its own' );
		$this->assertSame( 1, $page->query( '//button[@id="wpf-check-reachability"][@form="wpf-check-reachability-form"]' )->length, 'its button, next to the URLs' );
		$this->assertRefusedWithoutCapabilityOrNonce( 'check_reachability', 'wpf_webhooks_check_reachability' );
		$this->assertSame( 0, Log::query( array( 'action' => 'test' ) )['total'], 'refused before the check ran' );
		$where = $this->post_handler( array( SettingsPage::class, 'check_reachability' ), 'wpf_webhooks_check_reachability' );
		$this->assertStringContainsString( 'wpf-notice=reachability', $where );
		$html = $this->page( array( 'wpf-notice' => 'reachability' ) );
		$this->assertSame( 1, preg_match( '#<div id="wpf-reachability-result" class="notice notice-success">(.*?)</div>#s', $html, $notice ), $html );
		$this->assertStringContainsString( 'The webhook URL reaches WordPress', $notice[1] );
		$this->assertStringContainsString( 'access_key=••••' . substr( self::KEY, -4 ), $notice[1] );
		$this->assertStringNotContainsString( 'docs/', $notice[1], 'no path into the source repository' );
		$this->assertStringNotContainsString( self::KEY, $notice[1], 'the key is masked' );
		$this->assertStringNotContainsString( 'id="wpf-reachability-result"', $this->page( array( 'wpf-notice' => 'reachability' ) ), 'shown once' );
	}

	public function test_the_page_masks_credentials_and_offers_ready_urls(): void {
		$this->configure( array( 'customerio_app_key' => 'secret-app-key-WXYZ', 'field_map' => array( 'first_name' => '"><script>alert(1)</script>' ) ) );
		ob_start();
		SettingsPage::render();
		$html = (string) ob_get_clean();
		$this->assertStringNotContainsString( 'secret-app-key-WXYZ', $html, 'a saved credential is never printed back' );
		$this->assertStringContainsString( 'placeholder="••••WXYZ"', $html );
		$this->assertStringContainsString( 'wpf_action=add&amp;access_key=' . self::KEY, $html );
		$this->assertStringContainsString( 'wpf_action=add&amp;send_notification=true&amp;access_key=' . self::KEY, $html );
		$this->assertStringNotContainsString( '<script>alert(1)</script>', $html, 'escaped' );
		$this->assertMatchesRegularExpression( '#value="administrator"[^>]*disabled#', $html, 'privileged roles cannot be allowed' );
		$this->assertStringContainsString( '{{customer.email}}', $html );
		$this->assertStringNotContainsString( 'id="wpf-weak-key"', $html );
	}

	public function test_the_page_is_in_setup_order_and_links_to_the_log(): void {
		$page  = $this->xpath( $this->page() );
		$order = array(
			'//select[@id="wpf-crm"]',
			'//input[@name="' . Settings::OPTION . '[customerio_app_key]"]',
			'//button[@id="wpf-test-connection"]',
			'//input[contains(@class, "wpf-webhook-url")]',
			'//pre[contains(@class, "wpf-webhook-body")]',
		);
		$positions = array();
		foreach ( $order as $query ) {
			$this->assertGreaterThan( 0, $page->query( $query )->length, $query );
			$positions[] = (int) $page->evaluate( 'count(' . $query . '[1]/preceding::*) + count(' . $query . '[1]/ancestor::*)' );
		}
		$sorted = $positions;
		sort( $sorted );
		$this->assertSame( $sorted, $positions, 'CRM, its credentials, Test connection, the URLs, the body' );
		$this->assertGreaterThan( 0, $page->query( sprintf( '//a[@href="%s"]', esc_url( LogPage::url() ) ) )->length, 'a link to Tools → Webhook Logs' );
	}

	public function test_the_key_and_the_urls_carrying_it_are_masked_until_show_with_a_header_variant(): void {
		$html = $this->page();
		$page = $this->xpath( $html );
		$this->assertSame( '••••' . substr( self::KEY, -4 ), $page->query( '//input[@id="wpf-access-key"]' )->item( 0 )->getAttribute( 'value' ) );
		$this->assertSame( 1, $page->query( '//button[@id="wpf-show-key"][@aria-pressed="false"]' )->length, 'a Show button' );
		$urls = $page->query( '//input[contains(@class, "wpf-webhook-url")]' );
		$this->assertSame( 5, $urls->length );
		foreach ( $urls as $url ) {
			$this->assertStringNotContainsString( self::KEY, $url->getAttribute( 'value' ), 'shown masked' );
			$this->assertStringContainsString( 'access_key=••••' . substr( self::KEY, -4 ), $url->getAttribute( 'value' ) );
			$this->assertStringContainsString( 'access_key=' . self::KEY, $url->getAttribute( 'data-url' ), 'copied in full' );
			$this->assertStringNotContainsString( 'access_key', $url->getAttribute( 'data-header-url' ), 'the header variant has no key in the URL' );
		}
		$variant = $page->query( '//*[@id="wpf-key-in"]//input[@type="radio"]' );
		$this->assertSame( array( 'url', 'header' ), array( $variant->item( 0 )->getAttribute( 'value' ), $variant->item( 1 )->getAttribute( 'value' ) ) );
		$this->assertStringContainsString( 'X-WPF-Access-Key', $page->query( '//*[@id="wpf-header-name"]' )->item( 0 )->textContent );
		$confirm = $page->query( '//form[input[@value="wpf_webhooks_regenerate_key"]]' )->item( 0 )->getAttribute( 'data-confirm' );
		$this->assertStringContainsString( 'every journey', $confirm, 'Regenerate asks first' );
	}

	public function test_return_password_is_one_control(): void {
		$this->configure( array( 'return_password_field' => '' ) );
		$page = $this->xpath( $this->page() );
		$this->assertSame( 0, $page->query( sprintf( '//input[@type="checkbox"][@name="%s[return_password]"]', Settings::OPTION ) )->length, 'no checkbox' );
		$radios = $page->query( sprintf( '//input[@type="radio"][@name="%s[return_password]"]', Settings::OPTION ) );
		$this->assertSame( array( '0', '1' ), array( $radios->item( 0 )->getAttribute( 'value' ), $radios->item( 1 )->getAttribute( 'value' ) ) );
		$this->assertTrue( $radios->item( 0 )->hasAttribute( 'checked' ), 'off by default' );

		$saved = $this->submit( array( 'return_password' => '1', 'return_password_field' => 'wp_password' ) );
		$this->assertSame( array( true, 'wp_password' ), array( $saved['return_password'], $saved['return_password_field'] ) );
		update_option( Settings::OPTION, $saved );
		$this->assertTrue( $this->xpath( $this->page() )->query( sprintf( '//input[@type="radio"][@name="%s[return_password]"][@value="1"]', Settings::OPTION ) )->item( 0 )->hasAttribute( 'checked' ) );
		$kept = $this->submit( array( 'return_password' => '1', 'return_password_field' => ' ' ) );
		$this->assertSame( array( 'wpf_return_password_field' ), $this->errors(), 'writing it needs a field' );
		$this->assertSame( array( true, 'wp_password' ), array( $kept['return_password'], $kept['return_password_field'] ), 'the previous choice kept' );
		$off = $this->submit( array( 'return_password' => '0', 'return_password_field' => 'wp_password' ) );
		$this->assertSame( array( false, '' ), array( $off['return_password'], $off['return_password_field'] ), 'off is off in both settings' );
	}

	public function test_the_help_tab_explains_the_page(): void {
		set_current_screen( 'settings_page_' . SettingsPage::SLUG );
		SettingsPage::add_help();
		$tabs = get_current_screen()->get_help_tabs();
		$this->assertArrayHasKey( 'wpf-webhooks-setup', $tabs );
		$this->assertStringContainsString( 'Test connection', $tabs['wpf-webhooks-setup']['content'] );
		$this->assertNotSame( '', get_current_screen()->get_help_sidebar() );
		set_current_screen( 'front' );
	}

	public function test_the_role_example_is_an_allowed_existing_role(): void {
		$this->configure( array( 'allowed_roles' => array() ) );
		$this->assertStringNotContainsString( '&amp;role=', $this->page(), 'no role allowed: no role suggested' );
		$this->configure( array( 'allowed_roles' => array( 'author' ) ) );
		$this->assertStringContainsString( '&amp;role=author', $this->page() );
		$this->assertStringNotContainsString( 'role=customer', $this->page() );
	}

	public function test_the_page_shows_the_chosen_crms_settings_only(): void {
		$contract = wpf_webhooks_contract();
		foreach ( array( 'customerio', 'customerly', '' ) as $chosen ) {
			$this->configure( array( 'crm' => $chosen ) );
			$xpath = $this->xpath( $this->page() );
			foreach ( $contract['settings'] as $setting ) {
				if ( null === $setting['crm'] ) {
					continue;
				}
				$inputs = $xpath->query( sprintf( '//*[@name="%s[%s]"]', Settings::OPTION, $setting['key'] ) );
				$this->assertSame( 1, $inputs->length, "{$setting['key']} has one input" );
				$hidden = $xpath->query( 'ancestor-or-self::*[@hidden]', $inputs->item( 0 ) )->length > 0;
				$this->assertSame( $setting['crm'] !== $chosen, $hidden, "{$setting['key']} with crm '$chosen'" );
				$this->assertSame( $setting['crm'], $xpath->query( 'ancestor::*[@data-crm][1]', $inputs->item( 0 ) )->item( 0 )->getAttribute( 'data-crm' ), 'the script finds it by data-crm' );
			}
			foreach ( $contract['crms'] as $crm => $about ) {
				$this->assertSame( 1, $xpath->query( sprintf( '//select[@id="wpf-crm"]/option[@value="%s"]', $crm ) )->length, "$crm is offered" );
				$help = $xpath->query( sprintf( '//*[@data-crm="%s"][pre[contains(@class, "wpf-webhook-body")]]', $crm ) );
				$this->assertSame( 1, $help->length, "$crm's webhook help" );
				$this->assertSame( $crm !== $chosen, $help->item( 0 )->hasAttribute( 'hidden' ), "$crm's webhook help with crm '$chosen'" );
			}
		}
	}

	public function test_a_choice_is_shown_as_the_extension_reads_it(): void {
		$this->configure( array( 'customerio_region' => ' EU ' ) );
		ob_start();
		SettingsPage::render();
		$this->assertMatchesRegularExpression( '#<option value="eu"\s+selected#', (string) ob_get_clean(), 'saving the page again keeps the region the extension uses' );
	}

	public function test_wp_fusion_settings_are_imported_and_a_weak_key_is_flagged(): void {
		$this->assertFalse( WpfImport::available() );
		update_option(
			'wpf_options',
			array(
				'crm'                   => 'customer-io',
				'access_key'            => '1a2b3c4d',
				'customer-io_api_key'   => 'wpf-app-key',
				'customer-io_site_id'   => 'wpf-site',
				'customer-io_tracking_api_key' => 'wpf-track',
				'customer-io_region'    => 'eu',
				'contact_fields'        => array(
					'first_name'      => array( 'crm_field' => 'first_name', 'active' => true ),
					'billing_phone'   => array( 'crm_field' => 'phone', 'active' => true ),
					'last_name'       => array( 'crm_field' => 'last_name', 'active' => false ),
					'wp_capabilities' => array( 'crm_field' => 'caps', 'active' => true ),
					'user_email'      => array( 'crm_field' => 'email', 'active' => true ),
				),
				'return_password'       => true,
				'return_password_field' => array( 'crm_field' => 'password' ),
				'username_format'       => 'flname',
			)
		);
		$this->assertTrue( WpfImport::available() );
		$where = $this->post_handler( array( SettingsPage::class, 'import_wpf' ), 'wpf_webhooks_import_wpf' );
		$this->assertStringContainsString( 'wpf-notice=imported', $where );
		wp_cache_flush();
		$s = Settings::get();
		$this->assertSame( array( 'customerio', '1a2b3c4d', 'wpf-app-key', 'wpf-site', 'wpf-track', 'eu' ), array( $s['crm'], $s['access_key'], $s['customerio_app_key'], $s['customerio_site_id'], $s['customerio_track_key'], $s['customerio_region'] ) );
		$this->assertSame( array( 'first_name' => 'first_name', 'billing_phone' => 'phone' ), $s['field_map'] );
		$this->assertSame( 'password', $s['return_password_field'] );
		$this->assertSame( 'flname', $s['username_format'] );
		$this->assertTrue( SettingsPage::is_weak_key( $s['access_key'] ) );
		$this->assertSame( 'critical', SiteHealth::access_key_test()['status'] );
		ob_start();
		SettingsPage::render();
		$this->assertStringContainsString( 'id="wpf-weak-key"', (string) ob_get_clean() );
		$this->configure( array( 'access_key' => '1a2b3c4d' ) );
		$this->assertAnswer( 200, 'ok', Site::webhook( array( 'wpf_action' => 'test', 'access_key' => '1a2b3c4d' ) ), 'the imported key keeps working' );
	}

	public function test_the_import_handler_needs_the_capability_and_the_nonce(): void {
		update_option( 'wpf_options', array( 'crm' => 'customerly', 'customerly_key' => 'x' ) );
		try {
			$this->post_handler( array( SettingsPage::class, 'import_wpf' ), null );
			$this->fail( 'imported without a nonce' );
		} catch ( \RuntimeException $e ) {
			$this->assertStringStartsWith( 'wp_die', $e->getMessage() );
		}
		$this->assertSame( 'customerio', Settings::get()['crm'] );
	}

	public function test_site_health_reports_each_problem(): void {
		$this->assertSame( 'good', SiteHealth::extension_test()['status'] );
		$this->assertSame( 'good', SiteHealth::configuration_test()['status'] );
		$this->assertSame( 'good', SiteHealth::access_key_test()['status'] );
		$this->assertSame( 'good', SiteHealth::crm_test()['status'] );
		$this->configure( array( 'customerio_app_key' => 'rotated-away' ) );
		$crm = SiteHealth::crm_test();
		$this->assertSame( 'critical', $crm['status'] );
		$this->assertStringNotContainsString( 'rotated-away', $crm['description'] );
		$this->configure( array( 'crm' => '' ) );
		$this->assertSame( 'critical', SiteHealth::configuration_test()['status'] );
		$this->assertSame( 'good', SiteHealth::failures_test()['status'] );
		$this->assertSame( 'good', SiteHealth::refused_test()['status'] );
		Site::webhook( array( 'wpf_action' => 'test', 'access_key' => self::KEY ), str_repeat( 'x', 70000 ) );
		$this->assertSame( 'Requests to the webhook URL were refused for their size', SiteHealth::refused_test()['label'], 'no key was wrong' );
		\WpfWebhooks\Log::clear();
		self::$sandbox->fault( array( 'action' => array( 'status' => 503 ) ) );
		$this->configure();
		$this->hook( 'update', 'jane@example.com' );
		Site::webhook( array( 'wpf_action' => 'test', 'access_key' => 'wrong' ) );
		$this->hook( 'update', 'nobody@example.com' );
		$failures = SiteHealth::failures_test();
		$this->assertSame( 'recommended', $failures['status'] );
		$this->assertStringContainsString( '2 × ' . esc_html( \WpfWebhooks\Contract::message( 'crm_unavailable' ) ), $failures['description'] );
		$this->assertStringNotContainsString( 'forbidden', $failures['description'], 'a wrong key is not a failing webhook' );
		$refused = SiteHealth::refused_test();
		$this->assertSame( array( 'recommended', 'Someone is knocking on the webhook URL with wrong keys' ), array( $refused['status'], $refused['label'] ) );
		$this->assertStringContainsString( '1 request to the webhook URL was refused before its access key was accepted (a wrong or missing access key × 1)', $refused['description'] );
		$this->assertStringContainsString( 'a CRM journey that still sends an old key', $refused['description'] );
		$tests = SiteHealth::add_tests( array( 'direct' => array(), 'async' => array() ) );
		$this->assertArrayHasKey( 'wpf_webhooks_extension', $tests['direct'] );
		$this->assertArrayHasKey( 'wpf_webhooks_refused', $tests['direct'] );
		$this->assertArrayHasKey( SiteHealth::CRM_TEST, $tests['async'] );
	}

	public function test_wp_crons_weekly_site_health_check_runs_the_plugins_tests(): void {
		wp_clear_scheduled_hook( 'wp_site_health_scheduled_check' );
		wp_schedule_event( time() - 60, 'weekly', 'wp_site_health_scheduled_check' );
		delete_transient( 'health-check-site-status-result' );
		$errors = Site::log_path( 'php-error.log' );
		$before = is_file( $errors ) ? (int) filesize( $errors ) : 0;
		Site::run_cron();
		$done = Site::eventually( fn() => false !== get_transient( 'health-check-site-status-result' ), 30.0 );
		clearstatcache();
		$lines = explode( "\n", is_file( $errors ) ? (string) file_get_contents( $errors, false, null, $before ) : '' );
		$ours  = array_filter( $lines, fn( $l ) => str_contains( $l, 'Fatal' ) || str_contains( $l, 'WpfWebhooks' ) || str_contains( $l, 'wpf-webhooks' ) );
		$this->assertSame( array(), array_values( $ours ), 'the cron run raised no fatal error and no error in the plugin' );
		$this->assertTrue( $done, 'the scheduled check stored its counts' );
		$this->assertNotEmpty( self::$sandbox->requests(), 'the CRM test ran from WP-Cron' );
	}

	public function test_site_health_reports_an_idle_queue_and_failed_jobs(): void {
		global $wpdb;
		$this->assertSame( 'good', SiteHealth::queue_test()['status'] );
		$this->assertSame( 202, $this->hook( 'update', 'jane@example.com', array( 'async' => 'true' ), array( 'X-Test-Queue-Only: 1' ) )['status'] );
		$this->assertSame( 'good', SiteHealth::queue_test()['status'], 'just queued is fine' );
		$wpdb->query( $wpdb->prepare( 'UPDATE ' . \WpfWebhooks\Queue::table() . ' SET run_at = %d', time() - 11 * MINUTE_IN_SECONDS ) ); // phpcs:ignore WordPress.DB
		$stuck = SiteHealth::queue_test();
		$this->assertSame( 'critical', $stuck['status'] );
		$this->assertStringContainsString( 'wp-cron.php', $stuck['description'] );
		$wpdb->query( 'UPDATE ' . \WpfWebhooks\Queue::table() . " SET status = 'failed'" ); // phpcs:ignore WordPress.DB
		$failed = SiteHealth::queue_test();
		$this->assertSame( 'recommended', $failed['status'] );
		$this->assertStringContainsString( 'Retry button', $failed['description'] );
		$this->assertArrayHasKey( 'wpf_webhooks_queue', SiteHealth::add_tests( array( 'direct' => array(), 'async' => array() ) )['direct'] );
	}

	public function test_site_health_recommends_requiring_signatures_once_webhooks_arrive_signed(): void {
		$this->assertSame( 'good', SiteHealth::signatures_test()['status'], 'no webhook yet' );
		$this->record_signature( 'unsigned' );
		$this->assertSame( 'good', SiteHealth::signatures_test()['status'], 'unsigned webhooks and no secret: nothing to recommend' );
		foreach ( array( 1, 2, 3 ) as $ago ) {
			$this->record_signature( 'verified', 'customerio', null, $ago );
		}
		$this->assertSame( 'good', SiteHealth::signatures_test()['status'], 'one unsigned webhook among the recent ones: requiring would refuse it' );
		Log::clear();
		foreach ( array( 1, 2, 3 ) as $ago ) {
			$this->record_signature( 'verified', 'customerio', null, $ago );
			$this->record_signature( '', null, null, $ago );
		}
		$this->configure( array( 'customerio_signing_key' => 'cio-signing-key-0123456789' ) );
		$result = SiteHealth::signatures_test();
		$this->assertSame( array( 'recommended', 'Webhooks arrive signed: require signatures' ), array( $result['status'], $result['label'] ) );
		$this->assertStringContainsString( 'The last 3 webhooks were signed and verified', $result['description'] );
		$this->assertStringContainsString( 'Require signed webhooks', $result['description'] );
		$this->assertStringContainsString( esc_url( SettingsPage::url() ), $result['actions'] );

		$this->configure( array( 'customerio_signing_key' => 'cio-signing-key-0123456789', 'require_signature' => true ) );
		$this->assertSame( 'good', SiteHealth::signatures_test()['status'], 'required already' );

		Log::clear();
		$this->configure();
		$this->record_signature( 'unchecked', 'customerio' );
		$this->record_signature( 'verified', 'standard_webhooks' );
		$result = SiteHealth::signatures_test();
		$this->assertSame( 'recommended', $result['status'] );
		$this->assertStringContainsString( '1 of the last 2 webhooks was signed as Customer.io, with no secret set to check it', $result['description'], 'signed but not checked: set the key first' );
		$this->assertArrayHasKey( 'wpf_webhooks_signatures', SiteHealth::add_tests( array( 'direct' => array(), 'async' => array() ) )['direct'] );
	}

	public function test_site_health_notices_unsigned_webhooks_despite_a_secret_and_refused_signatures(): void {
		$this->configure( array( 'customerio_signing_key' => 'cio-signing-key-0123456789' ) );
		$this->record_signature( 'verified', 'customerio', null, 60 );
		$this->record_signature( 'unsigned', null, null, 30 );
		$this->record_signature( 'unsigned' );
		$result = SiteHealth::signatures_test();
		$this->assertSame( array( 'recommended', 'Webhooks arrive unsigned although a signing secret is set' ), array( $result['status'], $result['label'] ) );
		$this->assertStringContainsString( 'The last 2 webhooks were not signed, although a signing secret is set.', $result['description'] );
		$this->assertStringContainsString( 'signature=unsigned', $result['actions'], 'a link to them in the log' );

		$this->record_signature( 'verified', 'customerio' );
		$result = SiteHealth::signatures_test();
		$this->assertSame( 'good', $result['status'], 'the newest is signed: the unsigned ones may predate the secret' );
		$this->assertStringContainsString( '2 of the last 4 webhooks were not signed: signatures can be required once every sender signs.', $result['description'] );

		$this->record_signature( 'refused', 'customerio', 'Customer.io signature is 900 s old', DAY_IN_SECONDS + 60 );
		$this->assertSame( 'good', SiteHealth::signatures_test()['status'], 'a refusal over a day old is not news' );
		$this->record_signature( 'refused', 'customerio', 'Customer.io signature does not match' );
		$result = SiteHealth::signatures_test();
		$this->assertSame( array( 'recommended', 'Webhooks were refused for their signature' ), array( $result['status'], $result['label'] ) );
		$this->assertStringContainsString( '1 of the last 6 webhooks was refused for its signature in the last 24 hours; the last because: Customer.io signature does not match.', $result['description'] );
		$this->assertStringContainsString( 'signature=refused', $result['actions'] );

		Log::clear();
		$this->configure();
		$this->record_signature( 'unsigned' );
		$this->assertSame( 'good', SiteHealth::signatures_test()['status'], 'no secret: unsigned webhooks are expected' );
	}
}
