<?php
/**
 * Installs a throw-away WordPress without a browser and activates the plugin under test.
 * Run by `scripts/wp-env.sh up` as: php [-d extension=…] wp-install.php
 *
 * Environment (set by wp-env.sh):
 *   WPF_WP_DIR               WordPress root (holds wp-load.php and the generated wp-config.php)
 *   WPF_SITE_URL             http://127.0.0.1:PORT
 *   WPF_ADMIN_PASSWORD_FILE  file holding the admin password (read here, so it never shows in `ps`)
 *   WPF_PLUGIN               plugin to activate, relative to wp-content/plugins (empty = none)
 *
 * Globals are prefixed wpf_: wp-settings.php reuses (and unsets) names such as $plugin.
 *
 * Exit status: 0 when installed and activated; 1 with the reason on stderr otherwise.
 */

function wpf_install_fail( $message ) {
	fwrite( STDERR, "wp-install: $message\n" );
	exit( 1 );
}

$wpf_wp_dir   = getenv( 'WPF_WP_DIR' );
$wpf_site_url = getenv( 'WPF_SITE_URL' );
$wpf_pw_file  = getenv( 'WPF_ADMIN_PASSWORD_FILE' );
$wpf_plugin   = (string) getenv( 'WPF_PLUGIN' );
if ( ! $wpf_wp_dir || ! is_file( "$wpf_wp_dir/wp-load.php" ) || ! $wpf_site_url || ! $wpf_pw_file ) {
	wpf_install_fail( 'WPF_WP_DIR, WPF_SITE_URL and WPF_ADMIN_PASSWORD_FILE must be set' );
}
$wpf_admin_password = trim( (string) file_get_contents( $wpf_pw_file ) );
if ( '' === $wpf_admin_password ) {
	wpf_install_fail( "empty admin password in $wpf_pw_file" );
}

// A web-like request for code that looks at $_SERVER (WordPress, plugins' activation hooks).
$wpf_url                   = parse_url( $wpf_site_url );
$_SERVER['HTTP_HOST']      = $wpf_url['host'] . ( isset( $wpf_url['port'] ) ? ':' . $wpf_url['port'] : '' );
$_SERVER['SERVER_NAME']    = $wpf_url['host'];
$_SERVER['SERVER_PORT']    = (string) ( $wpf_url['port'] ?? 80 );
$_SERVER['REQUEST_URI']    = '/wp-admin/install.php';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['REMOTE_ADDR']    = '127.0.0.1';

define( 'WP_INSTALLING', true );

// Pluggable: defined before WordPress loads, so WordPress keeps this one. The original mails the admin,
// and there is no sendmail here.
function wp_new_blog_notification( $blog_title, $blog_url, $user_id, $password ) {
}

require $wpf_wp_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

// No network during the install: wp_install() probes the site over HTTP to decide on pretty permalinks
// (the web server is not up yet, and the answer must not depend on timing). Plain permalinks it is.
add_filter(
	'pre_http_request',
	static function () {
		return new WP_Error( 'wpf_offline_install', 'no HTTP during the test-site install' );
	}
);

if ( is_blog_installed() ) {
	wpf_install_fail( 'WordPress is already installed in this database (stale run directory?)' );
}

$wpf_result = wp_install( 'wpf-webhooks test', 'admin', 'admin@example.com', true, '', $wpf_admin_password );
if ( empty( $wpf_result['user_id'] ) ) {
	wpf_install_fail( 'wp_install() created no admin user' );
}
update_option( 'permalink_structure', '' );

if ( '' !== $wpf_plugin ) {
	// Activation runs the plugin's activation hook here, in this CLI process (with the extension when loaded).
	$wpf_activated = activate_plugin( $wpf_plugin, '', false, false );
	if ( is_wp_error( $wpf_activated ) ) {
		wpf_install_fail(
			"activating $wpf_plugin failed: " . $wpf_activated->get_error_code() . ': ' . $wpf_activated->get_error_message()
			. ( $wpf_activated->get_error_data() ? ' ' . print_r( $wpf_activated->get_error_data(), true ) : '' )
		);
	}
	if ( ! is_plugin_active( $wpf_plugin ) ) {
		wpf_install_fail( "$wpf_plugin is not active after activate_plugin()" );
	}
}

fwrite( STDOUT, 'wp-install: installed WordPress ' . get_bloginfo( 'version' ) . ( $wpf_plugin ? ", activated $wpf_plugin" : '' ) . "\n" );
exit( 0 );
