<?php
/**
 * Plugin Name: wpf-webhooks test probe
 * Description: Test sites only. For a request with the header `X-WPF-Test-Probe: 1`, records at shutdown (one
 *              JSON line in probe.log beside the mail log) every database query made after the mu-plugins loaded,
 *              `$wpdb->num_queries`, whether the plugin was loaded, and every call the plugin made to the
 *              extension. With `X-WPF-Test-Without-Plugin: 1` too, the plugin is left out of that request.
 *
 * The plugin calls the extension's functions unqualified from its namespaces, so PHP looks for
 * `WpfWebhooks\wpf_…` before the global function: the probe defines those names as recording wrappers.
 *
 * @package WpfWebhooks\Tests
 */

defined( 'ABSPATH' ) || exit;

if ( '1' !== ( $_SERVER['HTTP_X_WPF_TEST_PROBE'] ?? '' ) ) { // phpcs:ignore WordPress.Security
	return;
}

/**
 * What the probe saw during this request.
 */
final class WpfTestProbe {

	/**
	 * Extension functions the plugin called, in order.
	 *
	 * @var string[]
	 */
	public static array $calls = array();

	/**
	 * Queries made after the mu-plugins loaded.
	 *
	 * @var string[]
	 */
	public static array $queries = array();
}

foreach ( get_extension_funcs( 'wpf_webhooks' ) ? get_extension_funcs( 'wpf_webhooks' ) : array() as $wpf_test_function ) {
	foreach ( array( 'WpfWebhooks', 'WpfWebhooks\Admin' ) as $wpf_test_namespace ) {
		// A function name from the loaded extension, not from the request.
		eval( "namespace $wpf_test_namespace; function $wpf_test_function( ...\$args ) { \\WpfTestProbe::\$calls[] = '$wpf_test_function'; return \\$wpf_test_function( ...\$args ); }" ); // phpcs:ignore Squiz.PHP.Eval
	}
}

if ( '1' === ( $_SERVER['HTTP_X_WPF_TEST_WITHOUT_PLUGIN'] ?? '' ) ) { // phpcs:ignore WordPress.Security
	add_filter(
		'option_active_plugins',
		static fn( $plugins ) => array_values( array_diff( (array) $plugins, array( 'wpf-webhooks/wpf-webhooks.php' ) ) )
	);
}

add_filter(
	'query',
	static function ( $query ) {
		WpfTestProbe::$queries[] = $query;
		return $query;
	}
);

register_shutdown_function(
	static function (): void {
		global $wpdb;
		$line = array(
			'uri'             => (string) ( $_SERVER['REQUEST_URI'] ?? '' ), // phpcs:ignore WordPress.Security
			'plugin_loaded'   => class_exists( 'WpfWebhooks\Plugin', false ),
			'num_queries'     => $wpdb->num_queries,
			'queries'         => WpfTestProbe::$queries,
			'extension_calls' => WpfTestProbe::$calls,
		);
		file_put_contents( dirname( WPF_TEST_MAIL_LOG ) . '/probe.log', wp_json_encode( $line ) . "\n", FILE_APPEND | LOCK_EX );
	}
);
