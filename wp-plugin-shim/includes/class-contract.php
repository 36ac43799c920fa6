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
 * restates none of them (ring 2's ShimRulesTest fails if a file of the plugin does).
 */
final class Contract {

	/**
	 * The contract when the extension is not loaded or not of this plugin's interface: what the plugin needs to
	 * answer extension_missing, forbidden or payload_too_large and to keep its settings then. The only copy of
	 * the core's rules in the plugin; ring 2's ShimRulesTest proves it equals wpf_webhooks_contract().
	 */
	const FALLBACK = array(
		'actions'        => array(
			'add'         => 'add',
			'add_user'    => 'add',
			'test'        => 'test',
			'update'      => 'update',
			'update_tags' => 'update_tags',
			'update_user' => 'update',
		),
		'codes'          => array(
			'forbidden'         => array(
				'message' => 'The access key is missing or wrong.',
				'status'  => 403,
			),
			'payload_too_large' => array(
				'message' => 'The body is over 65536 bytes.',
				'status'  => 413,
			),
			'extension_missing' => array(
				'message' => 'The wpf_webhooks PHP extension is not loaded or does not match this plugin.',
				'status'  => 503,
			),
			'internal_error'    => array(
				'message' => 'An unexpected error occurred; nothing was changed.',
				'status'  => 500,
			),
		),
		'crms'           => array(
			'customerio' => array(
				'not_configured' => 'the Customer.io App API key is not set',
				'required'       => 'customerio_app_key',
			),
			'customerly' => array(
				'not_configured' => 'the Customerly API token is not set',
				'required'       => 'customerly_token',
			),
		),
		'max_body_bytes' => 65536,
		'no_crm'         => 'no CRM is chosen in the settings',
		'settings'       => array(
			array(
				'crm'     => null,
				'default' => '',
				'key'     => 'crm',
				'secret'  => false,
			),
			array(
				'crm'     => null,
				'default' => '',
				'key'     => 'access_key',
				'secret'  => true,
			),
			array(
				'crm'     => 'customerio',
				'default' => 'us',
				'key'     => 'customerio_region',
				'secret'  => false,
			),
			array(
				'crm'     => 'customerio',
				'default' => '',
				'key'     => 'customerio_site_id',
				'secret'  => true,
			),
			array(
				'crm'     => 'customerio',
				'default' => '',
				'key'     => 'customerio_track_key',
				'secret'  => true,
			),
			array(
				'crm'     => 'customerio',
				'default' => '',
				'key'     => 'customerio_app_key',
				'secret'  => true,
			),
			array(
				'crm'     => 'customerly',
				'default' => '',
				'key'     => 'customerly_token',
				'secret'  => true,
			),
			array(
				'crm'     => 'customerio',
				'default' => '',
				'key'     => 'customerio_app_url',
				'secret'  => false,
			),
			array(
				'crm'     => 'customerio',
				'default' => '',
				'key'     => 'customerio_track_url',
				'secret'  => false,
			),
			array(
				'crm'     => 'customerly',
				'default' => '',
				'key'     => 'customerly_api_url',
				'secret'  => false,
			),
			array(
				'crm'     => null,
				'default' => array(
					'first_name' => 'first_name',
					'last_name'  => 'last_name',
				),
				'key'     => 'field_map',
				'secret'  => false,
			),
			array(
				'crm'     => null,
				'default' => true,
				'key'     => 'return_password',
				'secret'  => false,
			),
			array(
				'crm'     => null,
				'default' => '',
				'key'     => 'return_password_field',
				'secret'  => false,
			),
			array(
				'crm'     => null,
				'default' => '',
				'key'     => 'default_role',
				'secret'  => false,
			),
			array(
				'crm'     => null,
				'default' => array( 'subscriber' ),
				'key'     => 'allowed_roles',
				'secret'  => false,
			),
			array(
				'crm'     => null,
				'default' => false,
				'key'     => 'send_welcome_email',
				'secret'  => false,
			),
			array(
				'crm'     => null,
				'default' => false,
				'key'     => 'async',
				'secret'  => false,
			),
			array(
				'crm'     => null,
				'default' => 30,
				'key'     => 'log_retention_days',
				'secret'  => false,
			),
			array(
				'crm'     => null,
				'default' => 10000,
				'key'     => 'log_max_rows',
				'secret'  => false,
			),
		),
		'url_schemes'    => array( 'http', 'https' ),
	);

	/**
	 * This request's contract.
	 *
	 * @var array|null
	 */
	private static ?array $contract = null;

	/**
	 * The contract: the extension's, or FALLBACK without it.
	 */
	public static function get(): array {
		if ( null === self::$contract ) {
			self::$contract = null === Extension::problem() ? wpf_webhooks_contract() : self::FALLBACK;
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
	 * What is missing for webhooks to reach the CRM, or null when a CRM and the setting it needs are set.
	 *
	 * @param array $settings The settings.
	 */
	public static function missing_configuration( array $settings ): ?string {
		$contract = self::get();
		$crm      = $contract['crms'][ $settings['crm'] ] ?? null;
		if ( null === $crm ) {
			return ucfirst( $contract['no_crm'] ) . '.';
		}
		return '' === $settings[ $crm['required'] ] ? ucfirst( $crm['not_configured'] ) . '.' : null;
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
