<?php
/**
 * The wpf_webhooks PHP extension, as the plugin sees it.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Whether the extension is loaded and speaks this plugin's interface version.
 */
final class Extension {

	/**
	 * Why webhooks cannot be handled by the extension, or null when they can.
	 */
	public static function problem(): ?string {
		if ( ! function_exists( 'wpf_handle_webhook' ) || ! function_exists( 'wpf_webhooks_build_info' ) ) {
			return sprintf(
				/* translators: 1: PHP version, 2: PHP SAPI, e.g. fpm-fcgi */
				__( 'the wpf_webhooks PHP extension is not loaded in the PHP that serves this site (PHP %1$s, %2$s), so webhooks are refused. Install it for that PHP (make install; see docs/install.md) and reload PHP-FPM or Apache.', 'wpf-webhooks' ),
				PHP_VERSION,
				PHP_SAPI
			);
		}
		$info      = wpf_webhooks_build_info();
		$interface = isset( $info['interface'] ) ? (int) $info['interface'] : 0;
		if ( WPF_WEBHOOKS_INTERFACE !== $interface ) {
			return sprintf(
				/* translators: 1: extension version, 2: its interface version, 3: plugin version, 4: the interface version the plugin needs */
				__( 'the wpf_webhooks extension %1$s speaks interface %2$d, but plugin %3$s needs interface %4$d, so webhooks are refused. Install the extension and the plugin from the same release (make install, and the plugin zip of make dist, from one checkout), then reload PHP-FPM or Apache.', 'wpf-webhooks' ),
				isset( $info['version'] ) ? (string) $info['version'] : '?',
				$interface,
				WPF_WEBHOOKS_VERSION,
				WPF_WEBHOOKS_INTERFACE
			);
		}
		return null;
	}

	/**
	 * When the extension speaks this plugin's interface but comes from another release: it works, but the
	 * pair was not tested together.
	 */
	public static function version_warning(): ?string {
		if ( null !== self::problem() ) {
			return null;
		}
		$version = (string) ( wpf_webhooks_build_info()['version'] ?? '' );
		if ( WPF_WEBHOOKS_VERSION === $version ) {
			return null;
		}
		return sprintf(
			/* translators: 1: extension version, 2: plugin version */
			__( 'the wpf_webhooks extension is version %1$s and the plugin %2$s. They work together, but install both from the same release.', 'wpf-webhooks' ),
			$version,
			WPF_WEBHOOKS_VERSION
		);
	}
}
