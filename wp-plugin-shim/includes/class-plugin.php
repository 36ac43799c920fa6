<?php
/**
 * Every hook the plugin adds, in one place.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Wires the plugin into WordPress.
 */
final class Plugin {

	/**
	 * Adds the plugin's actions. A front-end request without `wpf_action` pays for these registrations only.
	 */
	public static function add_hooks(): void {
		register_activation_hook( WPF_WEBHOOKS_FILE, array( self::class, 'activate' ) );
		register_deactivation_hook( WPF_WEBHOOKS_FILE, array( self::class, 'deactivate' ) );
		self::register_translations();
		add_action( 'init', array( Endpoint::class, 'maybe_handle' ), 0 );
		add_action( 'admin_init', array( Schema::class, 'upgrade' ) );
		add_action( 'admin_init', array( self::class, 'install_site' ) );
		add_action( 'wp_initialize_site', array( self::class, 'initialize_site' ), 100 );
		add_filter( 'wpmu_drop_tables', array( self::class, 'drop_site_tables' ), 10, 2 );
		add_action( 'admin_notices', array( Staging::class, 'notice' ) );
		add_action( 'admin_post_' . Staging::CONFIRM_ACTION, array( Staging::class, 'confirm' ) );
		add_action( 'admin_notices', array( self::class, 'extension_notice' ) );
		add_action( Deliveries::CLEANUP_EVENT, array( Deliveries::class, 'forget_expired' ) );
		add_action( Log::PRUNE_EVENT, array( Log::class, 'prune' ) );
		add_filter( 'cron_schedules', array( QueueRunner::class, 'add_schedule' ) ); // phpcs:ignore WordPress.WP.CronInterval -- the queue's safety net runs every minute.
		add_action( QueueRunner::CRON_HOOK, array( QueueRunner::class, 'work_from_cron' ) );
		add_action( ContactLinks::CRON_HOOK, array( ContactLinks::class, 'work_from_cron' ) );
		foreach ( array( 'added_user_meta', 'updated_user_meta', 'deleted_user_meta' ) as $meta_written ) {
			add_action( $meta_written, array( ContactLinks::class, 'meta_changed' ), 10, 4 );
		}
		add_action( 'deleted_user', array( ContactLinks::class, 'user_deleted' ) );
		add_action( 'wpmu_delete_user', array( ContactLinks::class, 'user_deleted_from_network' ) );
		add_action( 'admin_menu', array( Admin\LogPage::class, 'register' ) );
		add_action( 'admin_post_wpf_webhooks_clear_log', array( Admin\LogPage::class, 'clear' ) ); // Admin classes load in wp-admin only: no constant here.
		add_action( 'admin_post_wpf_webhooks_retry_jobs', array( Admin\LogPage::class, 'retry_jobs' ) );
		add_action( 'admin_post_wpf_webhooks_export_log', array( Admin\LogPage::class, 'export' ) );
		add_action( 'admin_menu', array( Admin\SettingsPage::class, 'add_page' ) );
		add_action( 'admin_init', array( Admin\SettingsPage::class, 'register' ) );
		add_action( 'admin_post_wpf_webhooks_regenerate_key', array( Admin\SettingsPage::class, 'regenerate_key' ) );
		add_action( 'admin_post_wpf_webhooks_discard_old_jobs', array( Admin\SettingsPage::class, 'discard_old_jobs' ) );
		add_action( 'admin_post_wpf_webhooks_keep_old_jobs', array( Admin\SettingsPage::class, 'keep_old_jobs' ) );
		add_action( 'wp_ajax_wpf_webhooks_test_connection', array( Admin\SettingsPage::class, 'ajax_test_connection' ) );
		add_action( 'admin_post_wpf_webhooks_test_connection', array( Admin\SettingsPage::class, 'test_connection' ) );
		add_action( 'admin_post_wpf_webhooks_import_wpf', array( Admin\SettingsPage::class, 'import_wpf' ) );
		add_action( 'admin_post_wpf_webhooks_backfill_links', array( Admin\SettingsPage::class, 'backfill_links' ) );
		add_action( 'admin_post_wpf_webhooks_check_reachability', array( Admin\SettingsPage::class, 'check_reachability' ) );
		add_filter( 'wp_privacy_personal_data_exporters', array( Privacy::class, 'register_exporters' ) );
		add_filter( 'wp_privacy_personal_data_erasers', array( Privacy::class, 'register_erasers' ) );
		add_action( 'admin_init', array( Privacy::class, 'add_policy_content' ) );
		add_filter( 'site_status_tests', array( self::class, 'site_status_tests' ) );
		add_action( 'wp_ajax_health-check-wpf-webhooks-crm', array( Admin\SiteHealth::class, 'ajax_crm_test' ) );
		add_action( 'wp_ajax_health-check-wpf-webhooks-reachability', array( Admin\SiteHealth::class, 'ajax_reachability_test' ) );
		add_filter( 'debug_information', array( self::class, 'debug_information' ) );
		add_action( 'show_user_profile', array( self::class, 'user_panel' ) );
		add_action( 'edit_user_profile', array( self::class, 'user_panel' ) );
		add_filter( 'manage_users_columns', array( Admin\UserPanel::class, 'columns' ) );
		add_filter( 'manage_users_custom_column', array( Admin\UserPanel::class, 'column' ), 10, 3 );
		add_filter( 'default_hidden_columns', array( Admin\UserPanel::class, 'hidden_columns' ), 10, 2 );
		add_filter( 'plugin_action_links_' . plugin_basename( WPF_WEBHOOKS_FILE ), array( Admin\PluginsScreen::class, 'action_links' ) );
	}

	/**
	 * Tells WordPress where the plugin's translations are, as the plugin loads: languages/ in the plugin, after
	 * wp-content/languages/plugins. WordPress loads them just in time, at the first string of the text domain
	 * (even one asked before `init`, as another plugin's wp_schedule_event() runs the cron_schedules filter), so
	 * a request that shows none (a webhook, a front-end page) reads no file for them; load_plugin_textdomain()
	 * would look for two files at every request. WordPress's just-in-time loading does not apply the
	 * `plugin_locale` filter.
	 */
	public static function register_translations(): void {
		global $wp_textdomain_registry;
		$wp_textdomain_registry->set_custom_path( 'wpf-webhooks', dirname( WPF_WEBHOOKS_FILE ) . '/languages' );
	}

	/**
	 * Adds the Site Health tests (filter site_status_tests), loading their classes first: WordPress applies the
	 * filter outside wp-admin too, e.g. in its weekly scheduled check run by WP-Cron.
	 *
	 * @param array $tests The tests.
	 */
	public static function site_status_tests( array $tests ): array {
		self::load_site_health();
		return Admin\SiteHealth::add_tests( $tests );
	}

	/**
	 * Adds the plugin's section to Site Health → Info (filter debug_information; WP-CLI's `wp site-health` and
	 * REST callers apply it outside wp-admin too).
	 *
	 * @param array $info The sections.
	 */
	public static function debug_information( array $info ): array {
		self::load_site_health();
		return Admin\SiteHealth::debug_information( $info );
	}

	/**
	 * The user's Webhooks panel (actions show_user_profile, edit_user_profile), whose class loads in wp-admin only:
	 * a front-end profile form (a theme's, a membership plugin's) fires these actions too.
	 *
	 * @param \WP_User $user The user.
	 */
	public static function user_panel( \WP_User $user ): void {
		require_once __DIR__ . '/admin/class-log-page.php';
		require_once __DIR__ . '/admin/class-user-panel.php';
		Admin\UserPanel::render( $user );
	}

	/**
	 * Loads Site Health's class and those it uses, which load in wp-admin only.
	 */
	private static function load_site_health(): void {
		require_once __DIR__ . '/admin/class-log-page.php';
		require_once __DIR__ . '/admin/class-settings-page.php';
		require_once __DIR__ . '/admin/class-reachability.php';
		require_once __DIR__ . '/admin/class-site-health.php';
	}

	/**
	 * Activation: this site set up (see set_up_site()), and the contact links' backfill from the start (while the
	 * plugin was off, no hook saw the contact-id meta). Network-wide, WordPress activates it on the main site only:
	 * every other site is set up by its first admin page (install_site()), a new one when it is made
	 * (initialize_site()), so the activation's cost does not grow with the network.
	 */
	public static function activate(): void {
		self::set_up_site();
		ContactLinks::start_backfill();
	}

	/**
	 * Sets this site up unless it was, when an administrator opens one of its admin pages (action admin_init, which
	 * runs for anyone's admin-ajax.php and admin-post.php requests too: only an administrator's count, so a
	 * stranger's Host header is never the URL recorded): one look at an autoloaded option, no query. A site of a
	 * network where the plugin is network-activated, or one updated from a version that recorded no URL.
	 */
	public static function install_site(): void {
		if ( null === Staging::recorded() && current_user_can( 'manage_options' ) ) {
			self::set_up_site();
		}
	}

	/**
	 * Sets up a site made on a network where the plugin is network-activated (action wp_initialize_site, after
	 * WordPress made its tables).
	 *
	 * @param \WP_Site $site The new site.
	 */
	public static function initialize_site( \WP_Site $site ): void {
		if ( ! self::is_network_active() ) {
			return;
		}
		switch_to_blog( (int) $site->blog_id );
		self::set_up_site();
		restore_current_blog();
	}

	/**
	 * Adds a deleted site's own tables to those WordPress drops with it (filter wpmu_drop_tables).
	 *
	 * @param string[] $tables  The tables WordPress drops.
	 * @param int      $site_id The site.
	 */
	public static function drop_site_tables( array $tables, int $site_id ): array {
		global $wpdb;
		return array_merge( $tables, Schema::site_tables( $wpdb->get_blog_prefix( $site_id ) ) );
	}

	/**
	 * Whether the plugin runs on every site: a single site, or a network where it is network-activated (the
	 * network's options are loaded with it: no query).
	 */
	public static function is_network_active(): bool {
		return ! is_multisite() || isset( ( (array) get_site_option( 'active_sitewide_plugins', array() ) )[ plugin_basename( WPF_WEBHOOKS_FILE ) ] );
	}

	/**
	 * One site's own parts: its settings with a fresh access key, its tables, its recorded URL (Staging), the
	 * daily clean-ups and the queue's worker.
	 */
	private static function set_up_site(): void {
		Settings::install();
		Schema::upgrade();
		Staging::install();
		QueueRunner::schedule();
		foreach ( array( Deliveries::CLEANUP_EVENT, Log::PRUNE_EVENT ) as $event ) {
			if ( ! wp_next_scheduled( $event ) ) {
				wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', $event );
			}
		}
	}

	/**
	 * Deactivation: no clean-up, queue work or backfill runs while the plugin is off, on this site or, network-wide,
	 * on every site of the network (as uninstall goes through them). Settings and tables, queued webhooks included,
	 * stay (uninstall removes them); the queue is worked again once the plugin is back.
	 *
	 * @param bool $network_wide Whether it was network-activated.
	 */
	public static function deactivate( bool $network_wide = false ): void {
		self::each_site(
			$network_wide,
			static function (): void {
				wp_clear_scheduled_hook( Deliveries::CLEANUP_EVENT );
				wp_clear_scheduled_hook( Log::PRUNE_EVENT );
				wp_clear_scheduled_hook( QueueRunner::CRON_HOOK );
				wp_clear_scheduled_hook( ContactLinks::CRON_HOOK );
			}
		);
	}

	/**
	 * Runs a callable on this site or, on a network when $network is true, on each of its sites in turn.
	 *
	 * @param bool     $network Whether every site of the network.
	 * @param callable $run     What to run.
	 */
	public static function each_site( bool $network, callable $run ): void {
		if ( ! $network || ! is_multisite() ) {
			$run();
			return;
		}
		foreach ( get_sites( array( 'fields' => 'ids', 'number' => 0 ) ) as $site ) {
			switch_to_blog( $site );
			$run();
			restore_current_blog();
		}
	}

	/**
	 * Tells administrators when webhooks cannot work: everywhere when the extension is missing or does not
	 * match; on the dashboard and the plugins screen when no CRM is configured.
	 */
	public static function extension_notice(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		$problem = Extension::problem();
		$level   = 'error';
		$screen  = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
		if ( null === $problem && null !== $screen && in_array( $screen->id, array( 'dashboard', 'plugins' ), true ) ) {
			$problem = Settings::missing_configuration();
			$level   = 'warning';
		}
		if ( null === $problem ) {
			return;
		}
		printf(
			'<div class="notice notice-%s"><p><strong>%s</strong> %s</p></div>',
			esc_attr( $level ),
			esc_html__( 'wpf-webhooks:', 'wpf-webhooks' ),
			esc_html( $problem )
		);
	}
}
