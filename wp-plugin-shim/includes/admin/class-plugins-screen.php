<?php
/**
 * The plugin's row on the Plugins screen.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks\Admin;

defined( 'ABSPATH' ) || exit;

/**
 * The row's links.
 */
final class PluginsScreen {

	/**
	 * Puts a Settings link first in the plugin's row (plugin_action_links_{basename}).
	 *
	 * @param array $links The row's links.
	 */
	public static function action_links( array $links ): array {
		if ( ! current_user_can( SettingsPage::CAPABILITY ) ) {
			return $links;
		}
		return array( 'settings' => sprintf( '<a href="%s">%s</a>', esc_url( SettingsPage::url() ), esc_html__( 'Settings', 'wpf-webhooks' ) ) ) + $links;
	}
}
