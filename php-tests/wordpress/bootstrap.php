<?php
/**
 * Ring 3 bootstrap: this process loads the test site's WordPress (same database as the served site) to
 * arrange data and check results, and talks to the site over HTTP like a CRM.
 *
 * @package WpfWebhooks\Tests
 */

$wpf_wp_dir = getenv( 'WPF_WP_DIR' );
if ( ! $wpf_wp_dir || ! is_file( $wpf_wp_dir . '/wp-load.php' ) ) {
	fwrite( STDERR, "WPF_WP_DIR does not name a WordPress: start one with scripts/wp-env.sh up and eval its env\n" );
	exit( 1 );
}
require $wpf_wp_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
// The plugin loads its admin screens in wp-admin only; this process tests them in place.
foreach ( glob( WP_PLUGIN_DIR . '/wpf-webhooks/includes/admin/*.php' ) as $wpf_admin_file ) {
	require_once $wpf_admin_file;
}
require_once __DIR__ . '/../support/InFlight.php';
require_once __DIR__ . '/../support/Markdown.php';
require_once __DIR__ . '/../support/Sandbox.php';
require_once __DIR__ . '/../support/Site.php';
require_once __DIR__ . '/WebhookTestCase.php';
require_once __DIR__ . '/ConformanceTestCase.php';
