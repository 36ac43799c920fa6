<?php
/**
 * Plugin Name: wpf-webhooks test staging constants
 * Description: Test sites only. For a request with the header `X-WPF-Test-Staging-Constant: NAME`, where NAME is
 *              `WPF_STAGING_MODE` (WP Fusion's) or `WPF_WEBHOOKS_STAGING_MODE`, defines that constant as true, as
 *              a staging copy's wp-config.php would; with `X-WPF-Test-Staging-Constant: false`, defines
 *              `WPF_WEBHOOKS_STAGING_MODE` as false, as the real site's would. With `X-WPF-Test-Staging-Recorded: URL`, records URL as the
 *              real site's, as if this database had been copied from the site at URL (the browser ring).
 *
 * @package WpfWebhooks\Tests
 */

defined( 'ABSPATH' ) || exit;

$wpf_test_constant = $_SERVER['HTTP_X_WPF_TEST_STAGING_CONSTANT'] ?? ''; // phpcs:ignore WordPress.Security
if ( in_array( $wpf_test_constant, array( 'WPF_STAGING_MODE', 'WPF_WEBHOOKS_STAGING_MODE' ), true ) ) {
	define( $wpf_test_constant, true );
} elseif ( 'false' === $wpf_test_constant ) {
	define( 'WPF_WEBHOOKS_STAGING_MODE', false );
}
unset( $wpf_test_constant );

add_action(
	'plugins_loaded',
	static function (): void {
		$url = $_SERVER['HTTP_X_WPF_TEST_STAGING_RECORDED'] ?? ''; // phpcs:ignore WordPress.Security
		if ( '' !== $url && class_exists( 'WpfWebhooks\Staging' ) ) {
			WpfWebhooks\Staging::record( esc_url_raw( $url ) );
		}
	}
);
