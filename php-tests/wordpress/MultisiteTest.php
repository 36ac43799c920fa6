<?php
/**
 * Ring 3: a subdirectory multisite network (scripts/wp-env.sh with WPF_MULTISITE=1), whose users are shared by
 * its sites.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Admin\SettingsPage;
use WpfWebhooks\ContactLinks;
use WpfWebhooks\Plugin;
use WpfWebhooks\QueueRunner;
use WpfWebhooks\Contract;
use WpfWebhooks\Schema;
use WpfWebhooks\Settings;
use WpfWebhooks\UserStore;

/**
 * Webhooks to the main site; the network's second site at /site2/.
 *
 * @group multisite
 */
final class MultisiteTest extends WebhookTestCase {

	/**
	 * The header that makes the site's wp-config.php allow `add` to join users of other sites (php-tests/mu).
	 */
	const JOIN = 'X-WPF-Test-Join-Network-Users: 1';

	public function test_a_user_privileged_on_another_site_of_the_network_is_never_modified(): void {
		$boss = $this->user_of_second_site( 'boss@example.com', 'administrator' );
		self::$sandbox->put_person( array( 'email' => 'boss@example.com', 'attributes' => array( 'first_name' => 'Mallory' ) ) );
		$answer = $this->hook( 'update', 'boss@example.com' );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( $boss, $answer['json']['user_id'], 'found network-wide' );
		$this->assertSame( array( 'privileged_user_untouched' ), $answer['json']['warnings'] );
		$this->assertSame( 'Real', get_userdata( $boss )->first_name );
	}

	public function test_a_user_of_this_site_with_no_privilege_anywhere_is_updated(): void {
		$reader = $this->user_of_second_site( 'reader@example.com', 'subscriber' );
		add_user_to_blog( get_main_site_id(), $reader, 'subscriber' );
		self::$sandbox->put_person( array( 'email' => 'reader@example.com', 'attributes' => array( 'first_name' => 'Renamed' ) ) );
		$answer = $this->hook( 'update', 'reader@example.com' );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( array(), $answer['json']['warnings'] );
		$this->assertSame( 'Renamed', get_userdata( $reader )->first_name );
	}

	public function test_a_user_of_another_site_only_is_left_alone_unless_the_network_lets_add_join_them(): void {
		$stranger = $this->user_of_second_site( 'stranger@example.com', 'subscriber' );
		update_user_meta( $stranger, 'customer-io_tags', array( '7' ) );
		self::$sandbox->put_person( array( 'email' => 'stranger@example.com', 'attributes' => array( 'first_name' => 'Mallory' ), 'segments' => array( 11, '42' ) ) );
		$calls = array( array( 'update', array() ), array( 'update_tags', array() ), array( 'add', array() ), array( 'update', array( self::JOIN ) ), array( 'update_tags', array( self::JOIN ) ) );
		foreach ( $calls as [ $action, $headers ] ) {
			$answer = $this->hook( $action, 'stranger@example.com', array(), $headers );
			$this->assertAnswer( 200, 'updated', $answer );
			$this->assertSame( $stranger, $answer['json']['user_id'], $action );
			$this->assertSame( array( 'user_of_another_site_untouched' ), $answer['json']['warnings'], $action );
		}
		$this->assertSame( 'Real', get_userdata( $stranger )->first_name );
		$this->assertSame( array( '7' ), get_user_meta( $stranger, 'customer-io_tags', true ), 'the tags WP Fusion reads on every site' );
		$this->assertSame( array(), get_user_meta( $stranger, 'customer-io_contact_id' ), 'not linked either' );
		$this->assertFalse( is_user_member_of_blog( $stranger, get_main_site_id() ), 'not added to this site' );
		$this->assertSame( array(), Site::json_lines( 'actions.log' ), 'no WP Fusion action fired' );
	}

	public function test_add_makes_a_user_of_another_site_only_a_member_of_this_one_with_the_allowed_role(): void {
		$this->configure( array( 'allowed_roles' => array( 'subscriber', 'author' ) ) );
		$member = $this->user_of_second_site( 'member@example.com', 'subscriber' );
		self::$sandbox->put_person( array( 'email' => 'member@example.com', 'attributes' => array( 'first_name' => 'Joined' ), 'segments' => array( 11 ) ) );
		$answer = $this->hook( 'add', 'member@example.com', array( 'role' => 'author', 'send_notification' => 'true' ), array( self::JOIN ) );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( $member, $answer['json']['user_id'], 'the network\'s user, not a second one' );
		$this->assertSame( array(), $answer['json']['warnings'] );
		$this->assertSame( 2, $this->user_count() );
		$this->assertTrue( is_user_member_of_blog( $member, get_main_site_id() ) );
		$this->assertSame( array( 'author' ), ( new \WP_User( $member, '', get_main_site_id() ) )->roles );
		$this->assertSame( array( 'subscriber' ), ( new \WP_User( $member, '', $this->second_site() ) )->roles, 'its role on its own site stays' );
		$this->assertSame( 'Joined', get_userdata( $member )->first_name, 'then updated as add updates a user' );
		$this->assertSame( array( '11' ), get_user_meta( $member, 'customer-io_tags', true ) );
		$this->assertSame( 'member@example.com', get_user_meta( $member, 'customer-io_contact_id', true ) );
		$this->assertSame( array(), $this->password_writes(), 'no password: the user has one' );
		$this->assertSame( array(), Site::json_lines( 'mail.log' ), 'no new-user email' );

		$again = $this->hook( 'update', 'member@example.com' );
		$this->assertSame( array(), $again['json']['warnings'], 'a member of this site now' );
	}

	public function test_a_user_of_another_site_joins_with_the_default_role_when_the_one_asked_is_not_allowed(): void {
		$member = $this->user_of_second_site( 'member@example.com', 'subscriber' );
		self::$sandbox->put_person( array( 'email' => 'member@example.com' ) );
		$answer = $this->hook( 'add', 'member@example.com', array( 'role' => 'administrator' ), array( self::JOIN ) );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( array( 'role_not_allowed' ), $answer['json']['warnings'], 'the role\'s warning, not Return Password\'s' );
		$this->assertSame( array( 'subscriber' ), ( new \WP_User( $member, '', get_main_site_id() ) )->roles );
	}

	public function test_a_user_privileged_on_another_site_is_not_added_to_this_one(): void {
		$boss = $this->user_of_second_site( 'boss@example.com', 'editor' );
		self::$sandbox->put_person( array( 'email' => 'boss@example.com' ) );
		$answer = $this->hook( 'add', 'boss@example.com', array(), array( self::JOIN ) );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( array( 'privileged_user_untouched' ), $answer['json']['warnings'] );
		$this->assertFalse( is_user_member_of_blog( $boss, get_main_site_id() ) );
	}

	public function test_a_membership_wordpress_refuses_leaves_the_user_alone_and_is_not_retried(): void {
		$member = $this->user_of_second_site( 'member@example.com', 'subscriber' );
		self::$sandbox->put_person( array( 'email' => 'member@example.com', 'attributes' => array( 'first_name' => 'Joined' ) ) );
		$answer = $this->hook( 'add', 'member@example.com', array(), array( self::JOIN, 'X-WPF-Test-Refuse-Membership: 1' ) );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( array( 'user_of_another_site_untouched' ), $answer['json']['warnings'] );
		$this->assertFalse( is_user_member_of_blog( $member, get_main_site_id() ) );
		$this->assertSame( 'Real', get_userdata( $member )->first_name, 'nothing written' );
		$this->assertSame( array(), get_user_meta( $member, 'customer-io_contact_id' ) );
	}

	public function test_a_visitors_admin_request_sets_nothing_up(): void {
		switch_to_blog( $this->second_site() );
		$settings = get_option( Settings::OPTION );
		$recorded = get_option( \WpfWebhooks\Staging::OPTION );
		try {
			delete_option( Settings::OPTION );
			delete_option( \WpfWebhooks\Staging::OPTION );
			wp_set_current_user( 0 ); // admin-ajax.php and admin-post.php run admin_init for anyone.
			Plugin::install_site();
			$this->assertFalse( get_option( Settings::OPTION ) );
			$this->assertFalse( get_option( \WpfWebhooks\Staging::OPTION ), 'a stranger\'s Host header is never the URL recorded' );
		} finally {
			false === $settings || update_option( Settings::OPTION, $settings );
			false === $recorded || update_option( \WpfWebhooks\Staging::OPTION, $recorded );
			restore_current_blog();
		}
	}

	public function test_network_deactivation_stops_every_sites_events(): void {
		$site = $this->second_site();
		switch_to_blog( $site );
		Plugin::activate();
		$this->assertNotFalse( wp_next_scheduled( QueueRunner::CRON_HOOK ) );
		restore_current_blog();
		try {
			Plugin::deactivate( true );
			foreach ( array( get_main_site_id(), $site ) as $id ) {
				switch_to_blog( $id );
				$this->assertFalse( wp_next_scheduled( QueueRunner::CRON_HOOK ), "site $id" );
				$this->assertFalse( wp_next_scheduled( \WpfWebhooks\Log::PRUNE_EVENT ), "site $id" );
				restore_current_blog();
			}
		} finally {
			$this->activate_again( $site );
		}
	}

	public function test_a_site_made_after_network_activation_is_set_up_and_its_tables_go_with_it(): void {
		global $wpdb;
		$host = wp_parse_url( getenv( 'WPF_SITE_URL' ), PHP_URL_HOST ) . ':' . wp_parse_url( getenv( 'WPF_SITE_URL' ), PHP_URL_PORT );
		$_SERVER['REMOTE_ADDR'] = '127.0.0.1'; // WordPress logs it with a new site.
		$site                   = wp_insert_site( array( 'domain' => $host, 'path' => '/site3/', 'title' => 'site 3', 'user_id' => 1 ) );
		unset( $_SERVER['REMOTE_ADDR'] );
		$this->assertIsInt( $site );
		try {
			switch_to_blog( $site );
			$settings = get_option( Settings::OPTION );
			$queue    = Schema::table( 'queue' );
			restore_current_blog();
			$this->assertIsArray( $settings, 'its own settings' );
			$this->assertGreaterThanOrEqual( 32, strlen( $settings['access_key'] ), 'with its own key' );
			$this->assertNotSame( self::KEY, $settings['access_key'] );
			$this->assertSame( $queue, $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $queue ) ), 'and its own tables' );
		} finally {
			$deleted = wp_delete_site( $site );
		}
		$this->assertNotWPError( $deleted );
		$this->assertNull( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $queue ) ), 'deleting the site drops them' );
	}

	public function test_each_site_answers_with_its_own_key_and_logs_in_its_own_log(): void {
		global $wpdb;
		$site = $this->second_site();
		switch_to_blog( $site );
		delete_option( Settings::OPTION ); // As on a site of the network that no administrator has opened yet.
		delete_option( \WpfWebhooks\Staging::OPTION );
		$this->assertNotFalse( has_action( 'admin_init', array( Plugin::class, 'install_site' ) ), 'the first admin page of a site sets it up' );
		wp_set_current_user( 1 );
		Plugin::install_site();
		wp_set_current_user( 0 );
		$key = Settings::get()['access_key'];
		$log = Schema::table( 'log' );
		$wpdb->query( "DELETE FROM $log" ); // phpcs:ignore WordPress.DB
		restore_current_blog();
		$this->assertGreaterThanOrEqual( 32, strlen( $key ) );
		$url    = getenv( 'WPF_SITE_URL' ) . '/site2/?wpf_action=test&access_key=';
		$answer = fn( string $key ) => json_decode( (string) wp_remote_retrieve_body( wp_remote_get( $url . rawurlencode( $key ) ) ), true );
		$this->assertSame( 'ok', $answer( $key )['code'] ?? null );
		$this->assertSame( 'forbidden', $answer( self::KEY )['code'] ?? null, 'the main site\'s key is not /site2/\'s' );
		$this->assertSame( 1, (int) $wpdb->get_var( "SELECT COUNT(*) FROM $log" ), '/site2/\'s webhook in /site2/\'s log' ); // phpcs:ignore WordPress.DB
		$this->assertSame( 0, (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . Schema::table( 'log' ) ), 'none in the main site\'s' ); // phpcs:ignore WordPress.DB
	}

	public function test_contact_links_are_the_networks_and_follow_its_users(): void {
		global $wpdb;
		$member = $this->user_of_second_site( 'member@example.com', 'subscriber' );
		$links  = fn() => array_map( 'intval', $wpdb->get_col( $wpdb->prepare( 'SELECT user_id FROM ' . ContactLinks::table() . ' WHERE slug = %s AND contact_hash = %s', 'customer-io', ContactLinks::hash( 'member@example.com' ) ) ) ); // phpcs:ignore WordPress.DB
		switch_to_blog( $this->second_site() );
		update_user_meta( $member, 'customer-io_contact_id', 'member@example.com' );
		$this->assertSame( $wpdb->base_prefix . 'wpf_webhooks_contact_links', ContactLinks::table(), 'one table for the network, as its users are' );
		restore_current_blog();
		$this->assertSame( array( $member ), $links(), 'written on the second site, seen from the main one' );
		$this->assertTrue( ContactLinks::is_complete(), 'the plugin is network-activated: every site keeps the links' );
		$this->assertSame( $member, UserStore::find( 'customer-io', 'member@example.com' )->ID );

		switch_to_blog( $this->second_site() );
		wp_delete_user( $member ); // On a network: removes the user from this site only.
		restore_current_blog();
		$this->assertSame( array( $member ), $links(), 'still a user of the network' );
		wpmu_delete_user( $member );
		$this->assertSame( array(), $links(), 'deleted from the network' );
	}

	public function test_where_the_plugin_is_not_network_activated_the_lowest_user_holding_a_contact_id_wins(): void {
		global $wpdb;
		$low  = $this->user_of_second_site( 'low@example.com', 'subscriber' );
		$high = $this->user_of_second_site( 'high@example.com', 'subscriber' );
		update_user_meta( $low, 'customer-io_contact_id', 'shared@example.com' );
		// Written on a site where the plugin is not active: the meta, and no link.
		$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . ContactLinks::table() . ' WHERE user_id = %d', $low ) ); // phpcs:ignore WordPress.DB
		update_user_meta( $high, 'customer-io_contact_id', 'shared@example.com' );
		// In this process only: a test that dies here leaves the network as it was.
		$deactivated = fn( $network ) => array_diff_key( (array) $network, array( plugin_basename( WPF_WEBHOOKS_FILE ) => true ) );
		add_filter( 'site_option_active_sitewide_plugins', $deactivated );
		try {
			$this->assertFalse( ContactLinks::is_complete(), 'active on some sites only: the links may miss what the others write' );
			$this->assertSame( $low, UserStore::find( 'customer-io', 'shared@example.com' )->ID, 'the scan still finds the lower user, though the higher one is linked' );
		} finally {
			remove_filter( 'site_option_active_sitewide_plugins', $deactivated );
		}
	}

	public function test_a_site_whose_queue_workers_are_all_busy_does_not_hold_up_another_sites_queue(): void {
		$this->assertSame( 202, $this->hook( 'update', 'jane@example.com', array( 'async' => 'true' ), array( 'X-Test-Queue-Only: 1' ) )['status'] );
		$this->while_fixture_holds(
			'site-queue-slots.php',
			array( (string) $this->second_site() ),
			fn() => $this->assertSame( 1, QueueRunner::work(), '/site2/\'s workers hold none of the main site\'s slots' )
		);
	}

	public function test_only_a_network_administrator_may_set_the_api_base_urls(): void {
		global $wp_settings_errors;
		$admin = $this->user_of_second_site( 'siteadmin@example.com', 'administrator' );
		switch_to_blog( $this->second_site() );
		$_POST['option_page'] = SettingsPage::GROUP;
		try {
			$this->configure();
			$before = Settings::get();
			wp_set_current_user( $admin );
			$this->assertTrue( current_user_can( SettingsPage::CAPABILITY ), 'the site\'s administrator manages its webhooks' );
			$wp_settings_errors = array(); // phpcs:ignore WordPress.WP.GlobalVariablesOverride
			$saved              = SettingsPage::sanitize(
				array(
					'crm'                  => 'customerly',
					'customerio_app_url'   => $before['customerio_app_url'],
					'customerio_track_url' => 'http://127.0.0.1:3306/',
					'customerly_api_url'   => 'http://169.254.169.254/latest',
				)
			);
			$this->assertEqualsCanonicalizing( array( 'wpf_customerio_track_url', 'wpf_customerly_api_url' ), array_column( get_settings_errors( Settings::OPTION ), 'code' ), 'a value posted unchanged (the read-only field) is no error' );
			$urls = array_column( wp_list_filter( Contract::settings(), array( 'kind' => 'base_url' ) ), 'key' );
			$this->assertCount( 3, $urls );
			$this->assertSame( array_intersect_key( $before, array_flip( $urls ) ), array_intersect_key( $saved, array_flip( $urls ) ), 'the values already set stay' );
			$this->assertSame( 'customerly', $saved['crm'], 'the rest is saved' );
			ob_start();
			SettingsPage::render();
			$page = (string) ob_get_clean();
			foreach ( $urls as $key ) {
				$this->assertMatchesRegularExpression( '/<input[^>]* name="' . preg_quote( Settings::OPTION . "[$key]", '/' ) . '"[^>]* readonly[ >]/', $page, $key );
			}

			wp_set_current_user( 1 );
			$this->assertTrue( is_super_admin() );
			$wp_settings_errors = array(); // phpcs:ignore WordPress.WP.GlobalVariablesOverride
			$saved              = SettingsPage::sanitize( array( 'customerly_api_url' => 'https://proxy.example.com/v1' ) );
			$this->assertSame( array(), get_settings_errors( Settings::OPTION ) );
			$this->assertSame( 'https://proxy.example.com/v1', $saved['customerly_api_url'], 'a super admin sets them' );
		} finally {
			wp_set_current_user( 0 );
			$_POST = array();
			restore_current_blog();
		}
	}

	public function test_uninstall_cleans_every_site(): void {
		global $wpdb;
		$site = $this->second_site();
		switch_to_blog( $site );
		Plugin::activate();
		update_option( SettingsPage::KEY_REGENERATED_OPTION, time(), false );
		\WpfWebhooks\Log::forget_counts();
		restore_current_blog();
		[ $status, $out ] = Site::uninstall_plugin();
		try {
			$this->assertSame( 0, $status, $out );
			wp_cache_flush();
			$this->assertNull( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', ContactLinks::table() ) ), 'the network\'s contact links' );
			$this->assertFalse( get_site_option( ContactLinks::BACKFILL_OPTION ) );
			foreach ( array( get_main_site_id(), $site ) as $id ) {
				switch_to_blog( $id );
				wp_cache_flush();
				$this->assertFalse( get_option( Settings::OPTION ), "site $id: settings" );
				$this->assertFalse( get_option( SettingsPage::KEY_REGENERATED_OPTION ), "site $id: key regeneration time" );
				$this->assertFalse( get_option( \WpfWebhooks\Staging::OPTION ), "site $id: its recorded URL" );
				$this->assertSame( array(), $wpdb->get_col( "SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE '%wpf\\_webhooks%'" ), "site $id: no option, no transient of the plugin" ); // phpcs:ignore WordPress.DB
				$this->assertNull( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', Schema::table( 'queue' ) ) ), "site $id: queue table" );
				$this->assertFalse( wp_next_scheduled( ContactLinks::CRON_HOOK ), "site $id: backfill" );
				$this->assertFalse( wp_next_scheduled( QueueRunner::CRON_HOOK ), "site $id: queue worker" );
				restore_current_blog();
			}
		} finally {
			$this->activate_again( $site );
			$this->configure();
		}
	}

	/**
	 * Activates the plugin again on the second site and the main one, as the network had it.
	 *
	 * @param int $site The second site.
	 */
	private function activate_again( int $site ): void {
		switch_to_blog( $site );
		Plugin::activate();
		restore_current_blog();
		Plugin::activate();
	}

	/**
	 * Asserts a value is not a WP_Error.
	 *
	 * @param mixed $value The value.
	 */
	private function assertNotWPError( $value ): void {
		$this->assertFalse( is_wp_error( $value ), is_wp_error( $value ) ? $value->get_error_message() : '' );
	}

	/**
	 * The network's second site (made by scripts/wp-env.sh).
	 */
	private function second_site(): int {
		$site = get_site_by_path( wp_parse_url( getenv( 'WPF_SITE_URL' ), PHP_URL_HOST ) . ':' . wp_parse_url( getenv( 'WPF_SITE_URL' ), PHP_URL_PORT ), '/site2/' );
		$this->assertNotFalse( $site, 'the test network has /site2/' );
		$this->assertNotSame( get_main_site_id(), (int) $site->blog_id );
		return (int) $site->blog_id;
	}

	/**
	 * A user with a role on the second site only, named Real.
	 *
	 * @param string $email The email.
	 * @param string $role  The role there.
	 */
	private function user_of_second_site( string $email, string $role ): int {
		switch_to_blog( $this->second_site() );
		$id = wp_insert_user( array( 'user_login' => strtok( $email, '@' ), 'user_email' => $email, 'user_pass' => wp_generate_password(), 'role' => $role, 'first_name' => 'Real' ) );
		restore_current_blog();
		$this->assertIsInt( $id );
		$this->assertFalse( is_user_member_of_blog( $id, get_main_site_id() ), 'no role on the main site' );
		$this->assertFalse( is_super_admin( $id ) );
		return $id;
	}
}
