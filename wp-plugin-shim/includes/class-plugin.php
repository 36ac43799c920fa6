<?php
/**
 * Every hook the plugin adds, in one place.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Wires the plugin into WordPress.
 */
final class Plugin {

	/**
	 * Adds the plugin's actions. A front-end request without `wpf_action` pays for these registrations only.
	 */
	public static function add_hooks(): void {
		register_activation_hook( WPF_WEBHOOKS_FILE, array( self::class, 'activate' ) );
		register_deactivation_hook( WPF_WEBHOOKS_FILE, array( self::class, 'deactivate' ) );
		add_action( 'init', array( Endpoint::class, 'maybe_handle' ), 0 );
		add_action( 'admin_init', array( Schema::class, 'upgrade' ) );
		add_action( 'admin_notices', array( self::class, 'extension_notice' ) );
		add_action( Deliveries::CLEANUP_EVENT, array( Deliveries::class, 'forget_expired' ) );
	}

	/**
	 * Activation: the settings with a fresh access key, the tables, the daily clean-up.
	 */
	public static function activate(): void {
		Settings::install();
		Schema::upgrade();
		if ( ! wp_next_scheduled( Deliveries::CLEANUP_EVENT ) ) {
			wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', Deliveries::CLEANUP_EVENT );
		}
	}

	/**
	 * Deactivation: no clean-up runs while the plugin is off. Settings and tables stay (uninstall removes them).
	 */
	public static function deactivate(): void {
		wp_clear_scheduled_hook( Deliveries::CLEANUP_EVENT );
	}

	/**
	 * Tells administrators when webhooks cannot work because the extension is missing or does not match.
	 */
	public static function extension_notice(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		$problem = Extension::problem();
		if ( null === $problem ) {
			return;
		}
		printf(
			'<div class="notice notice-error"><p><strong>%s</strong> %s</p></div>',
			esc_html__( 'wpf-webhooks:', 'wpf-webhooks' ),
			esc_html( $problem )
		);
	}
}
