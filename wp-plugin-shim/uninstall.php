<?php
/**
 * Removes everything the plugin stored: its settings, its tables (queued webhooks included), its transients and its
 * scheduled events, on every site of a multisite network, then the network's contact links. Users and their WP Fusion-compatible meta
 * stay: they belong to the site.
 *
 * @package WpfWebhooks
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-plugin.php';
require_once __DIR__ . '/includes/class-settings.php';
require_once __DIR__ . '/includes/class-staging.php';
require_once __DIR__ . '/includes/class-schema.php';
require_once __DIR__ . '/includes/class-contact-links.php';
require_once __DIR__ . '/includes/class-deliveries.php';
require_once __DIR__ . '/includes/class-log.php';
require_once __DIR__ . '/includes/class-queue-runner.php';
require_once __DIR__ . '/includes/admin/class-settings-page.php';

WpfWebhooks\Plugin::each_site(
	true,
	static function (): void {
		global $wpdb;
		delete_option( WpfWebhooks\Settings::OPTION );
		delete_option( WpfWebhooks\Staging::OPTION );
		delete_option( WpfWebhooks\Admin\SettingsPage::KEY_REGENERATED_OPTION );
		WpfWebhooks\Schema::drop();
		WpfWebhooks\Log::forget_counts();
		delete_option( WpfWebhooks\Log::COUNTS_GENERATION );
		// The short-lived ones too (the URL check's token, a Test connection's result): in the options table unless
		// an object cache keeps them, where they expire.
		$wpdb->query( "DELETE FROM {$wpdb->options} WHERE option_name LIKE '\\_transient\\_wpf\\_webhooks\\_%' OR option_name LIKE '\\_transient\\_timeout\\_wpf\\_webhooks\\_%'" ); // phpcs:ignore WordPress.DB
		WpfWebhooks\Plugin::deactivate();
	}
);
WpfWebhooks\ContactLinks::drop(); // The network's, once.
