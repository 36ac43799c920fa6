<?php
/**
 * Ring 3: a staging copy of a production site writes nothing to the CRM (CONTRACT §2 "Staging copies").
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Admin\SiteHealth;
use WpfWebhooks\Staging;

/**
 * A copy is told by its URL (differing from the one recorded when the plugin was set up) or by a constant.
 */
final class StagingTest extends WebhookTestCase {

	const PRODUCTION = 'https://shop.example.com';

	protected function setUp(): void {
		parent::setUp();
		Staging::record( get_site_url() );
	}

	protected function tearDown(): void {
		Staging::record( get_site_url() );
		$_REQUEST = array();
		wp_set_current_user( 0 );
		remove_all_filters( 'wp_redirect' );
		remove_all_filters( 'wp_die_handler' );
		parent::tearDown();
	}

	public function test_a_copy_at_another_url_creates_users_from_the_crm_but_writes_no_password_to_it(): void {
		Staging::record( self::PRODUCTION );
		$this->assertTrue( Staging::is_staging() );
		$answer = $this->hook( 'add', 'jane@example.com' );
		$this->assertAnswer( 200, 'created', $answer );
		$this->assertSame( array( 'staging_mode' ), $answer['json']['warnings'] );
		$this->assertSame( array(), $this->password_writes(), 'Return Password skipped' );
		$jane = $this->user( 'jane@example.com' );
		$this->assertSame( 'Jane', $jane->first_name, 'read from the CRM as on the real site' );
		$this->assertSame( $answer['json']['user_id'], $jane->ID );

		self::$sandbox->put_person( array( 'email' => 'john@example.com' ) );
		$this->assertSame( 202, $this->hook( 'add', 'john@example.com', array( 'async' => 'true' ) )['status'] );
		$this->assertTrue( $this->run_cron_until( fn() => null !== $this->user( 'john@example.com' ) ), 'the queued webhook ran' );
		$this->assertSame( array(), $this->password_writes(), 'nor from the queue' );
		global $wpdb;
		$warnings = $wpdb->get_var( $wpdb->prepare( 'SELECT warnings FROM ' . \WpfWebhooks\Schema::table( 'log' ) . " WHERE contact = %s AND code = 'created'", 'john@example.com' ) ); // phpcs:ignore WordPress.DB
		$this->assertStringContainsString( 'staging_mode', (string) $warnings, 'the log says why' );
	}

	public function test_the_real_site_writes_the_password(): void {
		$this->assertFalse( Staging::is_staging() );
		$answer = $this->hook( 'add', 'jane@example.com' );
		$this->assertAnswer( 200, 'created', $answer );
		$this->assertSame( array(), $answer['json']['warnings'] );
		$this->assertCount( 1, $this->password_writes() );
	}

	public function test_either_constant_makes_a_staging_copy(): void {
		foreach ( array( 'WPF_STAGING_MODE', 'WPF_WEBHOOKS_STAGING_MODE' ) as $i => $constant ) {
			self::$sandbox->put_person( array( 'email' => "user$i@example.com" ) );
			$answer = $this->hook( 'add', "user$i@example.com", array(), array( "X-WPF-Test-Staging-Constant: $constant" ) );
			$this->assertAnswer( 200, 'created', $answer );
			$this->assertSame( array( 'staging_mode' ), $answer['json']['warnings'], $constant );
		}
		$this->assertSame( array(), $this->password_writes() );
	}

	public function test_the_plugins_constant_defined_false_makes_the_real_site_whatever_its_url(): void {
		Staging::record( self::PRODUCTION );
		$answer = $this->hook( 'add', 'jane@example.com', array(), array( 'X-WPF-Test-Staging-Constant: false' ) );
		$this->assertAnswer( 200, 'created', $answer );
		$this->assertSame( array(), $answer['json']['warnings'] );
		$this->assertCount( 1, $this->password_writes() );
	}

	public function test_the_recorded_url_survives_a_search_and_replace_of_the_database(): void {
		global $wpdb;
		$raw = (string) $wpdb->get_var( $wpdb->prepare( "SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", Staging::OPTION ) );
		$this->assertStringNotContainsString( (string) wp_parse_url( get_site_url(), PHP_URL_HOST ), $raw, 'a migration tool replacing the URL or the host everywhere leaves it alone' );
		$this->assertSame( get_site_url(), Staging::recorded() );
		$copy = static fn() => self::PRODUCTION;
		add_filter( 'option_siteurl', $copy );
		try {
			$this->assertTrue( Staging::is_staging(), 'the database of the real site, copied to another URL' );
		} finally {
			remove_filter( 'option_siteurl', $copy );
		}
		$mapped = static fn() => self::PRODUCTION;
		add_filter( 'site_url', $mapped );
		try {
			$this->assertFalse( Staging::is_staging(), 'a domain one request is answered on (mapping, a language) is not a copy' );
		} finally {
			remove_filter( 'site_url', $mapped );
		}
	}

	public function test_the_same_site_over_https_or_with_a_trailing_slash_is_not_a_copy(): void {
		$host = wp_parse_url( get_site_url(), PHP_URL_HOST );
		$port = wp_parse_url( get_site_url(), PHP_URL_PORT );
		foreach ( array( 'https://', 'http://' ) as $scheme ) {
			Staging::record( "$scheme$host:$port/" );
			$this->assertFalse( Staging::is_staging(), $scheme );
		}
		Staging::record( "http://www.$host:$port" );
		$this->assertTrue( Staging::is_staging(), 'another host is another site' );
		Staging::record( "http://$host:" . ( $port + 1 ) );
		$this->assertTrue( Staging::is_staging(), 'so is another port' );
		$real = static fn() => 'https://shop.example.com:443';
		add_filter( 'option_siteurl', $real );
		try {
			Staging::record( 'http://shop.example.com' );
			$this->assertFalse( Staging::is_staging(), 'a default port is no port' );
		} finally {
			remove_filter( 'option_siteurl', $real );
		}
	}

	public function test_a_site_that_never_recorded_its_url_records_it_on_its_first_admin_page(): void {
		delete_option( Staging::OPTION );
		$this->assertNull( Staging::recorded() );
		$this->assertFalse( Staging::is_staging(), 'not a copy before it knows' );
		\WpfWebhooks\Plugin::install_site();
		$this->assertNull( Staging::recorded(), 'not from a visitor\'s admin-ajax.php request' );
		wp_set_current_user( 1 );
		$this->assertNotFalse( has_action( 'admin_init', array( \WpfWebhooks\Plugin::class, 'install_site' ) ), 'on the first admin page' );
		\WpfWebhooks\Plugin::install_site();
		$this->assertSame( get_site_url(), Staging::recorded() );
	}

	public function test_the_notice_and_site_health_say_so_and_one_click_makes_this_the_real_site(): void {
		require_once ABSPATH . 'wp-admin/includes/class-wp-screen.php';
		require_once ABSPATH . 'wp-admin/includes/screen.php';
		set_current_screen( 'dashboard' );
		wp_set_current_user( 1 );
		$notice = fn() => $this->output( array( Staging::class, 'notice' ) );
		$this->assertSame( '', $notice() );
		$this->assertSame( 'good', SiteHealth::staging_test()['status'] );

		Staging::record( self::PRODUCTION );
		$shown = $notice();
		$this->assertStringContainsString( 'staging', $shown );
		$this->assertStringContainsString( self::PRODUCTION, $shown );
		$this->assertStringContainsString( 'name="action" value="' . Staging::CONFIRM_ACTION . '"', $shown );
		set_current_screen( 'edit-post' );
		$this->assertSame( '', $notice(), 'not on every screen' );
		set_current_screen( 'settings_page_wpf-webhooks' );
		$this->assertStringContainsString( self::PRODUCTION, $notice(), 'on the plugin\'s own' );
		$health = SiteHealth::staging_test();
		$this->assertSame( 'recommended', $health['status'] );
		$this->assertSame( 'wpf_webhooks_staging', $health['test'] );
		$this->assertStringContainsString( self::PRODUCTION, $health['description'] );
		$this->assertArrayHasKey( 'wpf_webhooks_staging', SiteHealth::add_tests( array( 'direct' => array(), 'async' => array() ) )['direct'] );

		wp_set_current_user( 0 );
		$this->assertSame( '', $notice(), 'only for who can act on it' );
		add_filter( 'wp_die_handler', fn() => static function ( $message, $title = '', $args = array() ) {
			throw new \RuntimeException( 'wp_die', (int) ( $args['response'] ?? 0 ) );
		} );
		add_filter( 'wp_redirect', static function ( string $location ) {
			throw new \LogicException( $location );
		} );
		$confirm = function ( bool $nonce ) {
			$_REQUEST = $nonce ? array( '_wpnonce' => wp_create_nonce( Staging::CONFIRM_ACTION ) ) : array();
			try {
				Staging::confirm();
			} catch ( \RuntimeException $e ) {
				return 'died ' . $e->getCode();
			} catch ( \LogicException $redirect ) {
				return $redirect->getMessage();
			}
			return 'returned';
		};
		$this->assertSame( 'died 403', $confirm( true ), 'a visitor' );
		wp_set_current_user( 1 );
		$this->assertStringStartsWith( 'died', $confirm( false ), 'no nonce' );
		$this->assertTrue( Staging::is_staging() );
		$this->assertStringContainsString( 'wp-admin', $confirm( true ) );
		$this->assertFalse( Staging::is_staging(), 'this is the real site now' );
		$this->assertSame( get_site_url(), Staging::recorded() );
		$answer = $this->hook( 'add', 'jane@example.com' );
		$this->assertSame( array(), $answer['json']['warnings'] );
		$this->assertCount( 1, $this->password_writes() );
	}

	/**
	 * What a callable prints.
	 *
	 * @param callable $print It.
	 */
	private function output( callable $print ): string {
		ob_start();
		$print();
		return (string) ob_get_clean();
	}
}
