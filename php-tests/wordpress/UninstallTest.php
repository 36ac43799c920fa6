<?php
/**
 * Ring 3: uninstalling removes everything the plugin stored, and nothing that belongs to the site.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Admin\SettingsPage;
use WpfWebhooks\ContactLinks;
use WpfWebhooks\Deliveries;
use WpfWebhooks\Log;
use WpfWebhooks\Plugin;
use WpfWebhooks\QueueRunner;
use WpfWebhooks\Schema;
use WpfWebhooks\Settings;

/**
 * uninstall.php, run as WordPress runs it, in its own process.
 */
final class UninstallTest extends WebhookTestCase {

	public function test_uninstall_removes_options_tables_and_events_but_keeps_users(): void {
		global $wpdb;
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'jane@example.com' ) );
		Plugin::activate();
		update_option( SettingsPage::KEY_REGENERATED_OPTION, time(), false );
		Log::counts( DAY_IN_SECONDS, 30 );
		Log::forget_counts();
		Log::counts( DAY_IN_SECONDS, 30 );
		set_transient( \WpfWebhooks\Endpoint::CHECK_SEEN, 'unsigned', MINUTE_IN_SECONDS ); // As the webhook URL check leaves it.
		$this->assertNotFalse( wp_next_scheduled( QueueRunner::CRON_HOOK ), 'activation schedules the queue worker' );
		$tables = array( 'deliveries', 'log', 'queue', 'refused' );
		foreach ( $tables as $table ) {
			$this->assertSame( Schema::table( $table ), $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', Schema::table( $table ) ) ), "{$table} is there before" );
		}
		$this->assertSame( ContactLinks::table(), $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', ContactLinks::table() ) ) );
		$this->assertNotFalse( wp_next_scheduled( ContactLinks::CRON_HOOK ), 'activation starts the backfill' );
		[ $status, $out ] = Site::uninstall_plugin();
		$this->assertSame( 0, $status, $out );
		wp_cache_flush();
		try {
			$this->assertFalse( get_option( Settings::OPTION ) );
			$this->assertFalse( get_option( Schema::VERSION_OPTION ) );
			$this->assertFalse( get_option( SettingsPage::KEY_REGENERATED_OPTION ) );
			$this->assertFalse( get_option( \WpfWebhooks\Staging::OPTION ) );
			$this->assertSame( array(), $wpdb->get_col( "SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE '%wpf\\_webhooks%'" ), 'no option, no transient of the plugin is left' ); // phpcs:ignore WordPress.DB
			foreach ( $tables as $table ) {
				$this->assertNull( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', Schema::table( $table ) ) ), $table );
			}
			$this->assertNull( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', ContactLinks::table() ) ), 'the contact links' );
			$this->assertFalse( get_site_option( ContactLinks::BACKFILL_OPTION ) );
			$this->assertFalse( wp_next_scheduled( ContactLinks::CRON_HOOK ) );
			$this->assertFalse( wp_next_scheduled( Deliveries::CLEANUP_EVENT ) );
			$this->assertFalse( wp_next_scheduled( Log::PRUNE_EVENT ) );
			$this->assertFalse( wp_next_scheduled( QueueRunner::CRON_HOOK ) );
			$user = $this->user( 'jane@example.com' );
			$this->assertNotNull( $user, 'users belong to the site' );
			$this->assertSame( 'jane@example.com', get_user_meta( $user->ID, 'customer-io_contact_id', true ) );
		} finally {
			Plugin::activate();
			$this->configure();
		}
	}
}
