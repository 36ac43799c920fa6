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
		add_action( 'init', array( Endpoint::class, 'maybe_handle' ), 0 );
		add_action( 'admin_init', array( Schema::class, 'upgrade' ) );
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
		add_action( 'admin_menu', array( Admin\SettingsPage::class, 'add_page' ) );
		add_action( 'admin_init', array( Admin\SettingsPage::class, 'register' ) );
		add_action( 'admin_post_wpf_webhooks_regenerate_key', array( Admin\SettingsPage::class, 'regenerate_key' ) );
		add_action( 'admin_post_wpf_webhooks_discard_old_jobs', array( Admin\SettingsPage::class, 'discard_old_jobs' ) );
		add_action( 'admin_post_wpf_webhooks_keep_old_jobs', array( Admin\SettingsPage::class, 'keep_old_jobs' ) );
		add_action( 'admin_post_wpf_webhooks_test_connection', array( Admin\SettingsPage::class, 'test_connection' ) );
		add_action( 'admin_post_wpf_webhooks_import_wpf', array( Admin\SettingsPage::class, 'import_wpf' ) );
		add_action( 'admin_post_wpf_webhooks_backfill_links', array( Admin\SettingsPage::class, 'backfill_links' ) );
		add_filter( 'site_status_tests', array( self::class, 'site_status_tests' ) );
		add_action( 'wp_ajax_health-check-wpf-webhooks-crm', array( Admin\SiteHealth::class, 'ajax_crm_test' ) );
	}

	/**
	 * Adds the Site Health tests (filter site_status_tests), loading their classes first: WordPress applies the
	 * filter outside wp-admin too, e.g. in its weekly scheduled check run by WP-Cron.
	 *
	 * @param array $tests The tests.
	 */
	public static function site_status_tests( array $tests ): array {
		require_once __DIR__ . '/admin/class-log-page.php';
		require_once __DIR__ . '/admin/class-settings-page.php';
		require_once __DIR__ . '/admin/class-site-health.php';
		return Admin\SiteHealth::add_tests( $tests );
	}

	/**
	 * Activation: the settings with a fresh access key, the tables, the daily clean-ups, the queue's worker, and
	 * the contact links' backfill from the start (while the plugin was off, no hook saw the contact-id meta).
	 */
	public static function activate(): void {
		Settings::install();
		Schema::upgrade();
		ContactLinks::start_backfill();
		QueueRunner::schedule();
		foreach ( array( Deliveries::CLEANUP_EVENT, Log::PRUNE_EVENT ) as $event ) {
			if ( ! wp_next_scheduled( $event ) ) {
				wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', $event );
			}
		}
	}

	/**
	 * Deactivation: no clean-up, queue work or backfill runs while the plugin is off. Settings and tables, queued
	 * webhooks included, stay (uninstall removes them); the queue is worked again once the plugin is back.
	 */
	public static function deactivate(): void {
		wp_clear_scheduled_hook( Deliveries::CLEANUP_EVENT );
		wp_clear_scheduled_hook( Log::PRUNE_EVENT );
		wp_clear_scheduled_hook( QueueRunner::CRON_HOOK );
		wp_clear_scheduled_hook( ContactLinks::CRON_HOOK );
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
