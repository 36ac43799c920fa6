<?php
/**
 * The option wpf_webhooks_settings (CONTRACT §4).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Reads and installs the plugin's settings.
 */
final class Settings {

	const OPTION = 'wpf_webhooks_settings';

	/**
	 * The contract's defaults.
	 */
	const DEFAULTS = array(
		'crm'                   => '',
		'access_key'            => '',
		'customerio_region'     => 'us',
		'customerio_site_id'    => '',
		'customerio_track_key'  => '',
		'customerio_app_key'    => '',
		'customerly_token'      => '',
		'customerio_app_url'    => '',
		'customerio_track_url'  => '',
		'customerly_api_url'    => '',
		'field_map'             => array(
			'first_name' => 'first_name',
			'last_name'  => 'last_name',
		),
		'return_password'       => true,
		'return_password_field' => '',
		'default_role'          => '',
		'allowed_roles'         => array( 'subscriber' ),
		'send_welcome_email'    => false,
		'async'                 => false,
		'log_retention_days'    => 30,
		'log_max_rows'          => 10000,
	);

	/**
	 * The settings, with defaults for missing keys.
	 */
	public static function get(): array {
		$stored = get_option( self::OPTION, array() );
		return array_merge( self::DEFAULTS, is_array( $stored ) ? $stored : array() );
	}

	/**
	 * Creates the option on activation, keeping what is there and adding an access key when there is none.
	 * The option is not autoloaded: only webhooks and the admin need it, and the key stays out of the
	 * cache every page loads.
	 */
	public static function install(): void {
		$stored   = get_option( self::OPTION );
		$settings = array_merge( self::DEFAULTS, is_array( $stored ) ? $stored : array() );
		if ( ! is_string( $settings['access_key'] ) || '' === $settings['access_key'] ) {
			$settings['access_key'] = self::new_access_key();
		}
		if ( false === $stored ) {
			add_option( self::OPTION, $settings, '', false );
		} else {
			update_option( self::OPTION, $settings, false );
		}
	}

	/**
	 * A new access key: from the extension when it is loaded (40 characters, about 238 bits), else from
	 * PHP's CSPRNG (40 hex digits, 160 bits).
	 */
	public static function new_access_key(): string {
		if ( function_exists( 'wpf_webhooks_generate_key' ) ) {
			return wpf_webhooks_generate_key();
		}
		return bin2hex( random_bytes( 20 ) );
	}

	/**
	 * What is missing for webhooks to reach the CRM, or null when a CRM and its credentials are set.
	 *
	 * @param array|null $settings The settings (default: the stored ones).
	 */
	public static function missing_configuration( ?array $settings = null ): ?string {
		$s = $settings ?? self::get();
		if ( 'customerio' === $s['crm'] ) {
			return '' === $s['customerio_app_key'] ? __( 'The Customer.io App API key is not set.', 'wpf-webhooks' ) : null;
		}
		if ( 'customerly' === $s['crm'] ) {
			return '' === $s['customerly_token'] ? __( 'The Customerly API token is not set.', 'wpf-webhooks' ) : null;
		}
		return __( 'No CRM is chosen on the Webhooks settings page.', 'wpf-webhooks' );
	}
}
