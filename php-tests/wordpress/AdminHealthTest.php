<?php
/**
 * Ring 3: what support and the site's owner read without the docs: Site Health's Info section and failure check,
 * the Webhooks panel on a user's profile and the Users list's tags column, the Plugins screen's row.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Admin\LogPage;
use WpfWebhooks\Admin\SiteHealth;
use WpfWebhooks\Admin\UserPanel;
use WpfWebhooks\Contract;
use WpfWebhooks\Log;
use WpfWebhooks\Settings;

/**
 * Site Health, the user's profile, the Users list and the Plugins screen.
 */
final class AdminHealthTest extends WebhookTestCase {

	/**
	 * A signing secret (Standard Webhooks' example).
	 */
	const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

	protected function setUp(): void {
		parent::setUp();
		wp_set_current_user( 1 );
	}

	protected function tearDown(): void {
		wp_set_current_user( 0 );
		parent::tearDown();
	}

	public function test_the_info_section_tells_support_what_it_asks_for_and_no_secret(): void {
		$this->configure( array( 'customerio_signing_key' => self::WHSEC ) );
		$this->assertSame( 202, $this->hook( 'update', 'jane@example.com', array( 'async' => 'true' ), array( 'X-Test-Queue-Only: 1' ) )['status'] );
		$this->hook( 'test', null );
		$info = apply_filters( 'debug_information', array() );
		$this->assertArrayHasKey( SiteHealth::INFO_SECTION, $info, 'the section is added by the filter' );
		$fields = array_map( fn( $field ) => (string) $field['value'], $info[ SiteHealth::INFO_SECTION ]['fields'] );
		$build  = wpf_webhooks_build_info();
		$this->assertSame( WPF_WEBHOOKS_VERSION, $fields['plugin_version'] );
		$this->assertStringContainsString( $build['version'], $fields['extension'] );
		$this->assertStringContainsString( 'interface ' . $build['interface'], $fields['extension'] );
		$this->assertStringContainsString( $build['profile'], $fields['extension'] );
		$this->assertSame( 'Customer.io', $fields['crm'] );
		$this->assertSame( 'US', $fields['setting_customerio_region'] );
		$this->assertSame( 'set', $fields['setting_customerio_app_key'] );
		$this->assertSame( 'set', $fields['setting_customerio_signing_key'] );
		$this->assertSame( 'set', $fields['setting_access_key'] );
		$this->assertSame( '1 pending, 0 running, 0 failed', $fields['queue'] );
		$this->assertMatchesRegularExpression( '/^\d+ (second|min)/', $fields['queue_oldest'] );
		$this->assertSame( '2', $fields['log_rows'], 'the queued webhook and the test' );
		$window = fn() => 1;
		add_filter( 'wpf_webhooks_log_window', $window );
		$capped = apply_filters( 'debug_information', array() )[ SiteHealth::INFO_SECTION ]['fields']['log_rows']['value'];
		remove_filter( 'wpf_webhooks_log_window', $window );
		$this->assertSame( 'more than 1', $capped, 'counted up to the window, not over the whole log' );
		$dump = (string) wp_json_encode( $info[ SiteHealth::INFO_SECTION ] );
		foreach ( Contract::settings() as $setting ) {
			$value = Settings::get()[ $setting['key'] ];
			if ( $setting['secret'] && '' !== $value ) {
				$this->assertStringNotContainsString( (string) $value, $dump, $setting['key'] );
				$this->assertStringNotContainsString( substr( (string) $value, -4 ), $dump, $setting['key'] . ', not even its end' );
			}
		}
	}

	public function test_the_failure_check_names_the_logs_failures_in_words_and_links_to_them(): void {
		$this->assertSame( 'good', SiteHealth::failures_test()['status'] );
		self::$sandbox->fault( array( 'action' => array( 'status' => 503 ) ) );
		$this->hook( 'update', 'jane@example.com' );
		$this->hook( 'update', 'nobody@example.com' );
		self::$sandbox->reset();
		$this->hook( 'update', 'nobody-at-all@example.com' );
		$this->hook( 'test', null );
		$failures = SiteHealth::failures_test();
		$this->assertSame( 'recommended', $failures['status'], 'advice, not an emergency' );
		$this->assertSame( '3 webhooks failed in the last 24 hours', $failures['label'] );
		$unavailable = Contract::code( 'crm_unavailable' )['message'];
		$not_found   = Contract::code( 'contact_not_found' )['message'];
		$this->assertStringContainsString( '2 × ' . esc_html( $unavailable ), $failures['description'] );
		$this->assertStringContainsString( '1 × ' . esc_html( $not_found ), $failures['description'] );
		$this->assertStringContainsString( 'href="' . esc_url( LogPage::url( array( 'result' => 'crm_unavailable' ) ) ) . '"', $failures['description'] );
		$this->assertStringContainsString( 'href="' . esc_url( LogPage::url( array( 'result' => 'contact_not_found' ) ) ) . '"', $failures['description'] );
		$this->assertSame( 3, array_sum( Log::failures_since( time() - DAY_IN_SECONDS ) ), 'the log\'s own count' );
	}

	public function test_the_profile_panel_shows_the_contact_its_tags_fields_and_last_webhooks_to_administrators(): void {
		$this->configure( array( 'field_map' => array( 'first_name' => 'first_name' ) ) );
		$answer = $this->hook( 'add', 'jane@example.com' );
		$this->assertSame( 'created', $answer['json']['code'] );
		$user = get_user_by( 'id', $answer['json']['user_id'] );
		$this->hook( 'update', 'jane@example.com' );
		$this->hook( 'update', 'other@example.com' );
		update_user_meta( $user->ID, 'customer-io_tags', array( 'vip', 'newsletter' ) );
		$html = $this->panel( $user );
		$this->assertStringContainsString( '<h2>' . esc_html__( 'Webhooks', 'wpf-webhooks' ) . '</h2>', $html );
		$this->assertStringContainsString( 'jane@example.com', $html, 'the contact id' );
		$this->assertStringContainsString( 'vip, newsletter', $html );
		$this->assertStringContainsString( '<th scope="row">first_name</th><td>' . esc_html( get_user_meta( $user->ID, 'first_name', true ) ) . '</td>', $html );
		$this->assertSame( 2, substr_count( $html, 'data-log-id=' ), 'its two webhooks, not the other contact\'s' );
		$this->assertStringContainsString( esc_url( LogPage::url( array( 's' => 'jane@example.com' ) ) ), $html );
		$subscriber = wp_insert_user(
			array(
				'user_login' => 'sub',
				'user_pass'  => wp_generate_password(),
				'role'       => 'subscriber',
			)
		);
		wp_set_current_user( $subscriber );
		$this->assertSame( '', $this->panel( get_user_by( 'id', $subscriber ) ), 'not for a user without the capability, on their own profile' );
	}

	public function test_a_front_end_profile_form_gets_the_panel_without_wp_admins_classes(): void {
		$out = shell_exec( escapeshellarg( PHP_BINARY ) . ' ' . escapeshellarg( __DIR__ . '/fixtures/front-end-profile.php' ) . ' 2>&1' );
		$this->assertSame( "shown\n", $out );
	}

	public function test_the_panel_never_shows_the_password_hash_of_a_mapped_user_pass(): void {
		$this->configure( array( 'field_map' => array( 'first_name' => 'first_name', 'user_pass' => 'plan' ) ) );
		wp_set_current_user( 1 );
		$html = $this->panel( get_userdata( 1 ) );
		$this->assertStringContainsString( '<th scope="row">first_name</th>', $html );
		$this->assertStringNotContainsString( get_userdata( 1 )->user_pass, $html );
		$this->assertStringNotContainsString( '>user_pass<', $html );
	}

	public function test_the_users_list_has_a_tags_column_hidden_until_screen_options_show_it(): void {
		$answer = $this->hook( 'add', 'jane@example.com' );
		update_user_meta( $answer['json']['user_id'], 'customer-io_tags', array( 'vip', 'newsletter' ) );
		$columns = apply_filters( 'manage_users_columns', array( 'username' => 'Username' ) );
		$this->assertArrayHasKey( UserPanel::TAGS_COLUMN, $columns );
		$this->assertSame( 'vip, newsletter', apply_filters( 'manage_users_custom_column', '', UserPanel::TAGS_COLUMN, $answer['json']['user_id'] ) );
		$this->assertSame( 'kept', apply_filters( 'manage_users_custom_column', 'kept', 'posts', $answer['json']['user_id'] ), 'another column untouched' );
		$screen = \WP_Screen::get( 'users' );
		$this->assertContains( UserPanel::TAGS_COLUMN, apply_filters( 'default_hidden_columns', array(), $screen ), 'off by default' );
		$this->assertNotContains( UserPanel::TAGS_COLUMN, apply_filters( 'default_hidden_columns', array(), \WP_Screen::get( 'edit-post' ) ) );
	}

	public function test_the_plugins_screen_shows_the_plugins_name_author_and_a_settings_link(): void {
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		$data = get_plugin_data( WPF_WEBHOOKS_FILE, false, false );
		$this->assertSame( 'WPF Webhooks', $data['Name'] );
		$this->assertSame( 'The wpf-webhooks maintainers', $data['Author'] );
		$this->assertSame( 'wpf-webhooks', $data['TextDomain'] );
		$this->assertSame( '/languages', $data['DomainPath'] );
		$this->assertFileExists( dirname( WPF_WEBHOOKS_FILE ) . '/languages/wpf-webhooks.pot' );
		$links = apply_filters( 'plugin_action_links_' . plugin_basename( WPF_WEBHOOKS_FILE ), array( 'deactivate' => '<a href="#">Deactivate</a>' ) );
		$this->assertSame( 'settings', array_key_first( $links ), 'Settings first' );
		$this->assertStringContainsString( esc_url( \WpfWebhooks\Admin\SettingsPage::url() ), $links['settings'] );
	}

	public function test_translations_come_from_the_plugins_languages_folder_when_a_string_needs_them_from_the_first(): void {
		$mo_file = dirname( WPF_WEBHOOKS_FILE ) . '/languages/wpf-webhooks-fr_FR.mo';
		$mo      = new \MO();
		$mo->add_entry( new \Translation_Entry( array( 'singular' => 'Webhook Logs', 'translations' => array( 'Journal des webhooks' ) ) ) );
		$this->assertTrue( $mo->export_to_file( $mo_file ) );
		$reads = array();
		$count = function ( $domain, $file ) use ( &$reads ) {
			if ( 'wpf-webhooks' === $domain ) {
				$reads[] = $file;
			}
		};
		add_action( 'load_textdomain', $count, 10, 2 );
		$french = fn() => 'fr_FR';
		try {
			\WpfWebhooks\Plugin::register_translations();
			$this->assertSame( array(), $reads, 'registering them reads no file' );
			add_filter( 'determine_locale', $french );
			unload_textdomain( 'wpf-webhooks', true );
			$this->assertSame( 'Journal des webhooks', __( 'Webhook Logs', 'wpf-webhooks' ), 'the first string loads them' );
			$this->assertSame( array( $mo_file ), $reads );

			$answer = Site::webhook( array( 'page' => uniqid() ), null, array( 'X-Test-Locale: fr_FR' ), 'GET' );
			$this->assertSame( array( 'early' => 'Journal des webhooks', 'init' => 'Journal des webhooks' ), $answer['json'], 'a string asked before init (another plugin\'s wp_schedule_event() at plugins_loaded) is translated, and so are the later ones' );
		} finally {
			remove_filter( 'determine_locale', $french );
			unload_textdomain( 'wpf-webhooks', true );
			remove_action( 'load_textdomain', $count, 10 );
			unlink( $mo_file );
		}
	}

	/**
	 * The profile panel of a user, as the current user sees it.
	 *
	 * @param \WP_User $user The user.
	 */
	private function panel( \WP_User $user ): string {
		ob_start();
		do_action( get_current_user_id() === $user->ID ? 'show_user_profile' : 'edit_user_profile', $user );
		return (string) ob_get_clean();
	}
}
