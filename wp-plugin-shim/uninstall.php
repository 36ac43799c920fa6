<?php
/**
 * Removes everything the plugin stored: its settings, its tables (queued webhooks included) and its scheduled events,
 * on every site of a multisite network, then the network's contact links. Users and their WP Fusion-compatible meta
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
		delete_option( WpfWebhooks\Settings::OPTION );
		delete_option( WpfWebhooks\Staging::OPTION );
		delete_option( WpfWebhooks\Admin\SettingsPage::KEY_REGENERATED_OPTION );
		WpfWebhooks\Schema::drop();
		WpfWebhooks\Log::forget_counts();
		delete_option( WpfWebhooks\Log::COUNTS_GENERATION );
		WpfWebhooks\Plugin::deactivate();
	}
);
WpfWebhooks\ContactLinks::drop(); // The network's, once.
