<?php
/**
 * WP Fusion's settings (option `wpf_options`), read for a switch without editing the CRM's journeys.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks\Admin;

use WpfWebhooks\Settings;

defined( 'ABSPATH' ) || exit;

/**
 * Maps WP Fusion's option keys onto wpf_webhooks_settings.
 */
final class WpfImport {

	/**
	 * WP Fusion's CRM slugs → this plugin's.
	 */
	const CRMS = array(
		'customer-io' => 'customerio',
		'customerly'  => 'customerly',
	);

	/**
	 * WP Fusion's option keys → this plugin's, per CRM.
	 */
	const KEYS = array(
		'customer-io_api_key'          => 'customerio_app_key',
		'customer-io_site_id'          => 'customerio_site_id',
		'customer-io_tracking_api_key' => 'customerio_track_key',
		'customer-io_region'           => 'customerio_region',
		'customerly_key'               => 'customerly_token',
	);

	/**
	 * WP Fusion's options, when it is set up for a CRM this plugin supports.
	 */
	private static function source(): ?array {
		$wpf = get_option( 'wpf_options' );
		return is_array( $wpf ) && isset( $wpf['crm'], self::CRMS[ $wpf['crm'] ] ) ? $wpf : null;
	}

	/**
	 * Whether there is something to import.
	 */
	public static function available(): bool {
		return null !== self::source();
	}

	/**
	 * The settings with WP Fusion's CRM, credentials, access key (kept as it is, so the CRM's URLs keep
	 * working, and flagged if weak), active field mappings and Return Password; null when there is none.
	 *
	 * @param array $settings The current settings.
	 */
	public static function apply( array $settings ): ?array {
		$wpf = self::source();
		if ( null === $wpf ) {
			return null;
		}
		$settings['crm'] = self::CRMS[ $wpf['crm'] ];
		foreach ( self::KEYS as $from => $to ) {
			if ( isset( $wpf[ $from ] ) && is_string( $wpf[ $from ] ) && '' !== trim( $wpf[ $from ] ) ) {
				$settings[ $to ] = trim( $wpf[ $from ] );
			}
		}
		if ( ! in_array( $settings['customerio_region'], array( 'us', 'eu' ), true ) ) {
			$settings['customerio_region'] = Settings::defaults()['customerio_region'];
		}
		if ( isset( $wpf['access_key'] ) && is_string( $wpf['access_key'] ) && '' !== $wpf['access_key'] ) {
			$settings['access_key'] = $wpf['access_key'];
		}
		$map = self::field_map( $wpf['contact_fields'] ?? array() );
		if ( array() !== $map ) {
			$settings['field_map'] = $map;
		}
		if ( isset( $wpf['return_password'] ) ) {
			$settings['return_password'] = (bool) $wpf['return_password'];
		}
		$field = $wpf['return_password_field'] ?? '';
		if ( is_array( $field ) ) {
			$field = $field['crm_field'] ?? '';
		}
		if ( is_string( $field ) && '' !== $field ) {
			$settings['return_password_field'] = $field;
		}
		return $settings;
	}

	/**
	 * WP Fusion's active contact fields (`[wp_field => ['crm_field' => …, 'active' => bool]]`) that this plugin
	 * may write.
	 *
	 * @param mixed $fields WP Fusion's `contact_fields`.
	 */
	private static function field_map( $fields ): array {
		$map = array();
		foreach ( is_array( $fields ) ? $fields : array() as $wp => $field ) {
			$crm = is_array( $field ) ? ( $field['crm_field'] ?? '' ) : '';
			if ( ! is_array( $field ) || empty( $field['active'] ) || ! is_string( $crm ) || '' === $crm || 'user_email' === $wp ) {
				continue;
			}
			if ( ! function_exists( 'wpf_webhooks_field_problem' ) || null === wpf_webhooks_field_problem( (string) $wp ) ) {
				$map[ (string) $wp ] = $crm;
			}
		}
		return $map;
	}
}
