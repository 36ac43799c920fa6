<?php
/**
 * Makes the throw-away WordPress that wp-install.php installed a subdirectory multisite network, in two steps
 * run by `scripts/wp-env.sh up` with WPF_MULTISITE=1:
 *
 *   php wp-network.php network   before wp-config.php defines MULTISITE: the network's tables and its row
 *   php wp-network.php sites     after: a second site at /site2/ (the admin administers it) and the plugin
 *                                network-activated
 *
 * Environment (set by wp-env.sh): WPF_WP_DIR, WPF_SITE_URL, WPF_PLUGIN (as for wp-install.php).
 *
 * Exit status: 0 when done; 1 with the reason on stderr otherwise.
 */

function wpf_network_fail( $message ) {
	fwrite( STDERR, "wp-network: $message\n" );
	exit( 1 );
}

$wpf_step   = $argv[1] ?? '';
$wpf_wp_dir = getenv( 'WPF_WP_DIR' );
$wpf_host   = (string) parse_url( (string) getenv( 'WPF_SITE_URL' ), PHP_URL_HOST ) . ':' . (string) parse_url( (string) getenv( 'WPF_SITE_URL' ), PHP_URL_PORT );
$wpf_plugin = (string) getenv( 'WPF_PLUGIN' );
if ( ! in_array( $wpf_step, array( 'network', 'sites' ), true ) || ! $wpf_wp_dir || '' === $wpf_plugin ) {
	wpf_network_fail( 'usage: WPF_WP_DIR=… WPF_SITE_URL=… WPF_PLUGIN=… php wp-network.php network|sites' );
}

$_SERVER['REMOTE_ADDR'] = '127.0.0.1'; // Logged with a new site.
if ( 'network' === $wpf_step ) {
	// As wp-admin/network.php does: the network's tables are WordPress's global ones from now on.
	define( 'WP_INSTALLING_NETWORK', true );
}
require $wpf_wp_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

if ( 'network' === $wpf_step ) {
	foreach ( $wpdb->tables( 'ms_global' ) as $wpf_table => $wpf_prefixed ) {
		$wpdb->$wpf_table = $wpf_prefixed;
	}
	install_network();
	$wpf_result = populate_network( 1, $wpf_host, get_option( 'admin_email' ), 'wpf-webhooks test network', '/', false );
	if ( is_wp_error( $wpf_result ) ) {
		wpf_network_fail( 'populate_network(): ' . implode( '; ', $wpf_result->get_error_messages() ) );
	}
	fwrite( STDOUT, "wp-network: network $wpf_host/ made\n" );
	exit( 0 );
}

if ( ! is_multisite() ) {
	wpf_network_fail( 'wp-config.php does not define the network' );
}
$wpf_site = wp_insert_site( array( 'domain' => $wpf_host, 'path' => '/site2/', 'title' => 'wpf-webhooks site 2', 'user_id' => 1 ) );
if ( is_wp_error( $wpf_site ) ) {
	wpf_network_fail( 'wp_insert_site(): ' . $wpf_site->get_error_message() );
}
// WordPress drops the port from a new site's domain (networks are meant for ports 80 and 443): put it back.
$wpdb->update( $wpdb->blogs, array( 'domain' => $wpf_host ), array( 'blog_id' => $wpf_site ) );
clean_blog_cache( $wpf_site );
foreach ( array( 'home', 'siteurl' ) as $wpf_option ) {
	update_blog_option( $wpf_site, $wpf_option, "http://$wpf_host/site2" );
}
$wpf_activated = activate_plugin( $wpf_plugin, '', true, false );
if ( is_wp_error( $wpf_activated ) || ! is_plugin_active_for_network( $wpf_plugin ) ) {
	wpf_network_fail( "network-activating $wpf_plugin failed" . ( is_wp_error( $wpf_activated ) ? ': ' . $wpf_activated->get_error_message() : '' ) );
}
fwrite( STDOUT, "wp-network: site $wpf_site at /site2/, $wpf_plugin network-activated\n" );
exit( 0 );
