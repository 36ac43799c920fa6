<?php
/**
 * Plugin Name: wpf-webhooks test network switches
 * Description: Test sites only. For a request with the header `X-WPF-Test-Join-Network-Users: 1`, defines
 *              `WPF_WEBHOOKS_JOIN_NETWORK_USERS` as true, as a network owner's wp-config.php would; with
 *              `X-WPF-Test-Refuse-Membership: 1`, refuses every new membership of a site, as a plugin limiting a
 *              site's seats would (filter can_add_user_to_blog).
 *
 * @package WpfWebhooks\Tests
 */

defined( 'ABSPATH' ) || exit;

if ( '1' === ( $_SERVER['HTTP_X_WPF_TEST_JOIN_NETWORK_USERS'] ?? '' ) ) { // phpcs:ignore WordPress.Security
	define( 'WPF_WEBHOOKS_JOIN_NETWORK_USERS', true );
}

if ( '1' === ( $_SERVER['HTTP_X_WPF_TEST_REFUSE_MEMBERSHIP'] ?? '' ) ) { // phpcs:ignore WordPress.Security
	add_filter( 'can_add_user_to_blog', static fn() => new WP_Error( 'no_seats', 'This site has no seats left.' ) );
}
