<?php
/**
 * Plugin Name: WPF Webhooks
 * Description: Creates and updates WordPress users from Customer.io and Customerly webhooks, with WP Fusion's URLs and user data. Needs the wpf_webhooks PHP extension.
 * Version: 0.1.0
 * Requires at least: 6.5
 * Requires PHP: 8.2
 * Author: The wpf-webhooks maintainers
 * License: GPL-2.0-or-later
 * Text Domain: wpf-webhooks
 * Domain Path: /languages
 *
 * @package WpfWebhooks
 */

defined( 'ABSPATH' ) || exit;

define( 'WPF_WEBHOOKS_VERSION', '0.1.0' );
define( 'WPF_WEBHOOKS_INTERFACE', 12 );
define( 'WPF_WEBHOOKS_FILE', __FILE__ );

require_once __DIR__ . '/includes/class-contract.php';
require_once __DIR__ . '/includes/class-settings.php';
require_once __DIR__ . '/includes/class-staging.php';
require_once __DIR__ . '/includes/class-site-context.php';
require_once __DIR__ . '/includes/class-extension.php';
require_once __DIR__ . '/includes/class-schema.php';
require_once __DIR__ . '/includes/class-response.php';
require_once __DIR__ . '/includes/class-lock.php';
require_once __DIR__ . '/includes/class-deliveries.php';
require_once __DIR__ . '/includes/class-text.php';
require_once __DIR__ . '/includes/class-log.php';
require_once __DIR__ . '/includes/class-new-user.php';
require_once __DIR__ . '/includes/class-plan.php';
require_once __DIR__ . '/includes/class-contact-links.php';
require_once __DIR__ . '/includes/class-user-store.php';
require_once __DIR__ . '/includes/class-retry-policy.php';
require_once __DIR__ . '/includes/class-queue.php';
require_once __DIR__ . '/includes/class-queue-runner.php';
require_once __DIR__ . '/includes/class-endpoint.php';
require_once __DIR__ . '/includes/class-privacy.php';
require_once __DIR__ . '/includes/class-plugin.php';
if ( is_admin() ) {
	require_once __DIR__ . '/includes/admin/class-log-page.php';
	require_once __DIR__ . '/includes/admin/class-wpf-import.php';
	require_once __DIR__ . '/includes/admin/class-settings-page.php';
	require_once __DIR__ . '/includes/admin/class-reachability.php';
	require_once __DIR__ . '/includes/admin/class-site-health.php';
	require_once __DIR__ . '/includes/admin/class-user-panel.php';
	require_once __DIR__ . '/includes/admin/class-plugins-screen.php';
}

WpfWebhooks\Plugin::add_hooks();
