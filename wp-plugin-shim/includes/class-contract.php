<?php
/**
 * The core's rules, as the extension exports them (wpf_webhooks_contract()).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * What the plugin knows of the core's rules: read from the extension once per request, so that the plugin
 * restates none of them (ring 2's ShimRulesTest fails if a file of the plugin does). Without the extension it
 * reads contract-fallback.php, generated from the extension by `make contract` (ring 2 proves it current).
 */
final class Contract {

	/**
	 * This request's contract.
	 *
	 * @var array|null
	 */
	private static ?array $contract = null;

	/**
	 * The contract: the extension's, or the fallback without it.
	 */
	public static function get(): array {
		if ( null === self::$contract ) {
			self::$contract = null === Extension::problem() ? wpf_webhooks_contract() : require __DIR__ . '/contract-fallback.php';
		}
		return self::$contract;
	}

	/**
	 * A code's HTTP status and default message.
	 *
	 * @param string $code A code of the contract.
	 * @return array{status: int, message: string}
	 */
	public static function code( string $code ): array {
		return self::get()['codes'][ $code ];
	}

	/**
	 * What a code means, in words for the site's owner (its default message, translated), or the code itself when
	 * the contract has no such code (a log row of another version).
	 *
	 * @param string $code A result code.
	 */
	public static function message( string $code ): string {
		return self::text( self::get()['codes'][ $code ]['message'] ?? $code );
	}

	/**
	 * The largest body accepted.
	 */
	public static function max_body_bytes(): int {
		return self::get()['max_body_bytes'];
	}

	/**
	 * The action a `wpf_action` value asks for (aliases resolved, any case), or '' when it names none.
	 *
	 * @param string $asked The value.
	 */
	public static function action( string $asked ): string {
		return self::get()['actions'][ strtolower( trim( $asked ) ) ] ?? '';
	}

	/**
	 * Every setting's default, in the option's order.
	 */
	public static function defaults(): array {
		return array_column( self::get()['settings'], 'default', 'key' );
	}

	/**
	 * A text of the contract, in the site's or the user's language. The extension speaks English; its texts are
	 * in the plugin's .pot (`make pot` extracts them from contract-fallback.php, the contract as generated), so
	 * a translation of the plugin translates them too. The text is a variable here, which xgettext cannot read:
	 * hence that extraction.
	 *
	 * @param string $text A text as the extension gives it.
	 */
	public static function text( string $text ): string {
		return '' === $text ? '' : __( $text, 'wpf-webhooks' ); // phpcs:ignore WordPress.WP.I18n.NonSingularStringLiteralText -- the contract's texts, extracted by `make pot`.
	}

	/**
	 * Every CRM as it describes itself, by its value of the setting `crm`, in the order to offer them: `name`,
	 * `slug` (WP Fusion's), `required`, `not_configured` and `webhook_help` (translated), `example_body` (JSON),
	 * and `settings` (its settings as settings() gives them).
	 *
	 * @return array<string, array>
	 */
	public static function crms(): array {
		$crms = self::get()['crms'];
		foreach ( $crms as $crm => $about ) {
			$crms[ $crm ]['not_configured'] = self::text( $about['not_configured'] );
			$crms[ $crm ]['webhook_help']   = self::text( $about['webhook_help'] );
			$crms[ $crm ]['settings']       = array_values( array_filter( self::settings(), fn( $s ) => $crm === $s['crm'] ) );
		}
		return $crms;
	}

	/**
	 * Every setting, in the option's order: `key`, `default`, `secret`, `crm` and, for a CRM's setting, `kind`
	 * (`secret`, `choice`, `base_url`), `label` and `help` (translated), `options` (value => label) and
	 * `wpf_option`.
	 */
	public static function settings(): array {
		static $translated = null; // Once a request: a page lists the settings many times.
		if ( null === $translated ) {
			$translated = self::get()['settings'];
			foreach ( $translated as $i => $setting ) {
				foreach ( array( 'label', 'help' ) as $text ) {
					if ( isset( $setting[ $text ] ) ) {
						$translated[ $i ][ $text ] = self::text( $setting[ $text ] );
					}
				}
			}
		}
		return $translated;
	}

	/**
	 * The signing schemes by name (as the log's `signature` verdicts give it), the CRMs' first: `label` (for
	 * people) and `secret_setting` (the setting holding its secret).
	 *
	 * @return array<string, array{name: string, label: string, secret_setting: string}>
	 */
	public static function signatures(): array {
		return array_column( self::get()['signatures'], null, 'name' );
	}

	/**
	 * The values of `username_format` with their labels (untranslated: the page translates them), the default first.
	 *
	 * @return array<string, string>
	 */
	public static function username_formats(): array {
		return self::get()['username_formats'];
	}

	/**
	 * What is missing for webhooks to reach the CRM, or null when a CRM and the setting it needs are set.
	 *
	 * @param array $settings The settings.
	 */
	public static function missing_configuration( array $settings ): ?string {
		$contract = self::get();
		$crm      = $contract['crms'][ $settings['crm'] ] ?? null;
		if ( null === $crm ) {
			return ucfirst( self::text( $contract['no_crm'] ) ) . '.';
		}
		return '' === $settings[ $crm['required'] ] ? ucfirst( self::text( $crm['not_configured'] ) ) . '.' : null;
	}

	/**
	 * Whether a string may be a base-URL override: an absolute URL of a scheme the core accepts, with a host.
	 *
	 * @param string $url The URL.
	 */
	public static function is_base_url( string $url ): bool {
		$parts = wp_parse_url( $url );
		return is_array( $parts ) && in_array( $parts['scheme'] ?? '', self::get()['url_schemes'], true ) && ! empty( $parts['host'] );
	}
}
