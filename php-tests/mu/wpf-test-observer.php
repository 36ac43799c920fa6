<?php
/**
 * Plugin Name: wpf-webhooks test observer
 * Description: Test sites only. Records the WP Fusion actions and constants a webhook fires (one JSON line each
 *              in actions.log beside the mail log), names the php-fpm worker that answered a webhook, marks
 *              when a request sent with X-Test-Request-Id has ended (logs/ended/ID), records
 *              each queued webhook run (jobs.log: job, code, attempt, worker pid and its php-fpm master's pid),
 *              leaves the queue to WP-Cron for a webhook sent with the header X-Test-Queue-Only, defines
 *              WPF_WEBHOOKS_QUEUE_MAX_JOBS for one sent with X-Test-Queue-Max-Jobs, makes WordPress refuse
 *              user updates for one sent with X-Test-Refuse-User-Update, and grants a capability at check
 *              time (the user_has_cap filter) to users whose email starts with "filtered" for one sent with
 *              X-Test-Filter-Cap: CAPABILITY, and writes every database statement of a webhook sent with
 *              X-Test-Query-Log to queries.log (one JSON string a line). WP-Cron's
 *              update checks are off: this machine cannot reach wordpress.org, and their warnings would fill the
 *              PHP error log the tests read.
 *
 * @package WpfWebhooks\Tests
 */

defined( 'ABSPATH' ) || exit;

if ( isset( $_GET['wpf_action'] ) && ! headers_sent() ) { // phpcs:ignore WordPress.Security.NonceVerification
	header( 'X-Test-Worker-Pid: ' . getmypid() );
}

// The plugin answers before it logs (and before a queued webhook's worker runs): a test that sent
// X-Test-Request-Id gets it back, and waits for the file this writes when the request has ended for good.
$wpf_test_request = isset( $_SERVER['HTTP_X_TEST_REQUEST_ID'] ) ? (string) $_SERVER['HTTP_X_TEST_REQUEST_ID'] : '';
if ( 1 === preg_match( '/^[0-9a-f]{32}$/', $wpf_test_request ) ) {
	if ( ! headers_sent() ) {
		header( 'X-Test-Request-Id: ' . $wpf_test_request );
	}
	// Registered again once shutdown has begun, so that it runs after every other shutdown function (the test
	// probe's record, the plugin's): "ended" means ended.
	register_shutdown_function(
		static function () use ( $wpf_test_request ) {
			register_shutdown_function(
				static function () use ( $wpf_test_request ) {
					$dir = dirname( WPF_TEST_MAIL_LOG ) . '/ended';
					if ( ! is_dir( $dir ) ) {
						mkdir( $dir, 0700, true );
					}
					touch( $dir . '/' . $wpf_test_request );
				}
			);
		}
	);
}

foreach ( array( 'wp_version_check', 'wp_update_plugins', 'wp_update_themes' ) as $wpf_test_check ) {
	remove_action( $wpf_test_check, $wpf_test_check );
}

if ( isset( $_SERVER['HTTP_X_TEST_QUEUE_ONLY'] ) ) {
	add_filter( 'wpf_webhooks_work_after_response', '__return_false' );
}

// A user update that WordPress refuses (as it refuses, say, a URL over 100 characters).
if ( isset( $_SERVER['HTTP_X_TEST_REFUSE_USER_UPDATE'] ) ) {
	add_filter( 'wp_pre_insert_user_data', fn( $data, $update ) => $update ? array() : $data, 10, 2 );
}

// A capability a plugin grants only when it is checked, as membership and role plugins do.
if ( isset( $_SERVER['HTTP_X_TEST_FILTER_CAP'] ) ) {
	$wpf_test_cap = sanitize_key( wp_unslash( $_SERVER['HTTP_X_TEST_FILTER_CAP'] ) );
	add_filter(
		'user_has_cap',
		static fn( $allcaps, $caps, $args, $user ) => str_starts_with( (string) $user->user_email, 'filtered' ) ? array_merge( $allcaps, array( $wpf_test_cap => true ) ) : $allcaps,
		10,
		4
	);
}

// Logins a plugin forbids (WordPress's illegal_user_logins filter, as security plugins fill it), for this request.
if ( isset( $_SERVER['HTTP_X_TEST_ILLEGAL_LOGINS'] ) ) {
	$wpf_test_illegal = explode( ',', sanitize_text_field( wp_unslash( $_SERVER['HTTP_X_TEST_ILLEGAL_LOGINS'] ) ) );
	add_filter( 'illegal_user_logins', static fn() => $wpf_test_illegal );
}

// The plugin's string "Webhook Logs" in another language, asked early (at plugins_loaded, as when another plugin's
// wp_schedule_event() runs the plugin's cron_schedules filter) and at init, answered as JSON.
if ( isset( $_SERVER['HTTP_X_TEST_LOCALE'] ) ) {
	$wpf_test_locale = sanitize_text_field( wp_unslash( $_SERVER['HTTP_X_TEST_LOCALE'] ) );
	add_filter( 'determine_locale', static fn() => $wpf_test_locale );
	add_action( 'plugins_loaded', static fn() => $GLOBALS['wpf_test_early'] = __( 'Webhook Logs', 'wpf-webhooks' ), 0 ); // phpcs:ignore WordPress.WP.GlobalVariablesOverride
	add_action(
		'init',
		static function () {
			nocache_headers();
			wp_send_json( array( 'early' => $GLOBALS['wpf_test_early'], 'init' => __( 'Webhook Logs', 'wpf-webhooks' ) ) );
		},
		99
	);
}

// The site owner's cap on stored queued webhooks (wp-config.php's WPF_WEBHOOKS_QUEUE_MAX_JOBS), for this request.
if ( isset( $_SERVER['HTTP_X_TEST_QUEUE_MAX_JOBS'] ) && ! defined( 'WPF_WEBHOOKS_QUEUE_MAX_JOBS' ) ) {
	define( 'WPF_WEBHOOKS_QUEUE_MAX_JOBS', (int) $_SERVER['HTTP_X_TEST_QUEUE_MAX_JOBS'] );
}

add_action(
	'wpf_webhooks_queue_job_run',
	static function ( $job_id, $code, $attempt ) {
		$line = array(
			'job'     => $job_id,
			'code'    => $code,
			'attempt' => $attempt,
			'pid'     => getmypid(),
			'master'  => function_exists( 'posix_getppid' ) ? posix_getppid() : 0,
			'sapi'    => PHP_SAPI,
		);
		file_put_contents( dirname( WPF_TEST_MAIL_LOG ) . '/jobs.log', wp_json_encode( $line ) . "\n", FILE_APPEND | LOCK_EX );
	},
	10,
	3
);

if ( isset( $_GET['wpf_action'], $_SERVER['HTTP_X_TEST_QUERY_LOG'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification
	add_filter(
		'query',
		static function ( $query ) {
			file_put_contents( dirname( WPF_TEST_MAIL_LOG ) . '/queries.log', wp_json_encode( preg_replace( '/\s+/', ' ', trim( (string) $query ) ) ) . "\n", FILE_APPEND | LOCK_EX );
			return $query;
		}
	);
}

foreach ( array( 'wpf_tags_applied', 'wpf_tags_removed', 'wpf_tags_modified', 'wpf_user_updated', 'wpf_user_imported' ) as $wpf_test_action ) {
	add_action(
		$wpf_test_action,
		static function ( $user_id, $data ) use ( $wpf_test_action ) {
			$line = array(
				'action'            => $wpf_test_action,
				'user_id'           => $user_id,
				'data'              => $data,
				'WPF_DOING_WEBHOOK' => defined( 'WPF_DOING_WEBHOOK' ) && WPF_DOING_WEBHOOK,
				'DOING_WPF_WEBHOOK' => defined( 'DOING_WPF_WEBHOOK' ) && DOING_WPF_WEBHOOK,
			);
			file_put_contents( dirname( WPF_TEST_MAIL_LOG ) . '/actions.log', wp_json_encode( $line ) . "\n", FILE_APPEND | LOCK_EX );
		},
		10,
		2
	);
}
