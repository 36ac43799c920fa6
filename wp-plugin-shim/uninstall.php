<?php
/**
 * Removes everything the plugin stored: its settings, its tables (queued webhooks included) and its scheduled events,
 * on every site of a multisite network, then the network's contact links. Users and their WP Fusion-compatible meta
 * stay: they belong to the site.
 *
 * @package WpfWebhooks
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-settings.php';
require_once __DIR__ . '/includes/class-staging.php';
require_once __DIR__ . '/includes/class-schema.php';
require_once __DIR__ . '/includes/class-contact-links.php';
require_once __DIR__ . '/includes/class-deliveries.php';
require_once __DIR__ . '/includes/class-log.php';
require_once __DIR__ . '/includes/class-queue-runner.php';
require_once __DIR__ . '/includes/admin/class-settings-page.php';

foreach ( is_multisite() ? get_sites( array( 'fields' => 'ids', 'number' => 0 ) ) : array( 0 ) as $wpf_webhooks_site ) {
	if ( $wpf_webhooks_site ) {
		switch_to_blog( $wpf_webhooks_site );
	}
	delete_option( WpfWebhooks\Settings::OPTION );
	delete_option( WpfWebhooks\Staging::OPTION );
	delete_option( WpfWebhooks\Admin\SettingsPage::KEY_REGENERATED_OPTION );
	WpfWebhooks\Schema::drop();
	wp_clear_scheduled_hook( WpfWebhooks\Deliveries::CLEANUP_EVENT );
	wp_clear_scheduled_hook( WpfWebhooks\Log::PRUNE_EVENT );
	wp_clear_scheduled_hook( WpfWebhooks\QueueRunner::CRON_HOOK );
	wp_clear_scheduled_hook( WpfWebhooks\ContactLinks::CRON_HOOK );
	if ( $wpf_webhooks_site ) {
		restore_current_blog();
	}
}
WpfWebhooks\ContactLinks::drop(); // The network's, once.
