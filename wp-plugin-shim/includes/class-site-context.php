<?php
/**
 * What the extension is told about the site.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * The `$site` array of the extension's functions.
 */
final class SiteContext {

	/**
	 * Settings, roles, the site's default role, when the request started, whether the site is a staging copy
	 * (Staging) and the proxy for CRM calls.
	 *
	 * @param array|null $settings The settings to describe (default: the stored ones).
	 */
	public static function describe( ?array $settings = null ): array {
		return array(
			'settings'     => $settings ?? Settings::get(),
			'roles'        => wp_roles()->roles,
			'default_role' => (string) get_option( 'default_role', 'subscriber' ),
			'started_at'   => self::started_at(),
			'staging'      => Staging::is_staging(),
			'proxy'        => self::proxy(),
		);
	}

	/**
	 * The proxy the site owner set for CRM calls in wp-config.php (`WPF_WEBHOOKS_PROXY`), else none: the
	 * extension never takes one from the environment (`HTTP_PROXY`, which CGI fills from a `Proxy:` header).
	 */
	public static function proxy(): string {
		return defined( 'WPF_WEBHOOKS_PROXY' ) && is_string( WPF_WEBHOOKS_PROXY ) ? WPF_WEBHOOKS_PROXY : '';
	}

	/**
	 * When PHP started the request (`REQUEST_TIME_FLOAT`): the extension's CRM deadline counts from it.
	 */
	public static function started_at(): float {
		return (float) ( $_SERVER['REQUEST_TIME_FLOAT'] ?? microtime( true ) );
	}
}
