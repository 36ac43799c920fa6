<?php
/**
 * Staging copies (CONTRACT §2 "Staging copies"): a copy of a production site reads the CRM as the real site does
 * but writes nothing to it, so a test on the copy cannot change the real contacts.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Whether this site is a staging copy: a constant in wp-config.php says so, or its URL is not the one recorded
 * when the plugin was set up here. The notice that says so, and the click that makes this the real site.
 */
final class Staging {

	/**
	 * The site URL recorded when the plugin was set up (autoloaded: read on every webhook at no cost). It is stored
	 * base64-encoded: the tools that copy a site replace its URL everywhere in the database, and would otherwise
	 * replace this one too.
	 */
	const OPTION = 'wpf_webhooks_site_url';

	/**
	 * The constants that make a site a staging copy when true: the plugin's, and WP Fusion's. The plugin's, defined
	 * false, makes it the real site whatever its URL.
	 */
	const CONSTANTS = array( 'WPF_WEBHOOKS_STAGING_MODE', 'WPF_STAGING_MODE' );

	/**
	 * The screens that show the notice: the dashboard, the plugins and the plugin's own pages.
	 */
	const SCREENS = array( 'dashboard', 'plugins', 'settings_page_wpf-webhooks', 'tools_page_wpf-webhooks-log' );

	/**
	 * The admin-post action (and its nonce's) that records this site's URL as the real one.
	 */
	const CONFIRM_ACTION = 'wpf_webhooks_confirm_site';

	/**
	 * Records the site's URL, unless one is recorded already.
	 */
	public static function install(): void {
		if ( null === self::recorded() ) {
			self::record( self::site_url() );
		}
	}

	/**
	 * The site's URL as stored (or as `WP_SITEURL` sets it), not as the `site_url` filter may change it for one
	 * request (domain mapping, a language's domain).
	 */
	public static function site_url(): string {
		return (string) get_option( 'siteurl' );
	}

	/**
	 * Records a URL as the real site's.
	 *
	 * @param string $url The URL.
	 */
	public static function record( string $url ): void {
		update_option( self::OPTION, base64_encode( $url ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions -- not obfuscation: see OPTION.
	}

	/**
	 * The recorded URL, or null when none is.
	 */
	public static function recorded(): ?string {
		$stored = get_option( self::OPTION );
		$url    = is_string( $stored ) ? base64_decode( $stored, true ) : false; // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions
		return is_string( $url ) && '' !== $url ? $url : null;
	}

	/**
	 * The constant that makes this site a staging copy, or null.
	 */
	public static function constant(): ?string {
		foreach ( self::CONSTANTS as $name ) {
			if ( defined( $name ) && constant( $name ) ) {
				return $name;
			}
		}
		return null;
	}

	/**
	 * Whether the site's URL is not the recorded one. The scheme, a default port (80, 443) and a trailing slash do
	 * not count (a site moved to https is the same site); the host (with `www.`), another port and the path do.
	 * Not before a URL is recorded.
	 */
	public static function url_changed(): bool {
		$recorded = self::recorded();
		return null !== $recorded && self::normalized( $recorded ) !== self::normalized( self::site_url() );
	}

	/**
	 * Whether this site is a staging copy.
	 */
	public static function is_staging(): bool {
		if ( defined( 'WPF_WEBHOOKS_STAGING_MODE' ) && ! WPF_WEBHOOKS_STAGING_MODE ) {
			return false;
		}
		return null !== self::constant() || self::url_changed();
	}

	/**
	 * A URL without its scheme and trailing slashes, its host in lower case.
	 *
	 * @param string $url The URL.
	 */
	private static function normalized( string $url ): string {
		$parts = wp_parse_url( $url );
		if ( ! is_array( $parts ) ) {
			return $url;
		}
		$port = isset( $parts['port'] ) && ! in_array( (int) $parts['port'], array( 80, 443 ), true ) ? ':' . $parts['port'] : '';
		return strtolower( $parts['host'] ?? '' ) . $port . untrailingslashit( $parts['path'] ?? '' );
	}

	/**
	 * What the notice and Site Health say of a staging copy.
	 */
	public static function explanation(): string {
		$constant = self::constant();
		if ( null !== $constant ) {
			/* translators: %s: a constant's name. */
			$why = sprintf( __( '%s is set in wp-config.php.', 'wpf-webhooks' ), $constant );
		} else {
			/* translators: 1: the URL the plugin was set up at, 2: this site's URL. */
			$why = sprintf( __( 'It was set up at %1$s and this site is at %2$s.', 'wpf-webhooks' ), (string) self::recorded(), self::site_url() );
		}
		return __( 'This site is a staging copy: webhooks read the CRM and update users as usual, but nothing is written to the CRM (Return Password is skipped, with the warning staging_mode).', 'wpf-webhooks' ) . ' ' . $why;
	}

	/**
	 * The admin notice (action admin_notices) on the SCREENS, for who can act on it; with the button that makes this
	 * the real site when its URL, not a constant, made it a copy. Site Health says it too.
	 */
	public static function notice(): void {
		$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
		if ( null === $screen || ! in_array( $screen->id, self::SCREENS, true ) || ! current_user_can( 'manage_options' ) || ! self::is_staging() ) {
			return;
		}
		echo '<div class="notice notice-warning"><p><strong>' . esc_html__( 'wpf-webhooks:', 'wpf-webhooks' ) . '</strong> ' . esc_html( self::explanation() ) . '</p>';
		if ( null === self::constant() ) {
			echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '"><p>';
			echo '<input type="hidden" name="action" value="' . esc_attr( self::CONFIRM_ACTION ) . '">';
			wp_nonce_field( self::CONFIRM_ACTION );
			submit_button( __( 'This is the real site now', 'wpf-webhooks' ), 'secondary', 'submit', false );
			echo ' <span class="description">' . esc_html__( 'Webhooks will write to the CRM from this URL again.', 'wpf-webhooks' ) . '</span>';
			echo '</p></form>';
		}
		echo '</div>';
	}

	/**
	 * Records this site's URL as the real one (admin-post action), then goes back.
	 */
	public static function confirm(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'wpf-webhooks' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( self::CONFIRM_ACTION );
		self::record( self::site_url() );
		wp_safe_redirect( wp_get_referer() ? wp_get_referer() : admin_url() );
		exit;
	}
}
