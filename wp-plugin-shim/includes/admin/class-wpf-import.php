<?php
/**
 * WP Fusion's settings (option `wpf_options`), read for a switch without editing the CRM's journeys.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks\Admin;

use WpfWebhooks\Contract;

defined( 'ABSPATH' ) || exit;

/**
 * Maps WP Fusion's option keys onto wpf_webhooks_settings, as each CRM describes them (Contract::crms()).
 */
final class WpfImport {

	/**
	 * WP Fusion's options and the CRM they are set up for (this plugin's value of `crm`), when it is one this
	 * plugin supports: WP Fusion's `crm` option is the CRM's slug.
	 *
	 * @return array{0: array, 1: string}|null
	 */
	private static function source(): ?array {
		$wpf = get_option( 'wpf_options' );
		if ( ! is_array( $wpf ) || ! isset( $wpf['crm'] ) ) {
			return null;
		}
		foreach ( Contract::crms() as $crm => $about ) {
			if ( $about['slug'] === $wpf['crm'] ) {
				return array( $wpf, $crm );
			}
		}
		return null;
	}

	/**
	 * Whether there is something to import.
	 */
	public static function available(): bool {
		return null !== self::source();
	}

	/**
	 * The settings with WP Fusion's CRM, credentials, access key (kept as it is, so the CRM's URLs keep
	 * working, and flagged if weak), active field mappings, Return Password and username format; null when there
	 * is none. A
	 * choice WP Fusion holds that is none of the setting's values is left as it was.
	 *
	 * @param array $settings The current settings.
	 */
	public static function apply( array $settings ): ?array {
		$source = self::source();
		if ( null === $source ) {
			return null;
		}
		[ $wpf, $crm ] = $source;
		$settings['crm'] = $crm;
		foreach ( Contract::crms()[ $crm ]['settings'] as $setting ) {
			$value = $wpf[ $setting['wpf_option'] ?? '' ] ?? null;
			$value = is_string( $value ) ? trim( $value ) : '';
			if ( '' !== $value && ( 'choice' !== $setting['kind'] || isset( $setting['options'][ $value ] ) ) ) {
				$settings[ $setting['key'] ] = $value;
			}
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
		$format = $wpf['username_format'] ?? null;
		if ( is_string( $format ) && isset( Contract::username_formats()[ $format ] ) ) {
			$settings['username_format'] = $format;
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
