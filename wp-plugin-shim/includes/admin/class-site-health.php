<?php
/**
 * Tools → Site Health: is the extension there and matching, is the plugin configured, is the key strong,
 * does the CRM answer, does the webhook URL reach the plugin, is the queue worked, do the signing settings suit the
 * webhooks that arrive, is this a staging copy.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks\Admin;

use WpfWebhooks\ContactLinks;
use WpfWebhooks\Contract;
use WpfWebhooks\Extension;
use WpfWebhooks\Log;
use WpfWebhooks\Queue;
use WpfWebhooks\Settings;
use WpfWebhooks\SiteContext;
use WpfWebhooks\Staging;

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's Site Health tests.
 */
final class SiteHealth {

	const CRM_TEST = 'wpf-webhooks-crm';

	const REACHABILITY_TEST = 'wpf-webhooks-reachability';

	/**
	 * A queued webhook due later than this is parked: the longest backoff is 2 h (+20 % jitter).
	 */
	const PARKED_SECONDS = 3 * HOUR_IN_SECONDS;

	/**
	 * How many of the newest webhooks with a signature verdict the signatures test reads.
	 */
	const SIGNED_SAMPLE = 50;

	/**
	 * The plugin's section of Tools → Site Health → Info.
	 */
	const INFO_SECTION = 'wpf-webhooks';

	/**
	 * Adds the tests (filter site_status_tests). The CRM check calls the CRM and the webhook URL check requests the
	 * site's own webhook URL, so they run asynchronously.
	 *
	 * @param array $tests The tests.
	 */
	public static function add_tests( array $tests ): array {
		$tests['direct']['wpf_webhooks_extension'] = array(
			'label' => __( 'wpf-webhooks extension', 'wpf-webhooks' ),
			'test'  => array( self::class, 'extension_test' ),
		);
		$tests['direct']['wpf_webhooks_configuration'] = array(
			'label' => __( 'wpf-webhooks configuration', 'wpf-webhooks' ),
			'test'  => array( self::class, 'configuration_test' ),
		);
		$tests['direct']['wpf_webhooks_access_key'] = array(
			'label' => __( 'wpf-webhooks access key', 'wpf-webhooks' ),
			'test'  => array( self::class, 'access_key_test' ),
		);
		$tests['direct']['wpf_webhooks_failures'] = array(
			'label' => __( 'wpf-webhooks recent failures', 'wpf-webhooks' ),
			'test'  => array( self::class, 'failures_test' ),
		);
		$tests['direct']['wpf_webhooks_refused'] = array(
			'label' => __( 'wpf-webhooks refused requests', 'wpf-webhooks' ),
			'test'  => array( self::class, 'refused_test' ),
		);
		$tests['direct']['wpf_webhooks_queue'] = array(
			'label' => __( 'wpf-webhooks queue', 'wpf-webhooks' ),
			'test'  => array( self::class, 'queue_test' ),
		);
		$tests['direct']['wpf_webhooks_signatures'] = array(
			'label' => __( 'wpf-webhooks signatures', 'wpf-webhooks' ),
			'test'  => array( self::class, 'signatures_test' ),
		);
		$tests['direct']['wpf_webhooks_contact_links'] = array(
			'label' => __( 'wpf-webhooks contact links', 'wpf-webhooks' ),
			'test'  => array( self::class, 'contact_links_test' ),
		);
		$tests['direct']['wpf_webhooks_staging'] = array(
			'label' => __( 'wpf-webhooks staging copy', 'wpf-webhooks' ),
			'test'  => array( self::class, 'staging_test' ),
		);
		$tests['async'][ self::CRM_TEST ] = array(
			'label'             => __( 'wpf-webhooks CRM connection', 'wpf-webhooks' ),
			'test'              => self::CRM_TEST,
			'has_rest'          => false,
			'async_direct_test' => array( self::class, 'crm_test' ),
		);
		$tests['async'][ self::REACHABILITY_TEST ] = array(
			'label'             => __( 'wpf-webhooks webhook URL', 'wpf-webhooks' ),
			'test'              => self::REACHABILITY_TEST,
			'has_rest'          => false,
			'async_direct_test' => array( self::class, 'reachability_test' ),
		);
		return $tests;
	}

	/**
	 * Adds the plugin's section to Tools → Site Health → Info (filter debug_information): what support asks for,
	 * and nothing secret. A setting the contract calls secret (the access key, CRM credentials, signing secrets)
	 * shows as set or not set, never a character of it; "Copy site info to clipboard" copies the same.
	 *
	 * @param array $info The sections.
	 */
	public static function debug_information( array $info ): array {
		global $wpdb;
		\WpfWebhooks\Schema::upgrade();
		$settings = Settings::get();
		$fields   = array(
			'plugin_version'   => self::info_field( __( 'Plugin version', 'wpf-webhooks' ), WPF_WEBHOOKS_VERSION ),
			'plugin_interface' => self::info_field( __( 'Extension interface the plugin speaks', 'wpf-webhooks' ), (string) WPF_WEBHOOKS_INTERFACE ),
			'extension'        => self::info_field( __( 'Extension', 'wpf-webhooks' ), self::extension_info() ),
			'crm'              => self::info_field( __( 'CRM', 'wpf-webhooks' ), Contract::crms()[ $settings['crm'] ]['name'] ?? __( 'none chosen', 'wpf-webhooks' ) ),
		);
		foreach ( Contract::settings() as $setting ) {
			if ( 'crm' !== $setting['key'] && ( null === $setting['crm'] || $settings['crm'] === $setting['crm'] ) ) {
				$fields[ 'setting_' . $setting['key'] ] = self::info_field( $setting['label'] ?? $setting['key'], self::setting_info( $setting, $settings[ $setting['key'] ] ) );
			}
		}
		$counts = Queue::counts();
		$oldest = (int) $wpdb->get_var( 'SELECT MIN(created_at) FROM ' . Queue::table() . " WHERE status IN ('pending', 'running')" ); // phpcs:ignore WordPress.DB
		$fields['queue']        = self::info_field(
			__( 'Queued webhooks', 'wpf-webhooks' ),
			/* translators: 1: waiting webhooks, 2: running, 3: failed */
			sprintf( __( '%1$s pending, %2$s running, %3$s failed', 'wpf-webhooks' ), number_format_i18n( $counts['pending'] ), number_format_i18n( $counts['running'] ), number_format_i18n( $counts['failed'] ) )
		);
		$fields['queue_oldest'] = self::info_field( __( 'Oldest waiting queued webhook', 'wpf-webhooks' ), $oldest > 0 ? human_time_diff( $oldest ) : __( 'none', 'wpf-webhooks' ) );
		$rows                   = Log::size();
		$fields['log_rows']     = self::info_field(
			__( 'Webhook log rows', 'wpf-webhooks' ),
			/* translators: %s: a number of rows */
			null === $rows ? sprintf( __( 'more than %s', 'wpf-webhooks' ), number_format_i18n( Log::window() ) ) : (string) $rows
		);
		$info[ self::INFO_SECTION ] = array(
			'label'       => __( 'WPF Webhooks', 'wpf-webhooks' ),
			'description' => __( 'The webhook plugin, its extension, its CRM and settings (secrets only as set or not set), its queue and log.', 'wpf-webhooks' ),
			'fields'      => $fields,
		);
		return $info;
	}

	/**
	 * One field of the Info section.
	 *
	 * @param string $label Its label.
	 * @param string $value Its value.
	 */
	private static function info_field( string $label, string $value ): array {
		return array(
			'label' => $label,
			'value' => $value,
		);
	}

	/**
	 * The extension's build (version, interface, profile, revision), or why it cannot be used.
	 */
	private static function extension_info(): string {
		$problem = Extension::problem();
		if ( null !== $problem ) {
			return $problem;
		}
		$build = wpf_webhooks_build_info();
		return sprintf(
			/* translators: 1: a version, 2: the interface's number, 3: release or debug, 4: a git revision */
			__( '%1$s, interface %2$s, %3$s build, revision %4$s', 'wpf-webhooks' ),
			$build['version'],
			$build['interface'],
			$build['profile'],
			$build['git_revision']
		);
	}

	/**
	 * A setting as the Info section shows it: a secret as set or not set; a choice by its label; others as they
	 * are (a list or map as JSON).
	 *
	 * @param array $setting The setting as the contract describes it.
	 * @param mixed $value   Its value.
	 */
	private static function setting_info( array $setting, $value ): string {
		if ( $setting['secret'] ) {
			return '' === (string) $value ? __( 'not set', 'wpf-webhooks' ) : __( 'set', 'wpf-webhooks' );
		}
		if ( is_array( $value ) ) {
			return (string) wp_json_encode( $value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
		}
		if ( is_bool( $value ) ) {
			return $value ? __( 'yes', 'wpf-webhooks' ) : __( 'no', 'wpf-webhooks' );
		}
		if ( 'base_url' === ( $setting['kind'] ?? '' ) && '' !== (string) $value ) {
			// A proxy's address may carry its credentials (user:password@) or a token in its query: not for a support request.
			$url = wp_parse_url( (string) $value );
			return is_array( $url ) ? ( $url['scheme'] ?? '' ) . '://' . ( $url['host'] ?? '' ) . ( isset( $url['port'] ) ? ':' . $url['port'] : '' ) . ( $url['path'] ?? '' ) : '';
		}
		return (string) ( $setting['options'][ $value ] ?? $value );
	}

	/**
	 * A Site Health result.
	 *
	 * @param string $test        The test's id.
	 * @param string $status      good, recommended or critical.
	 * @param string $label       The headline.
	 * @param string $description What to do.
	 */
	private static function result( string $test, string $status, string $label, string $description ): array {
		return array(
			'test'        => $test,
			'status'      => $status,
			'label'       => $label,
			'description' => '<p>' . esc_html( $description ) . '</p>',
			'badge'       => array(
				'label' => __( 'Webhooks', 'wpf-webhooks' ),
				'color' => 'good' === $status ? 'blue' : 'red',
			),
			'actions'     => sprintf( '<a href="%s">%s</a>', esc_url( SettingsPage::url() ), esc_html__( 'Webhook settings', 'wpf-webhooks' ) ),
		);
	}

	/**
	 * Whether this site is a staging copy, which writes nothing to the CRM (Staging).
	 */
	public static function staging_test(): array {
		if ( ! Staging::is_staging() ) {
			return self::result( 'wpf_webhooks_staging', 'good', __( 'Webhooks may write to the CRM from this site', 'wpf-webhooks' ), __( 'This is the site the plugin was set up on, and no staging constant is set.', 'wpf-webhooks' ) );
		}
		$fix = null === Staging::constant()
			? __( 'If this is the real site now (it moved), use "This is the real site now" in the notice at the top of the page.', 'wpf-webhooks' )
			: __( 'Remove the constant from wp-config.php on the real site.', 'wpf-webhooks' );
		return self::result( 'wpf_webhooks_staging', 'recommended', __( 'This site is a staging copy: webhooks write nothing to the CRM', 'wpf-webhooks' ), Staging::explanation() . ' ' . $fix );
	}

	/**
	 * The signing settings suit the recent webhooks (the newest SIGNED_SAMPLE with a signature verdict, see
	 * Log::recent_signed()): none was refused for its signature in the last 24 hours; the newest do not arrive
	 * unsigned while a signing secret is set (older ones may predate it); and when they all arrive signed,
	 * signatures are required.
	 */
	public static function signatures_test(): array {
		\WpfWebhooks\Schema::upgrade();
		$test     = 'wpf_webhooks_signatures';
		$settings = Settings::get();
		$rows     = Log::recent_signed( self::SIGNED_SAMPLE );
		$total    = count( $rows );
		$day      = time() - DAY_IN_SECONDS;
		$refused  = array_values( array_filter( $rows, fn( $row ) => 'refused' === $row['signature'] && $row['created_at'] >= $day ) );
		$unsigned = array_filter( $rows, fn( $row ) => 'unsigned' === $row['signature'] );
		$signed   = array_filter( $rows, fn( $row ) => in_array( $row['signature'], array( 'verified', 'unchecked' ), true ) );
		// The unsigned webhooks since the newest signed one (rows are newest first).
		$newest   = array_key_first( $signed ) ?? PHP_INT_MAX;
		$latest   = count( array_filter( array_keys( $unsigned ), fn( $i ) => $i < $newest ) );
		$signing  = SettingsPage::signing( $settings );
		$required = $signing['required'];
		if ( array() !== $refused ) {
			$verdict = LogPage::verdict( $refused[0] );
			$result  = self::result(
				$test,
				'recommended',
				__( 'Webhooks were refused for their signature', 'wpf-webhooks' ),
				sprintf(
					/* translators: 1: a number of webhooks, 2: how many were read, 3: why the last one was refused */
					_n( '%1$s of the last %2$s webhooks was refused for its signature in the last 24 hours; the last because: %3$s.', '%1$s of the last %2$s webhooks were refused for their signature in the last 24 hours; the last because: %3$s.', count( $refused ), 'wpf-webhooks' ),
					number_format_i18n( count( $refused ) ),
					number_format_i18n( $total ),
					'' === $verdict['reason'] ? $refused[0]['message'] : $verdict['reason']
				) . ' ' . __( 'If your CRM sent them, compare its signing key with the one on the Webhooks settings page and check the server\'s clock; if it does not sign them, turn off Require signed webhooks. If nobody you know sent them, someone has the access key: regenerate it.', 'wpf-webhooks' )
			);
			return self::with_log_link( $result, 'refused' );
		}
		if ( ! $required && $latest > 0 && array() !== $signing['armed'] ) {
			$result = self::result(
				$test,
				'recommended',
				__( 'Webhooks arrive unsigned although a signing secret is set', 'wpf-webhooks' ),
				/* translators: %s: a number of webhooks */
				sprintf( _n( 'The last %s webhook was not signed, although a signing secret is set.', 'The last %s webhooks were not signed, although a signing secret is set.', $latest, 'wpf-webhooks' ), number_format_i18n( $latest ) )
				. ' ' . __( 'Check that the CRM journey (or whatever sends them) signs its webhooks, with the secret set on the Webhooks settings page. Signatures cannot be required while webhooks arrive unsigned.', 'wpf-webhooks' )
			);
			return self::with_log_link( $result, 'unsigned' );
		}
		if ( $required ) {
			return self::result( $test, 'good', __( 'Webhooks must carry a verified signature', 'wpf-webhooks' ), __( 'Require signed webhooks is on, and no recent webhook was refused for its signature.', 'wpf-webhooks' ) );
		}
		if ( array() === $signed ) {
			return self::result( $test, 'good', __( 'Webhook signatures need no change', 'wpf-webhooks' ), __( 'No recent webhook was signed. When your CRM signs its webhooks, set its signing key on the Webhooks settings page: a signature proves that a webhook comes from it.', 'wpf-webhooks' ) );
		}
		if ( array() === $unsigned ) {
			return self::result( $test, 'recommended', __( 'Webhooks arrive signed: require signatures', 'wpf-webhooks' ), self::signed_text( array_values( $signed ), $total ) );
		}
		return self::result(
			$test,
			'good',
			__( 'Webhook signatures need no change', 'wpf-webhooks' ),
			/* translators: 1: a number of webhooks, 2: how many were read */
			sprintf( _n( '%1$s of the last %2$s webhooks was not signed: signatures can be required once every sender signs.', '%1$s of the last %2$s webhooks were not signed: signatures can be required once every sender signs.', count( $unsigned ), 'wpf-webhooks' ), number_format_i18n( count( $unsigned ) ), number_format_i18n( $total ) )
		);
	}

	/**
	 * Why to require signatures, when every recent webhook was signed: verified, or signed in a scheme whose secret
	 * is not set, which must be set first.
	 *
	 * @param array[] $signed The recent webhooks, all signed.
	 * @param int     $total  How many recent webhooks were read.
	 */
	private static function signed_text( array $signed, int $total ): string {
		$unchecked = array_values( array_filter( $signed, fn( $row ) => 'unchecked' === $row['signature'] ) );
		$then      = __( 'Turn on Require signed webhooks on the Webhooks settings page: a request with a leaked access key but no valid signature is then refused.', 'wpf-webhooks' );
		if ( array() === $unchecked ) {
			/* translators: %s: a number of webhooks */
			return sprintf( _n( 'The last %s webhook was signed and verified.', 'The last %s webhooks were signed and verified.', $total, 'wpf-webhooks' ), number_format_i18n( $total ) ) . ' ' . $then;
		}
		$schemes = array_unique( array_map( fn( $row ) => LogPage::verdict( $row )['scheme'], $unchecked ) );
		return sprintf(
			/* translators: 1: a number of webhooks, 2: how many were read, 3: signing schemes, e.g. "Standard Webhooks" */
			_n( '%1$s of the last %2$s webhooks was signed as %3$s, with no secret set to check it.', '%1$s of the last %2$s webhooks were signed as %3$s, with no secret set to check them.', count( $unchecked ), 'wpf-webhooks' ),
			number_format_i18n( count( $unchecked ) ),
			number_format_i18n( $total ),
			implode( ', ', $schemes )
		) . ' ' . __( 'Set its signing secret on the Webhooks settings page, so that they are verified.', 'wpf-webhooks' ) . ' ' . $then;
	}

	/**
	 * A result whose actions lead to the log's webhooks of a signature verdict, and to the settings.
	 *
	 * @param array  $result    A result.
	 * @param string $signature The verdict.
	 */
	private static function with_log_link( array $result, string $signature ): array {
		$result['actions'] = sprintf( '<a href="%s">%s</a> ', esc_url( LogPage::url( array( 'signature' => $signature ) ) ), esc_html__( 'These webhooks in the log', 'wpf-webhooks' ) ) . $result['actions'];
		return $result;
	}

	/**
	 * The contact links' backfill is done (webhooks then find their users with one index seek), or how far it is.
	 */
	public static function contact_links_test(): array {
		\WpfWebhooks\Schema::upgrade();
		$test = 'wpf_webhooks_contact_links';
		if ( ContactLinks::progress()['finished'] ) {
			return self::result( $test, 'good', __( 'Webhooks find their users through the contact-link table', 'wpf-webhooks' ), __( 'Every user linked to a CRM contact is in the table, so a webhook finds its user as fast on a site with a million users as on a new one.', 'wpf-webhooks' ) );
		}
		return self::result(
			$test,
			'recommended',
			__( 'The contact links are being built', 'wpf-webhooks' ),
			sprintf(
				/* translators: %s: rows done of the total, with the percentage */
				__( 'The users already linked to a CRM contact (e.g. by WP Fusion) are being added to the contact-link table: %s. WP-Cron works on it every minute, and Settings → Webhooks can run it now. Meanwhile a webhook for a contact not linked yet finds its user by scanning the rest, which takes seconds on a site with a million users.', 'wpf-webhooks' ),
				SettingsPage::links_progress()
			)
		);
	}

	/**
	 * The queue has room, its webhooks are being worked (none due for over 10 minutes, none parked for hours)
	 * and none failed.
	 */
	public static function queue_test(): array {
		global $wpdb;
		\WpfWebhooks\Schema::upgrade();
		$test   = 'wpf_webhooks_queue';
		$counts = Queue::counts();
		$table  = Queue::table();
		$late   = time() - 10 * MINUTE_IN_SECONDS;
		$stuck  = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE (status = 'pending' AND run_at < %d) OR (status = 'running' AND lease_until < %d)", $late, $late ) ); // phpcs:ignore WordPress.DB
		$parked = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE status = 'pending' AND run_at > %d", time() + self::PARKED_SECONDS ) ); // phpcs:ignore WordPress.DB
		if ( Queue::is_full() ) {
			return self::result(
				$test,
				'critical',
				__( 'The webhook queue is full', 'wpf-webhooks' ),
				sprintf(
					/* translators: %s: the most queued webhooks */
					_n( 'The queue holds %s webhook, its most (the constant WPF_WEBHOOKS_QUEUE_MAX_JOBS in wp-config.php changes it).', 'The queue holds %s webhooks, its most (the constant WPF_WEBHOOKS_QUEUE_MAX_JOBS in wp-config.php changes it).', Queue::max_jobs(), 'wpf-webhooks' ),
					number_format_i18n( Queue::max_jobs() )
				) . ' ' . __( 'Async webhooks are answered 500 (with Retry-After) and not stored until it has room, and their senders retry later. Failed webhooks count until they are retried or the log\'s retention deletes them; Tools → Webhook Logs lists them. If they come from webhooks you did not expect, regenerate the access key.', 'wpf-webhooks' )
			);
		}
		if ( $stuck > 0 ) {
			return self::result(
				$test,
				'critical',
				__( 'Queued webhooks are waiting and nothing works the queue', 'wpf-webhooks' ),
				sprintf(
					/* translators: %s: a number of webhooks */
					_n( '%s queued webhook has been due for over 10 minutes.', '%s queued webhooks have been due for over 10 minutes.', $stuck, 'wpf-webhooks' ),
					number_format_i18n( $stuck )
				) . ' ' . __( 'The queue is worked after each webhook answer on php-fpm and by WP-Cron every minute: make sure WP-Cron runs (with DISABLE_WP_CRON, a system cron must call wp-cron.php).', 'wpf-webhooks' )
			);
		}
		if ( $parked > 0 ) {
			return self::result(
				$test,
				'recommended',
				__( 'Queued webhooks are scheduled hours ahead', 'wpf-webhooks' ),
				sprintf(
					/* translators: %s: a number of webhooks */
					_n( '%s queued webhook will not be tried for over 3 hours, although the longest wait between attempts is 2 hours: the CRM asked for a long wait (Retry-After), or the server\'s clock was off when it was scheduled. It runs then; Tools → Webhook Logs shows its last answer.', '%s queued webhooks will not be tried for over 3 hours, although the longest wait between attempts is 2 hours: the CRM asked for a long wait (Retry-After), or the server\'s clock was off when they were scheduled. They run then; Tools → Webhook Logs shows their last answers.', $parked, 'wpf-webhooks' ),
					number_format_i18n( $parked )
				)
			);
		}
		if ( $counts['failed'] > 0 ) {
			return self::result(
				$test,
				'recommended',
				__( 'Some queued webhooks failed', 'wpf-webhooks' ),
				sprintf(
					/* translators: %s: a number of webhooks */
					_n( '%s queued webhook was kept as failed.', '%s queued webhooks were kept as failed.', $counts['failed'], 'wpf-webhooks' ),
					number_format_i18n( $counts['failed'] )
				) . ' ' . __( 'Tools → Webhook Logs lists them with the reason and a Retry button.', 'wpf-webhooks' )
			);
		}
		return self::result( $test, 'good', __( 'The webhook queue is being worked', 'wpf-webhooks' ), __( 'No queued webhook is overdue or failed.', 'wpf-webhooks' ) );
	}

	/**
	 * The extension is loaded, speaks this plugin's interface, and comes from the same release.
	 */
	public static function extension_test(): array {
		$problem = Extension::problem() ?? Extension::version_warning();
		if ( null === $problem ) {
			return self::result( 'wpf_webhooks_extension', 'good', __( 'The wpf_webhooks extension is loaded and matches the plugin', 'wpf-webhooks' ), __( 'Webhooks are handled by the extension.', 'wpf-webhooks' ) );
		}
		$status = null === Extension::problem() ? 'recommended' : 'critical';
		return self::result( 'wpf_webhooks_extension', $status, __( 'The wpf_webhooks extension needs attention', 'wpf-webhooks' ), $problem );
	}

	/**
	 * A CRM and its credentials are set.
	 */
	public static function configuration_test(): array {
		$missing = Settings::missing_configuration();
		if ( null === $missing ) {
			return self::result( 'wpf_webhooks_configuration', 'good', __( 'Webhooks are configured', 'wpf-webhooks' ), __( 'A CRM and its credentials are set.', 'wpf-webhooks' ) );
		}
		return self::result( 'wpf_webhooks_configuration', 'critical', __( 'Webhooks are not configured', 'wpf-webhooks' ), $missing );
	}

	/**
	 * The access key carries at least 128 bits.
	 */
	public static function access_key_test(): array {
		if ( ! SettingsPage::is_weak_key( (string) Settings::get()['access_key'] ) ) {
			return self::result( 'wpf_webhooks_access_key', 'good', __( 'The webhook access key is strong', 'wpf-webhooks' ), __( 'It carries at least 128 random bits.', 'wpf-webhooks' ) );
		}
		return self::result( 'wpf_webhooks_access_key', 'critical', __( 'The webhook access key is weak', 'wpf-webhooks' ), __( 'It is shorter than 128 bits (WP Fusion made 8-character keys), so it can be guessed. Regenerate it on the Webhooks settings page and update your CRM.', 'wpf-webhooks' ) );
	}

	/**
	 * No webhook failed in the last 24 hours (the log's failures, see Log::failures_since()), or how many, each
	 * reason in words and linked to the log's webhooks of that result. Advice ("recommended"): a failed webhook
	 * is the sender's to retry or the owner's to look at, and the site works on.
	 */
	public static function failures_test(): array {
		\WpfWebhooks\Schema::upgrade();
		$failures = Log::failures_since( time() - DAY_IN_SECONDS );
		if ( array() === $failures ) {
			return self::result( 'wpf_webhooks_failures', 'good', __( 'No webhook failed in the last 24 hours', 'wpf-webhooks' ), __( 'Every webhook the site accepted was done.', 'wpf-webhooks' ) );
		}
		$total = array_sum( $failures );
		$items = '';
		foreach ( $failures as $code => $count ) {
			$items .= sprintf(
				'<li><a href="%s">%s × %s</a> (<code>%s</code>)</li>',
				esc_url( LogPage::url( array( 'result' => $code ) ) ),
				esc_html( number_format_i18n( $count ) ),
				esc_html( Contract::message( $code ) ),
				esc_html( $code )
			);
		}
		$result                = self::result(
			'wpf_webhooks_failures',
			'recommended',
			/* translators: %s: a number of webhooks */
			sprintf( _n( '%s webhook failed in the last 24 hours', '%s webhooks failed in the last 24 hours', $total, 'wpf-webhooks' ), number_format_i18n( $total ) ),
			''
		);
		$result['description'] = '<ul>' . $items . '</ul><p>' . esc_html__( 'A CRM that could not be reached or refused the request points at the CRM or its credentials (Test connection on the Webhooks settings page); a contact the CRM does not have, at the journey that sent it. Each link opens these webhooks in the log, with their requests and answers.', 'wpf-webhooks' ) . '</p>';
		$result['actions']     = self::log_link();
		return $result;
	}

	/**
	 * No request was refused before its key was accepted in the last 24 hours (see Log::refusals_since()): a
	 * wrong key is someone knocking, or a CRM journey with an old key, not a failing webhook.
	 */
	public static function refused_test(): array {
		\WpfWebhooks\Schema::upgrade();
		$refused = \WpfWebhooks\Log::refusals_since( time() - DAY_IN_SECONDS );
		if ( array() === $refused ) {
			return self::result( 'wpf_webhooks_refused', 'good', __( 'No request to the webhook URL was refused in the last 24 hours', 'wpf-webhooks' ), __( 'Every request came with the right access key and a body within 64 KiB.', 'wpf-webhooks' ) );
		}
		$label             = isset( $refused['forbidden'] )
			? __( 'Someone is knocking on the webhook URL with wrong keys', 'wpf-webhooks' )
			: __( 'Requests to the webhook URL were refused for their size', 'wpf-webhooks' );
		$result            = self::result( 'wpf_webhooks_refused', 'recommended', $label, \WpfWebhooks\Log::refusals_text( $refused ) );
		$result['actions'] = self::log_link() . ' ' . sprintf( '<a href="%s">%s</a>', esc_url( SettingsPage::url() ), esc_html__( 'Webhook settings', 'wpf-webhooks' ) );
		return $result;
	}

	/**
	 * A link to Tools → Webhook Logs.
	 */
	private static function log_link(): string {
		return sprintf( '<a href="%s">%s</a>', esc_url( admin_url( 'tools.php?page=wpf-webhooks-log' ) ), esc_html__( 'Webhook log', 'wpf-webhooks' ) );
	}

	/**
	 * The CRM answers with the configured credentials.
	 */
	public static function crm_test(): array {
		$problem = Extension::problem() ?? Settings::missing_configuration();
		if ( null !== $problem ) {
			return self::result( self::CRM_TEST, 'recommended', __( 'The CRM connection was not checked', 'wpf-webhooks' ), $problem );
		}
		$answer = wpf_test_connection( SiteContext::describe() );
		if ( 'ok' === $answer['code'] ) {
			return self::result( self::CRM_TEST, 'good', __( 'The CRM answers', 'wpf-webhooks' ), (string) $answer['message'] );
		}
		return self::result( self::CRM_TEST, 'critical', __( 'The CRM cannot be reached with the configured credentials', 'wpf-webhooks' ), (string) $answer['message'] );
	}

	/**
	 * The site's webhook URL, requested over the network as a CRM requests it, reaches the plugin (see
	 * Reachability::check()).
	 */
	public static function reachability_test(): array {
		$check                 = Reachability::check();
		$result                = self::result( self::REACHABILITY_TEST, $check['status'], $check['label'], '' );
		$result['description'] = Reachability::html( $check );
		return $result;
	}

	/**
	 * admin-ajax.php?action=health-check-wpf-webhooks-crm: how Site Health runs the async CRM test.
	 */
	public static function ajax_crm_test(): void {
		self::send_async_result( array( self::class, 'crm_test' ) );
	}

	/**
	 * admin-ajax.php?action=health-check-wpf-webhooks-reachability: how Site Health runs the webhook URL check.
	 */
	public static function ajax_reachability_test(): void {
		self::send_async_result( array( self::class, 'reachability_test' ) );
	}

	/**
	 * Runs an async test for Site Health's script, with its nonce, for whoever may view Site Health checks.
	 *
	 * @param callable $test The test.
	 */
	private static function send_async_result( callable $test ): void {
		check_ajax_referer( 'health-check-site-status' );
		if ( ! current_user_can( 'view_site_health_checks' ) ) {
			wp_send_json_error( null, 403 );
		}
		wp_send_json_success( $test() );
	}
}
