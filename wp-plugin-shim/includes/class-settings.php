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
	 * The contract's defaults, in the option's order (see Contract::defaults()).
	 */
	public static function defaults(): array {
		return Contract::defaults();
	}

	/**
	 * The settings, with defaults for missing keys.
	 */
	public static function get(): array {
		$stored = get_option( self::OPTION, array() );
		return array_merge( self::defaults(), is_array( $stored ) ? $stored : array() );
	}

	/**
	 * Creates the option on activation, keeping what is there and adding an access key when there is none.
	 * The option is not autoloaded: only webhooks and the admin need it, and the key stays out of the
	 * cache every page loads.
	 */
	public static function install(): void {
		$stored   = get_option( self::OPTION );
		$settings = array_merge( self::defaults(), is_array( $stored ) ? $stored : array() );
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
	 * What is missing for webhooks to reach the CRM, or null when a CRM and its credentials are set (the core's
	 * messages, see Contract::missing_configuration()).
	 *
	 * @param array|null $settings The settings (default: the stored ones).
	 */
	public static function missing_configuration( ?array $settings = null ): ?string {
		return Contract::missing_configuration( $settings ?? self::get() );
	}
}
