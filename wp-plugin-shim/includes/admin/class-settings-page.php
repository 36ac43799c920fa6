<?php
/**
 * Settings → Webhooks: every setting (a CRM's as the CRM describes itself, see Contract::crms()), the access key,
 * ready-to-paste webhook URLs, Test connection, the webhook URL check, signed webhooks (whether the last one was verified), and the
 * import of WP Fusion's settings.
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

defined( 'ABSPATH' ) || exit;

/**
 * The settings page and its form handlers.
 */
final class SettingsPage {

	const SLUG       = 'wpf-webhooks';
	const GROUP      = 'wpf_webhooks';
	const CAPABILITY = 'manage_options';

	/**
	 * The header a CRM may send the access key in, instead of the URL (CONTRACT §1).
	 */
	const KEY_HEADER = 'X-WPF-Access-Key';

	/**
	 * The setting that refuses webhooks without a verified signature.
	 */
	const REQUIRE_SIGNATURE = 'require_signature';

	/**
	 * A strong key has at least this many bits.
	 */
	const STRONG_KEY_BITS = 128;

	/**
	 * When the access key was last regenerated (a Unix time), until an administrator discarded or kept the
	 * queued webhooks accepted with the old key.
	 */
	const KEY_REGENERATED_OPTION = 'wpf_webhooks_key_regenerated_at';

	/**
	 * Test connection's nonce action (the ajax request's and the form's without JavaScript) and the settings form's
	 * field that holds it (the form's `_wpnonce` is the save's).
	 */
	const TEST_ACTION = 'wpf_webhooks_test_connection';
	const TEST_NONCE  = '_wpf_test_nonce';

	/**
	 * Adds the page under Settings (admin_menu).
	 */
	public static function add_page(): void {
		$hook = add_options_page( __( 'Webhooks', 'wpf-webhooks' ), __( 'Webhooks', 'wpf-webhooks' ), self::CAPABILITY, self::SLUG, array( self::class, 'render' ) );
		if ( $hook ) {
			add_action( 'load-' . $hook, array( self::class, 'add_help' ) );
		}
	}

	/**
	 * The page's Help tab (load-settings_page_wpf-webhooks): the setup in its order, and where to look when a
	 * webhook fails.
	 */
	public static function add_help(): void {
		$screen = get_current_screen();
		$screen->add_help_tab(
			array(
				'id'      => 'wpf-webhooks-setup',
				'title'   => __( 'Setting up', 'wpf-webhooks' ),
				'content' => '<ol><li>' . esc_html__( 'Choose your CRM, then enter its credentials: only the chosen CRM\'s fields show. A saved credential is never shown again; leave its field empty to keep it.', 'wpf-webhooks' ) . '</li><li>'
					. esc_html__( 'Test connection calls the CRM with the values as typed, saved or not. Then save the settings.', 'wpf-webhooks' ) . '</li><li>'
					. esc_html__( 'Copy a webhook URL (Copy copies the real URL, with the key, even while it is hidden) and the body into your CRM. Sending the key in the X-WPF-Access-Key header is safer: URLs end up in logs.', 'wpf-webhooks' ) . '</li><li>'
					. esc_html__( 'Check the webhook URL requests it as a CRM would. Regenerate key makes a new key: the old one stops working, and every journey that uses it must be updated.', 'wpf-webhooks' ) . '</li></ol>',
			)
		);
		$screen->add_help_tab(
			array(
				'id'      => 'wpf-webhooks-users',
				'title'   => __( 'Users and roles', 'wpf-webhooks' ),
				'content' => '<p>' . esc_html__( 'Field mapping copies CRM fields to WordPress fields. Return Password writes a generated password back to a CRM field, or not at all. A webhook URL may ask for a role with role=SLUG, and only a role ticked under Roles a webhook may give is used; privileged roles never are.', 'wpf-webhooks' ) . '</p>',
			)
		);
		$screen->set_help_sidebar( '<p><a href="' . esc_url( LogPage::url() ) . '">' . esc_html__( 'Tools → Webhook Logs', 'wpf-webhooks' ) . '</a></p><p>' . esc_html__( 'Every webhook is listed there with why it failed, if it did.', 'wpf-webhooks' ) . '</p>' );
	}

	/**
	 * The webhook log's retention settings and their labels.
	 *
	 * @return array<string, string> setting => label.
	 */
	private static function log_limits(): array {
		return array(
			'log_retention_days' => __( 'Keep log entries for (days)', 'wpf-webhooks' ),
			'log_max_rows'       => __( 'Keep at most (log entries)', 'wpf-webhooks' ),
		);
	}

	/**
	 * Registers the option with the Settings API (admin_init).
	 */
	public static function register(): void {
		register_setting(
			self::GROUP,
			Settings::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( self::class, 'sanitize' ),
				'show_in_rest'      => false,
			)
		);
	}

	/**
	 * The page's URL, with extra query arguments.
	 *
	 * @param array $args Query arguments.
	 */
	public static function url( array $args = array() ): string {
		return add_query_arg( array_merge( array( 'page' => self::SLUG ), $args ), admin_url( 'options-general.php' ) );
	}

	/**
	 * Validates the form. Each invalid value is refused with a message and the saved one kept; the rest is
	 * saved. Updates made by the plugin itself (a new key, an import) pass through unchanged.
	 *
	 * @param mixed $input What the form posted.
	 */
	public static function sanitize( $input ): array {
		$from_form = isset( $_POST['option_page'] ) && self::GROUP === $_POST['option_page']; // phpcs:ignore WordPress.Security.NonceVerification -- options.php checked the nonce.
		if ( ! $from_form ) {
			return is_array( $input ) ? $input : Settings::get();
		}
		$old = Settings::get();
		$in  = is_array( $input ) ? wp_unslash( $input ) : array();
		$new = self::sanitize_crm( $in, $old );

		$new                            = self::sanitize_setting( self::site_signing_secret(), $in, $new );
		$new[ self::REQUIRE_SIGNATURE ] = ! empty( $in[ self::REQUIRE_SIGNATURE ] );

		$new['field_map'] = self::sanitize_field_map( $in['field_map'] ?? array(), $old['field_map'] );

		$new = self::sanitize_return_password( $in, $new );

		$privileged = self::privileged_roles();
		$registered = array_keys( wp_roles()->roles );
		$default    = isset( $in['default_role'] ) ? (string) $in['default_role'] : '';
		if ( '' === $default || ( in_array( $default, $registered, true ) && ! in_array( $default, $privileged, true ) ) ) {
			$new['default_role'] = $default;
		} else {
			self::refuse( 'default_role', __( 'That default role is unknown or privileged; the previous one was kept.', 'wpf-webhooks' ) );
		}
		$format = isset( $in['username_format'] ) ? (string) $in['username_format'] : (string) $old['username_format'];
		if ( isset( Contract::username_formats()[ $format ] ) ) {
			$new['username_format'] = $format;
		} else {
			self::refuse( 'username_format', __( 'That username format is unknown; the previous one was kept.', 'wpf-webhooks' ) );
		}
		$allowed = array_map( 'strval', (array) ( $in['allowed_roles'] ?? array() ) );
		$refused = array_values( array_intersect( $allowed, $privileged ) );
		if ( array() !== $refused ) {
			/* translators: %s: role slugs */
			self::refuse( 'allowed_roles', sprintf( __( 'Privileged roles can never be given by a webhook: %s.', 'wpf-webhooks' ), implode( ', ', $refused ) ) );
		}
		$new['allowed_roles'] = array_values( array_diff( array_intersect( $allowed, $registered ), $privileged ) );

		$new['send_welcome_email'] = ! empty( $in['send_welcome_email'] );
		$new['async']              = ! empty( $in['async'] );

		foreach ( self::log_limits() as $key => $label ) {
			$value = isset( $in[ $key ] ) ? trim( (string) $in[ $key ] ) : (string) $old[ $key ];
			if ( ctype_digit( $value ) ) {
				$new[ $key ] = (int) $value;
			} else {
				/* translators: %s: the setting's label */
				self::refuse( $key, sprintf( __( '%s must be a whole number (0 = no limit); the previous value was kept.', 'wpf-webhooks' ), $label ) );
			}
		}
		return self::refuse_signing_problems( $new, $old );
	}

	/**
	 * The CRM and its settings from the form (see sanitize_setting()), onto some settings.
	 *
	 * @param array $in       The posted values, unslashed.
	 * @param array $settings The settings to change.
	 */
	private static function sanitize_crm( array $in, array $settings ): array {
		$crm = isset( $in['crm'] ) ? (string) $in['crm'] : '';
		if ( '' === $crm || isset( Contract::crms()[ $crm ] ) ) {
			$settings['crm'] = $crm;
		} else {
			self::refuse( 'crm', __( 'Unknown CRM; the previous choice was kept.', 'wpf-webhooks' ) );
		}
		foreach ( Contract::settings() as $setting ) {
			if ( null !== $setting['crm'] ) {
				$settings = self::sanitize_setting( $setting, $in, $settings );
			}
		}
		return $settings;
	}

	/**
	 * Return Password, one choice saved in both of its settings: off is `return_password` false with no field;
	 * on needs a CRM field name, else the previous choice is kept.
	 *
	 * @param array $in  The posted values, unslashed.
	 * @param array $new The settings being saved.
	 */
	private static function sanitize_return_password( array $in, array $new ): array {
		$field = isset( $in['return_password_field'] ) ? trim( (string) $in['return_password_field'] ) : '';
		if ( empty( $in['return_password'] ) ) {
			$new['return_password']       = false;
			$new['return_password_field'] = '';
		} elseif ( preg_match( '/^[A-Za-z0-9_.\-]{1,100}$/', $field ) ) {
			$new['return_password']       = true;
			$new['return_password_field'] = $field;
		} else {
			self::refuse( 'return_password_field', '' === $field ? __( 'Return Password: name the CRM field to write the password to; the previous choice was kept.', 'wpf-webhooks' ) : __( 'The Return Password field may hold letters, digits, _ . and - only; the previous choice was kept.', 'wpf-webhooks' ) );
		}
		return $new;
	}

	/**
	 * Whether Return Password is on: a field is named (CONTRACT §4: an empty field is off).
	 *
	 * @param array $s The settings.
	 */
	private static function returns_password( array $s ): bool {
		return ! empty( $s['return_password'] ) && '' !== trim( (string) $s['return_password_field'] );
	}

	/**
	 * Refuses what the extension finds wrong with the signing settings (CONTRACT §4): a secret its scheme cannot
	 * read keeps the saved one; then `require_signature` without a secret the site can read is stored off.
	 *
	 * @param array $new The settings being saved.
	 * @param array $old The saved settings.
	 */
	private static function refuse_signing_problems( array $new, array $old ): array {
		$problems = self::signing( $new )['problems'];
		$reverted = false;
		foreach ( $problems as $key => $why ) {
			if ( self::REQUIRE_SIGNATURE !== $key ) {
				/* translators: 1: the setting's label, 2: why it is refused */
				self::refuse( $key, sprintf( __( '%1$s refused: %2$s; the previous value was kept.', 'wpf-webhooks' ), self::signing_secret_labels()[ $key ] ?? $key, $why ) );
				$new[ $key ] = $old[ $key ];
				$reverted    = true;
			}
		}
		// A secret put back may let signatures be required again: ask about the settings as they will be saved.
		$why = ( $reverted ? self::signing( $new )['problems'] : $problems )[ self::REQUIRE_SIGNATURE ] ?? null;
		if ( null !== $why ) {
			/* translators: 1: the setting's label, 2: why it is refused */
			self::refuse( self::REQUIRE_SIGNATURE, sprintf( __( '%1$s refused: %2$s; it stays off.', 'wpf-webhooks' ), __( 'Require signed webhooks', 'wpf-webhooks' ), $why ) );
			$new[ self::REQUIRE_SIGNATURE ] = false;
		}
		return $new;
	}

	/**
	 * The extension's signing state of some settings (`wpf_webhooks_signing()`): `schemes`, those the site checks
	 * (its CRM's and Standard Webhooks'), `armed`, those whose secret can verify a webhook, `required` and
	 * `problems`; without the extension no scheme, nothing required, no problem.
	 *
	 * @param array $settings The settings.
	 * @return array{schemes: string[], armed: string[], required: bool, problems: array<string, string>}
	 */
	public static function signing( array $settings ): array {
		$none = array(
			'schemes'  => array(),
			'armed'    => array(),
			'required' => false,
			'problems' => array(),
		);
		return null === Extension::problem() ? wpf_webhooks_signing( $settings ) + $none : $none;
	}

	/**
	 * The site's own signing secret, a sender's that signs as Standard Webhooks, described as a CRM describes its
	 * settings, so that the page handles it as every other credential.
	 */
	private static function site_signing_secret(): array {
		return array(
			'key'   => 'standard_webhooks_secret',
			'kind'  => 'secret',
			'label' => __( 'Standard Webhooks signing secret', 'wpf-webhooks' ),
			'help'  => __( 'For a sender that signs its webhooks as Standard Webhooks (headers webhook-id, webhook-timestamp, webhook-signature): its secret, whsec_ followed by base64.', 'wpf-webhooks' ),
		);
	}

	/**
	 * Each signing scheme's secret setting with its label, the CRMs' first (see Contract::signatures()).
	 *
	 * @return array<string, string> setting => label.
	 */
	private static function signing_secret_labels(): array {
		$site   = self::site_signing_secret();
		$labels = array_column( Contract::settings(), 'label', 'key' ) + array( $site['key'] => $site['label'] );
		$out    = array();
		foreach ( Contract::signatures() as $scheme ) {
			$out[ $scheme['secret_setting'] ] = $labels[ $scheme['secret_setting'] ] ?? $scheme['secret_setting'];
		}
		return $out;
	}

	/**
	 * One described setting from the form (a CRM's, as Contract::settings() describes it, or the site's signing
	 * secret), checked as its kind says: a credential is kept when the input is empty; a
	 * choice must be one of its values; a base-URL override must be empty or a URL the core accepts, and is for a
	 * network administrator only on a multisite network (see may_set_urls()). An input the form did not send
	 * keeps the saved value.
	 *
	 * @param array $setting The setting: `key`, `kind`, `label`, and a choice's `options`.
	 * @param array $in      The posted values.
	 * @param array $new     The settings being saved.
	 */
	private static function sanitize_setting( array $setting, array $in, array $new ): array {
		$key = $setting['key'];
		if ( ! isset( $in[ $key ] ) || ! is_scalar( $in[ $key ] ) ) {
			return $new;
		}
		$value = trim( (string) $in[ $key ] );
		if ( 'secret' === $setting['kind'] ) {
			$value = trim( sanitize_text_field( $value ) );
			if ( '' !== $value ) {
				$new[ $key ] = $value;
			}
		} elseif ( 'choice' === $setting['kind'] ) {
			if ( isset( $setting['options'][ $value ] ) ) {
				$new[ $key ] = $value;
			} else {
				/* translators: %s: the setting's label */
				self::refuse( $key, sprintf( __( '%s: unknown value; the previous one was kept.', 'wpf-webhooks' ), $setting['label'] ) );
			}
		} elseif ( ! self::may_set_urls() ) {
			if ( (string) $new[ $key ] !== $value ) {
				/* translators: %s: the setting's label */
				self::refuse( $key, sprintf( __( 'On a multisite network only a network administrator can change %s; the previous value was kept.', 'wpf-webhooks' ), $setting['label'] ) );
			}
		} elseif ( '' === $value || Contract::is_base_url( $value ) ) {
			$new[ $key ] = $value;
		} else {
			/* translators: %s: the setting's label */
			self::refuse( $key, sprintf( __( '%s is not an http(s) URL; the previous value was kept.', 'wpf-webhooks' ), $setting['label'] ) );
		}
		return $new;
	}

	/**
	 * The field map from the form's rows; a row whose WordPress field can never be written is refused.
	 *
	 * @param mixed $rows The posted rows, `[['wp' => …, 'crm' => …], …]`.
	 * @param array $old  The saved map.
	 */
	private static function sanitize_field_map( $rows, array $old ): array {
		if ( ! is_array( $rows ) ) {
			return $old;
		}
		$map = array();
		foreach ( $rows as $row ) {
			$wp  = is_array( $row ) && isset( $row['wp'] ) ? trim( sanitize_text_field( (string) $row['wp'] ) ) : '';
			$crm = is_array( $row ) && isset( $row['crm'] ) ? trim( sanitize_text_field( (string) $row['crm'] ) ) : '';
			if ( '' === $wp && '' === $crm ) {
				continue;
			}
			$problem = '' === $wp || '' === $crm ? __( 'both sides are needed', 'wpf-webhooks' ) : self::field_problem( $wp );
			if ( null !== $problem ) {
				/* translators: 1: WordPress field, 2: why it is refused */
				self::refuse( 'field_map', sprintf( __( 'Field mapping "%1$s" refused: %2$s.', 'wpf-webhooks' ), $wp, $problem ) );
				continue;
			}
			$map[ $wp ] = $crm;
		}
		return $map;
	}

	/**
	 * Why a WordPress field cannot be mapped (the extension's rule), or null.
	 *
	 * @param string $wp_field The field.
	 */
	private static function field_problem( string $wp_field ): ?string {
		return function_exists( 'wpf_webhooks_field_problem' ) ? wpf_webhooks_field_problem( $wp_field ) : __( 'the extension is not loaded', 'wpf-webhooks' );
	}

	/**
	 * The roles a webhook may never give (the extension's rule; without it, every role with a capability
	 * that could be privileged is treated as such).
	 *
	 * @return string[]
	 */
	public static function privileged_roles(): array {
		if ( function_exists( 'wpf_webhooks_privileged_roles' ) ) {
			return wpf_webhooks_privileged_roles( wp_roles()->roles );
		}
		return array_keys( wp_roles()->roles );
	}

	/**
	 * Whether the current user may set the API base-URL overrides. They make the server send requests wherever
	 * they point: on a multisite network that is for a network administrator, not for one site's administrator
	 * (who could otherwise probe the network the server sits on).
	 */
	private static function may_set_urls(): bool {
		return ! is_multisite() || current_user_can( 'manage_network_options' );
	}

	/**
	 * Adds an error notice for a refused value.
	 *
	 * @param string $field   The setting.
	 * @param string $message Why.
	 */
	private static function refuse( string $field, string $message ): void {
		add_settings_error( Settings::OPTION, 'wpf_' . $field, $message, 'error' );
	}

	/**
	 * Whether the current request may use the page's handlers: capability and nonce, or a 403.
	 *
	 * @param string $action The nonce action.
	 * @param string $field  The request field that holds the nonce.
	 */
	private static function authorize( string $action, string $field = '_wpnonce' ): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to manage webhooks.', 'wpf-webhooks' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( $action, $field );
	}

	/**
	 * admin-post.php?action=wpf_webhooks_regenerate_key: a new access key; the old one stops working at once.
	 * Webhooks the queue accepted with the old key are then offered for discarding (see render_old_jobs()).
	 */
	public static function regenerate_key(): void {
		self::authorize( 'wpf_webhooks_regenerate_key' );
		$settings               = Settings::get();
		$settings['access_key'] = Settings::new_access_key();
		update_option( Settings::OPTION, $settings, false );
		update_option( self::KEY_REGENERATED_OPTION, time(), false );
		wp_safe_redirect( self::url( array( 'wpf-notice' => 'key-regenerated' ) ) );
		exit;
	}

	/**
	 * admin-post.php?action=wpf_webhooks_discard_old_jobs: deletes the waiting and failed webhooks queued up to
	 * the key's regeneration, i.e. accepted with the old key.
	 */
	public static function discard_old_jobs(): void {
		self::authorize( 'wpf_webhooks_discard_old_jobs' );
		$discarded = Queue::accepted_by( (int) get_option( self::KEY_REGENERATED_OPTION, 0 ), true );
		delete_option( self::KEY_REGENERATED_OPTION );
		wp_safe_redirect( self::url( array( 'wpf-notice' => 'old-jobs-discarded', 'wpf-discarded' => $discarded ) ) );
		exit;
	}

	/**
	 * admin-post.php?action=wpf_webhooks_keep_old_jobs: the webhooks queued with the old key stay, to be
	 * processed as usual, and are not offered for discarding again.
	 */
	public static function keep_old_jobs(): void {
		self::authorize( 'wpf_webhooks_keep_old_jobs' );
		delete_option( self::KEY_REGENERATED_OPTION );
		wp_safe_redirect( self::url( array( 'wpf-notice' => 'old-jobs-kept' ) ) );
		exit;
	}

	/**
	 * admin-ajax.php?action=wpf_webhooks_test_connection: Test connection with JavaScript (see
	 * test_typed_settings()). Answers `{code, message}`; -1 with 403 without the capability or the nonce.
	 */
	public static function ajax_test_connection(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( -1, 403 );
		}
		check_ajax_referer( self::TEST_ACTION );
		$result = self::test_typed_settings();
		if ( 'ok' === $result['code'] ) {
			wp_send_json_success( $result );
		}
		wp_send_json_error( $result );
	}

	/**
	 * admin-post.php?action=wpf_webhooks_test_connection: Test connection without JavaScript. Its button posts the
	 * settings form here instead of to options.php (its `formaction`), with the nonce of its own; the result (see
	 * test_typed_settings()) waits a minute for this user, to be shown once beside the button. The typed values
	 * are not kept (a credential must not be stored): the page says so.
	 */
	public static function test_connection(): void {
		self::authorize( self::TEST_ACTION, self::TEST_NONCE );
		set_transient( self::result_key( 'connection' ), self::test_typed_settings(), MINUTE_IN_SECONDS );
		wp_safe_redirect( self::url( array( 'wpf-notice' => 'connection' ) ) . '#wpf-connection' );
		exit;
	}

	/**
	 * Checks the CRM through the extension with the CRM and its settings as typed in the posted form, saved or not
	 * (an empty credential input means the saved one, as on save); nothing is saved. A value the save would refuse
	 * is not tested. The caller checked the capability and the nonce.
	 *
	 * @return array{code: string, message: string} Never a credential.
	 */
	private static function test_typed_settings(): array {
		$in       = isset( $_POST[ Settings::OPTION ] ) && is_array( $_POST[ Settings::OPTION ] ) ? wp_unslash( $_POST[ Settings::OPTION ] ) : array(); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput, WordPress.Security.NonceVerification -- each value is sanitized as it is saved, in sanitize_crm(); the callers checked the nonce.
		$earlier  = count( get_settings_errors( Settings::OPTION ) );
		$settings = self::sanitize_crm( $in, Settings::get() );
		$refused  = array_column( array_slice( get_settings_errors( Settings::OPTION ), $earlier ), 'message' );
		$problem  = Extension::problem();
		if ( array() !== $refused ) {
			return array( 'code' => 'refused', 'message' => implode( ' ', $refused ) );
		}
		if ( null !== $problem ) {
			return array( 'code' => 'extension_missing', 'message' => $problem );
		}
		$answer = wpf_test_connection( SiteContext::describe( $settings ) );
		return array( 'code' => (string) $answer['code'], 'message' => (string) $answer['message'] );
	}

	/**
	 * admin-post.php?action=wpf_webhooks_check_reachability: requests the site's own webhook URL as a CRM would
	 * (see Reachability::check()); the result, which holds no key, is shown once on the page.
	 */
	public static function check_reachability(): void {
		self::authorize( 'wpf_webhooks_check_reachability' );
		set_transient( self::result_key( 'reachability' ), Reachability::check(), MINUTE_IN_SECONDS );
		wp_safe_redirect( self::url( array( 'wpf-notice' => 'reachability' ) ) );
		exit;
	}

	/**
	 * admin-post.php?action=wpf_webhooks_import_wpf: takes WP Fusion's settings, so a site switches without
	 * editing its CRM journeys.
	 */
	public static function import_wpf(): void {
		self::authorize( 'wpf_webhooks_import_wpf' );
		$imported = WpfImport::apply( Settings::get() );
		if ( null !== $imported ) {
			update_option( Settings::OPTION, $imported, false );
		}
		wp_safe_redirect( self::url( array( 'wpf-notice' => null === $imported ? 'nothing-to-import' : 'imported' ) ) );
		exit;
	}

	/**
	 * admin-post.php?action=wpf_webhooks_backfill_links: works the contact links' backfill now (WP-Cron goes on
	 * with it every minute); once it is done, starts it again from the first row, for contact-id meta written by
	 * direct SQL, which no hook sees.
	 */
	public static function backfill_links(): void {
		self::authorize( 'wpf_webhooks_backfill_links' );
		if ( ContactLinks::progress()['finished'] ) {
			ContactLinks::start_backfill();
		}
		ContactLinks::backfill_for( ContactLinks::CRON_SECONDS / 2 );
		wp_safe_redirect( self::url( array( 'wpf-notice' => 'links' ) ) );
		exit;
	}

	/**
	 * The contact links' backfill as a sentence: rows done of the total, with the percentage.
	 */
	public static function links_progress(): string {
		$progress = ContactLinks::progress();
		return sprintf(
			/* translators: 1: rows done, 2: rows in all, 3: percentage */
			__( '%1$s of %2$s (%3$d %%)', 'wpf-webhooks' ),
			number_format_i18n( $progress['done'] ),
			number_format_i18n( $progress['total'] ),
			$progress['percent']
		);
	}

	/**
	 * Where a user's result of the webhook URL check or of Test connection without JavaScript waits to be shown.
	 *
	 * @param string $notice The result's notice: `reachability` or `connection`.
	 */
	private static function result_key( string $notice ): string {
		return 'wpf_webhooks_' . $notice . '_' . get_current_user_id();
	}

	/**
	 * A user's result of the webhook URL check or of Test connection, once: it is forgotten as it is read.
	 *
	 * @param string $notice The result's notice.
	 * @return mixed The result, or false.
	 */
	private static function take_result( string $notice ) {
		$result = get_transient( self::result_key( $notice ) );
		delete_transient( self::result_key( $notice ) );
		return $result;
	}

	/**
	 * Whether the access key is weaker than 128 bits (e.g. imported from WP Fusion).
	 *
	 * @param string $key The key.
	 */
	public static function is_weak_key( string $key ): bool {
		$bits = function_exists( 'wpf_webhooks_key_bits' ) ? wpf_webhooks_key_bits( $key ) : ( ctype_xdigit( $key ) ? strlen( $key ) * 4 : 0 );
		return $bits < self::STRONG_KEY_BITS;
	}

	/**
	 * A credential as the page shows it: bullets and its last four characters.
	 *
	 * @param string $value The credential.
	 */
	public static function masked( string $value ): string {
		return '' === $value ? '' : '••••' . substr( $value, -4 );
	}

	/**
	 * The webhook URLs to paste in the CRM.
	 *
	 * @param string $key The access key.
	 * @return array<string, string> data-action => URL.
	 */
	public static function webhook_urls( string $key ): array {
		$base = home_url( '/' );
		$url  = fn( array $args ) => add_query_arg( array_merge( $args, array( 'access_key' => $key ) ), $base );
		return array(
			'test'        => $url( array( 'wpf_action' => 'test' ) ),
			'add'         => $url( array( 'wpf_action' => 'add' ) ),
			'update'      => $url( array( 'wpf_action' => 'update' ) ),
			'update_tags' => $url( array( 'wpf_action' => 'update_tags' ) ),
			'add-notify'  => $url( array( 'wpf_action' => 'add', 'send_notification' => 'true' ) ),
		);
	}

	/**
	 * The page, in setup order: the CRM and its credentials, Test connection, the webhook URLs and bodies, then how
	 * webhooks make users; the import and the contact links after the form.
	 */
	public static function render(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			return;
		}
		\WpfWebhooks\Schema::upgrade(); // The page reads the log and the queue: after a files-only update, their new columns first.
		$s = Settings::get();
		echo '<div class="wrap"><h1>' . esc_html__( 'Webhooks', 'wpf-webhooks' ) . '</h1>';
		self::render_notices( $s );
		echo '<p id="wpf-log-link">' . esc_html__( 'Every webhook received, and why it failed if it did:', 'wpf-webhooks' ) . ' <a href="' . esc_url( LogPage::url() ) . '">' . esc_html__( 'Tools → Webhook Logs', 'wpf-webhooks' ) . '</a></p>';
		self::render_form( $s );
		self::render_action_form( 'wpf_webhooks_regenerate_key', 'wpf-regenerate-form', __( 'Make a new access key? The current key stops working at once: every journey (every webhook in your CRM) that uses it must be updated with the new URLs or header.', 'wpf-webhooks' ) );
		self::render_action_form( 'wpf_webhooks_check_reachability', 'wpf-check-reachability-form' );
		if ( WpfImport::available() ) {
			echo '<h2>' . esc_html__( 'WP Fusion', 'wpf-webhooks' ) . '</h2>';
			self::render_action_form( 'wpf_webhooks_import_wpf', 'wpf-import-form' );
			echo '<p><button type="submit" id="wpf-import" class="button" form="wpf-import-form">' . esc_html__( 'Import WP Fusion settings', 'wpf-webhooks' ) . '</button></p>';
		}
		self::render_links();
		echo '</div>';
		self::render_style();
		self::render_script();
	}

	/**
	 * The page's one-time notices.
	 *
	 * @param array $s The settings.
	 */
	private static function render_notices( array $s ): void {
		$notice = isset( $_GET['wpf-notice'] ) ? sanitize_key( $_GET['wpf-notice'] ) : ''; // phpcs:ignore WordPress.Security.NonceVerification -- display only.
		if ( 'key-regenerated' === $notice ) {
			echo '<div id="wpf-key-regenerated" class="notice notice-success"><p>' . esc_html__( 'A new access key was made. The old one no longer works: update the URLs in your CRM.', 'wpf-webhooks' ) . '</p></div>';
		}
		if ( 'old-jobs-discarded' === $notice ) {
			$discarded = isset( $_GET['wpf-discarded'] ) ? absint( $_GET['wpf-discarded'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification -- display only.
			/* translators: %d: a number of webhooks */
			$message = sprintf( _n( '%d queued webhook accepted with the previous access key was discarded.', '%d queued webhooks accepted with the previous access key were discarded.', $discarded, 'wpf-webhooks' ), $discarded );
			echo '<div id="wpf-old-jobs-result" class="notice notice-success"><p>' . esc_html( $message ) . '</p></div>';
		}
		if ( 'old-jobs-kept' === $notice ) {
			echo '<div id="wpf-old-jobs-result" class="notice notice-success"><p>' . esc_html__( 'The webhooks queued with the previous access key were kept: they are processed as usual.', 'wpf-webhooks' ) . '</p></div>';
		}
		self::render_old_jobs();
		$result = 'reachability' === $notice ? self::take_result( $notice ) : false;
		if ( is_array( $result ) ) {
			$classes = array(
				'good'        => 'notice-success',
				'recommended' => 'notice-warning',
				'critical'    => 'notice-error',
			);
			printf(
				'<div id="wpf-reachability-result" class="notice %s"><p><strong>%s</strong></p>%s</div>',
				esc_attr( $classes[ $result['status'] ] ),
				esc_html( $result['label'] ),
				Reachability::html( $result ) // phpcs:ignore WordPress.Security.EscapeOutput -- escaped there.
			);
		}
		if ( 'imported' === $notice ) {
			echo '<div id="wpf-imported" class="notice notice-success"><p>' . esc_html__( 'WP Fusion\'s settings were imported. Its webhook URLs keep working.', 'wpf-webhooks' ) . '</p></div>';
		}
		if ( 'links' === $notice ) {
			echo '<div id="wpf-links-result" class="notice notice-success"><p>' . esc_html__( 'The contact links were worked on for a few seconds; WP-Cron goes on until they are done.', 'wpf-webhooks' ) . '</p></div>';
		}
		if ( 'nothing-to-import' === $notice ) {
			echo '<div id="wpf-imported" class="notice notice-warning"><p>' . esc_html__( 'WP Fusion is not set up here for a CRM this plugin supports: nothing was imported.', 'wpf-webhooks' ) . '</p></div>';
		}
		if ( self::is_weak_key( (string) $s['access_key'] ) ) {
			echo '<div id="wpf-weak-key" class="notice notice-warning"><p>' . esc_html__( 'The access key is weaker than 128 bits (WP Fusion made 8-character keys). It works, but anyone who guesses it can create users: regenerate it below and update your CRM.', 'wpf-webhooks' ) . '</p></div>';
		}
	}

	/**
	 * After the key was regenerated: how many queued webhooks were accepted with the old one (waiting or failed),
	 * and the choice to discard them (if the old key leaked, anyone may have sent them) or keep them.
	 */
	private static function render_old_jobs(): void {
		$regenerated = (int) get_option( self::KEY_REGENERATED_OPTION, 0 );
		$count       = $regenerated > 0 ? Queue::accepted_by( $regenerated, false ) : 0;
		if ( 0 === $count ) {
			return;
		}
		$when = wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $regenerated );
		/* translators: 1: a number of webhooks, 2: a date and time */
		$message = sprintf( _n( '%1$d queued webhook was accepted with the previous access key, before it was regenerated on %2$s.', '%1$d queued webhooks were accepted with the previous access key, before it was regenerated on %2$s.', $count, 'wpf-webhooks' ), $count, $when );
		/* translators: %d: a number of webhooks */
		$confirm = sprintf( _n( 'Discard %d queued webhook? It will not be processed, and this cannot be undone.', 'Discard %d queued webhooks? They will not be processed, and this cannot be undone.', $count, 'wpf-webhooks' ), $count );
		echo '<div id="wpf-old-key-jobs" class="notice notice-warning"><p>' . esc_html( $message ) . ' ' . esc_html__( 'If the old key leaked, anyone may have sent them. Discard them, or keep them to be processed as usual.', 'wpf-webhooks' ) . '</p>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" data-confirm="' . esc_attr( $confirm ) . '" style="display:inline-block;margin:0 1em 1em 0">';
		echo '<input type="hidden" name="action" value="wpf_webhooks_discard_old_jobs">';
		wp_nonce_field( 'wpf_webhooks_discard_old_jobs' );
		echo '<button type="submit" id="wpf-discard-old-jobs" class="button">' . esc_html__( 'Discard them', 'wpf-webhooks' ) . '</button></form>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" style="display:inline-block;margin:0 0 1em">';
		echo '<input type="hidden" name="action" value="wpf_webhooks_keep_old_jobs">';
		wp_nonce_field( 'wpf_webhooks_keep_old_jobs' );
		echo '<button type="submit" id="wpf-keep-old-jobs" class="button">' . esc_html__( 'Keep them', 'wpf-webhooks' ) . '</button></form></div>';
	}

	/**
	 * The access key and the ready-to-paste URLs, with the key masked until Show (Copy copies the real key or
	 * URL), the choice of sending the key in the URL or in the X-WPF-Access-Key header, and the chosen CRM's
	 * body; Regenerate key and Check the webhook URL submit forms of their own (see render_action_form()).
	 *
	 * @param array $s The settings.
	 */
	private static function render_key_and_urls( array $s ): void {
		$key    = (string) $s['access_key'];
		$masked = self::masked( $key );
		$labels = array(
			'test'        => __( 'Check the key', 'wpf-webhooks' ),
			'add'         => __( 'Create (or update) the user', 'wpf-webhooks' ),
			'update'      => __( 'Update tags and fields', 'wpf-webhooks' ),
			'update_tags' => __( 'Update tags', 'wpf-webhooks' ),
			'add-notify'  => __( 'Create the user and email a set-password link', 'wpf-webhooks' ),
		);
		$copy   = '<button type="button" class="button wpf-copy">' . esc_html__( 'Copy', 'wpf-webhooks' ) . '</button>';
		$status = '<div class="wpf-copy-status" role="status" aria-live="polite"></div>'; // Copy's "Copied", or how to copy by hand.
		echo '<h2 id="wpf-urls">' . esc_html__( 'Webhook URLs', 'wpf-webhooks' ) . '</h2><table class="form-table" role="presentation">';
		printf(
			'<tr><th scope="row"><label for="wpf-access-key">%s</label></th><td><input type="text" id="wpf-access-key" class="regular-text code" readonly value="%s" data-masked="%s" data-copy="%s"> %s <button type="button" id="wpf-show-key" class="button" aria-pressed="false">%s</button> <button type="submit" id="wpf-regenerate-key" class="button" form="wpf-regenerate-form">%s</button>%s<p class="description">%s</p></td></tr>',
			esc_html__( 'Access key', 'wpf-webhooks' ),
			esc_attr( $masked ),
			esc_attr( $masked ),
			esc_attr( $key ),
			str_replace( 'wpf-copy"', 'wpf-copy" id="wpf-copy-key"', $copy ), // phpcs:ignore WordPress.Security.EscapeOutput -- escaped above.
			esc_html__( 'Show', 'wpf-webhooks' ),
			esc_html__( 'Regenerate key', 'wpf-webhooks' ),
			$status, // phpcs:ignore WordPress.Security.EscapeOutput -- a constant.
			esc_html__( 'Show shows the key and the URLs in full. Regenerate key makes a new key: the old one stops working at once, and every journey in your CRM that uses it must be updated.', 'wpf-webhooks' )
		);
		printf(
			'<tr><th scope="row">%s</th><td><fieldset id="wpf-key-in"><label><input type="radio" name="wpf-key-in" value="url" checked> %s</label><br><label><input type="radio" name="wpf-key-in" value="header"> %s</label></fieldset><p id="wpf-header" class="description" hidden>%s <code id="wpf-header-name">%s</code> %s</p></td></tr>',
			esc_html__( 'Send the key', 'wpf-webhooks' ),
			esc_html__( 'in the URL', 'wpf-webhooks' ),
			esc_html__( 'in a header (safer: URLs end up in the CRM\'s and servers\' logs)', 'wpf-webhooks' ),
			esc_html__( 'In the CRM, add the header', 'wpf-webhooks' ),
			esc_html( self::KEY_HEADER ),
			esc_html__( 'with the access key as its value (Copy next to the key), and paste a URL below: it has no key.', 'wpf-webhooks' )
		);
		$urls   = self::webhook_urls( $key );
		$shown  = self::webhook_urls( $masked );
		foreach ( $urls as $action => $url ) {
			printf(
				'<tr><th scope="row">%s</th><td><div class="wpf-copyable"><input type="text" class="large-text code wpf-webhook-url" readonly aria-label="%s" data-action="%s" value="%s" data-masked="%s" data-url="%s" data-header-url="%s"> %s%s</div></td></tr>',
				esc_html( $labels[ $action ] ),
				esc_attr( $labels[ $action ] ),
				esc_attr( $action ),
				esc_attr( $shown[ $action ] ),
				esc_attr( $shown[ $action ] ),
				esc_attr( $url ),
				esc_attr( remove_query_arg( 'access_key', $url ) ),
				$copy, // phpcs:ignore WordPress.Security.EscapeOutput -- escaped above.
				$status // phpcs:ignore WordPress.Security.EscapeOutput -- a constant.
			);
		}
		echo '<tr><th scope="row">' . esc_html__( 'Check', 'wpf-webhooks' ) . '</th><td><button type="submit" id="wpf-check-reachability" class="button" form="wpf-check-reachability-form">' . esc_html__( 'Check the webhook URL', 'wpf-webhooks' ) . '</button>';
		echo '<p id="wpf-check-reachability-help" class="description">' . esc_html__( 'Requests this site\'s test webhook URL over the network, as a CRM does, and says whether the plugin answered, or a redirect, a cache or a firewall did; its test webhook appears in Tools → Webhook Logs.', 'wpf-webhooks' ) . '</p></td></tr></table>';
		foreach ( Contract::crms() as $crm => $about ) {
			$body = json_decode( $about['example_body'], true );
			printf(
				'<div data-crm="%s"%s><p>%s</p><pre class="wpf-webhook-body">%s</pre></div>',
				esc_attr( $crm ),
				self::hidden_unless( $crm, $s ), // phpcs:ignore WordPress.Security.EscapeOutput -- a constant attribute.
				esc_html( $about['webhook_help'] ),
				esc_html( (string) wp_json_encode( $body, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES ) )
			);
		}
	}

	/**
	 * ` hidden` on what belongs to a CRM other than the chosen one: the page shows the chosen CRM's settings and
	 * help only. The script shows another CRM's when it is chosen in the form; without JavaScript, they show
	 * once the choice is saved.
	 *
	 * @param string $crm A CRM's value of the setting `crm`.
	 * @param array  $s   The settings.
	 */
	private static function hidden_unless( string $crm, array $s ): string {
		return $crm === $s['crm'] ? '' : ' hidden';
	}

	/**
	 * An empty form that posts to admin-post.php?action=$action with its nonce, for a button elsewhere on the page
	 * (its `form` attribute names it): the settings form cannot hold forms.
	 *
	 * @param string $action  The admin-post action, also the nonce's action.
	 * @param string $id      The form's id.
	 * @param string $confirm A question to confirm before it is sent ('' = none).
	 */
	private static function render_action_form( string $action, string $id, string $confirm = '' ): void {
		echo '<form method="post" id="' . esc_attr( $id ) . '" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '"' . ( '' === $confirm ? '' : ' data-confirm="' . esc_attr( $confirm ) . '"' ) . '>';
		echo '<input type="hidden" name="action" value="' . esc_attr( $action ) . '">';
		wp_nonce_field( $action );
		echo '</form>';
	}

	/**
	 * The contact links: the backfill's progress and its button (work it now; once done, run it again).
	 */
	private static function render_links(): void {
		$finished = ContactLinks::progress()['finished'];
		echo '<h2>' . esc_html__( 'Contact links', 'wpf-webhooks' ) . '</h2><p id="wpf-links-progress">';
		if ( $finished ) {
			echo esc_html__( 'Every user linked to a CRM contact is in the link table, which webhooks use to find them at any number of users.', 'wpf-webhooks' );
		} else {
			/* translators: %s: rows done of the total, with the percentage */
			echo esc_html( sprintf( __( 'Linking the users already linked to a CRM contact (e.g. by WP Fusion): %s. WP-Cron goes on every minute; webhooks find their users meanwhile, a little slower.', 'wpf-webhooks' ), self::links_progress() ) );
		}
		echo '</p><form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		echo '<input type="hidden" name="action" value="wpf_webhooks_backfill_links">';
		wp_nonce_field( 'wpf_webhooks_backfill_links' );
		echo '<button type="submit" id="wpf-backfill-links" class="button">' . ( $finished ? esc_html__( 'Rebuild the contact links', 'wpf-webhooks' ) : esc_html__( 'Link them now', 'wpf-webhooks' ) ) . '</button>';
		if ( $finished ) {
			echo ' <span class="description">' . esc_html__( 'Needed only after contact ids were written to the database directly (SQL), which WordPress\'s hooks do not see.', 'wpf-webhooks' ) . '</span>';
		}
		echo '</form>';
	}

	/**
	 * The settings form, in setup order: the CRM, its credentials and Test connection; the webhook URLs; how
	 * webhooks make users; signed webhooks; Advanced.
	 *
	 * @param array $s The settings.
	 */
	private static function render_form( array $s ): void {
		$name = fn( string $key ) => Settings::OPTION . '[' . $key . ']';
		echo '<form id="wpf-webhooks-settings" method="post" action="' . esc_url( admin_url( 'options.php' ) ) . '">';
		settings_fields( self::GROUP );
		// The form's default button, which Enter in a field presses, is its first submit button: Save, not Test
		// connection (a submit button too, see test_connection()). Out of sight and of the tab order; Save Changes
		// below is the one to use.
		echo '<div class="wpf-default-submit" aria-hidden="true"><button type="submit" tabindex="-1">' . esc_html__( 'Save Changes', 'wpf-webhooks' ) . '</button></div>';
		echo '<h2>' . esc_html__( 'CRM', 'wpf-webhooks' ) . '</h2><table class="form-table" role="presentation">';
		echo '<tr><th scope="row"><label for="wpf-crm">' . esc_html__( 'CRM', 'wpf-webhooks' ) . '</label></th><td><select id="wpf-crm" name="' . esc_attr( $name( 'crm' ) ) . '">';
		echo '<option value="">' . esc_html__( '— choose —', 'wpf-webhooks' ) . '</option>';
		foreach ( Contract::crms() as $crm => $about ) {
			printf( '<option value="%s"%s>%s</option>', esc_attr( $crm ), selected( $s['crm'], $crm, false ), esc_html( $about['name'] ) );
		}
		echo '</select><p class="description">' . esc_html__( 'Choose it first: its settings show below.', 'wpf-webhooks' ) . '</p></td></tr>';
		self::render_crm_settings( $s, array( 'secret', 'choice' ) );
		printf(
			'<tr id="wpf-connection"><th scope="row">%s</th><td><input type="hidden" name="%s" value="%s"><button type="submit" id="wpf-test-connection" class="button" formaction="%s" formnovalidate name="action" value="%s" data-url="%s">%s</button>%s<p class="description">%s</p></td></tr></table>',
			esc_html__( 'Connection', 'wpf-webhooks' ),
			esc_attr( self::TEST_NONCE ),
			esc_attr( wp_create_nonce( self::TEST_ACTION ) ),
			esc_url( admin_url( 'admin-post.php' ) ),
			esc_attr( self::TEST_ACTION ),
			esc_url( admin_url( 'admin-ajax.php' ) ),
			esc_html__( 'Test connection', 'wpf-webhooks' ),
			self::connection_result_html(), // phpcs:ignore WordPress.Security.EscapeOutput -- escaped there.
			esc_html__( 'Calls the CRM with the values typed above, saved or not (an empty credential field means the saved one). Nothing is saved.', 'wpf-webhooks' )
		);

		self::render_key_and_urls( $s );

		echo '<h2>' . esc_html__( 'Users', 'wpf-webhooks' ) . '</h2><table class="form-table" role="presentation">';
		self::render_field_map( (array) $s['field_map'] );
		self::render_return_password( $s );
		self::render_roles( $s );
		self::render_checkbox(
			__( 'Welcome email', 'wpf-webhooks' ),
			$name( 'send_welcome_email' ),
			! empty( $s['send_welcome_email'] ),
			__( 'Send WordPress\'s new-user email to every user a webhook creates', 'wpf-webhooks' )
		);
		self::render_checkbox(
			__( 'Queue every webhook', 'wpf-webhooks' ),
			$name( 'async' ),
			! empty( $s['async'] ),
			__( 'Answer 202 queued at once and process in the background, as if every URL had async=true', 'wpf-webhooks' ),
			__( 'For CRMs that send bursts or give webhooks little time. Queued webhooks are stored first, retried when the CRM is unavailable, and listed under Tools → Webhook Logs.', 'wpf-webhooks' )
		);
		echo '</table>';
		self::render_signatures( $s );

		echo '<details id="wpf-advanced"><summary>' . esc_html__( 'Advanced: API base URLs (proxies, tests) and log retention', 'wpf-webhooks' ) . '</summary><table class="form-table" role="presentation">';
		self::render_crm_settings( $s, array( 'base_url' ) );
		if ( ! self::may_set_urls() ) {
			echo '<tr><td colspan="2"><p class="description">' . esc_html__( 'On a multisite network only a network administrator can change the API base URLs.', 'wpf-webhooks' ) . '</p></td></tr>';
		}
		foreach ( self::log_limits() as $key => $label ) {
			printf(
				'<tr><th scope="row"><label for="wpf-%1$s">%2$s</label></th><td><input type="number" min="0" step="1" id="wpf-%1$s" class="wpf-number" name="%3$s" value="%4$s"> <span class="description">%5$s</span></td></tr>',
				esc_attr( $key ),
				esc_html( $label ),
				esc_attr( $name( $key ) ),
				esc_attr( (string) $s[ $key ] ),
				esc_html__( '0 = no limit', 'wpf-webhooks' )
			);
		}
		echo '</table></details>';
		submit_button();
		echo '</form>';
	}

	/**
	 * Test connection's result region, a live region that is always there and never hidden, so that a screen
	 * reader announces each result the script puts in it; after a test without JavaScript (see test_connection()),
	 * its result, once, and that the typed values were not kept.
	 */
	private static function connection_result_html(): string {
		$notice = isset( $_GET['wpf-notice'] ) ? sanitize_key( $_GET['wpf-notice'] ) : ''; // phpcs:ignore WordPress.Security.NonceVerification -- display only.
		$result = 'connection' === $notice ? self::take_result( $notice ) : false;
		if ( ! is_array( $result ) || ! isset( $result['code'], $result['message'] ) ) {
			return '<div id="wpf-connection-result" role="status" aria-live="polite"></div>';
		}
		return sprintf(
			'<div id="wpf-connection-result" role="status" aria-live="polite" class="notice inline %s"><p>%s</p><p>%s</p></div>',
			'ok' === $result['code'] ? 'notice-success' : 'notice-error',
			esc_html( (string) $result['message'] ),
			esc_html__( 'Tested the values you typed; they are not saved. The form shows the saved settings.', 'wpf-webhooks' )
		);
	}

	/**
	 * Return Password as one choice: don't write the password back, or write it to a named CRM field (see
	 * sanitize_return_password()). Typing a field name chooses the second (the script).
	 *
	 * @param array $s The settings.
	 */
	private static function render_return_password( array $s ): void {
		$on   = self::returns_password( $s );
		$name = Settings::OPTION . '[return_password]';
		printf(
			'<tr><th scope="row">%1$s</th><td><fieldset id="wpf-return-password"><legend class="screen-reader-text">%1$s</legend><label><input type="radio" name="%2$s" value="0"%3$s> %4$s</label><br><label><input type="radio" id="wpf-return-password-on" name="%2$s" value="1"%5$s> %6$s</label> <input type="text" id="wpf-return-password-field" class="regular-text code" name="%7$s" value="%8$s" placeholder="wp_password" aria-label="%9$s"></fieldset><p class="description">%10$s</p></td></tr>',
			esc_html__( 'Return Password', 'wpf-webhooks' ),
			esc_attr( $name ),
			checked( $on, false, false ),
			esc_html__( 'Don\'t write the password back', 'wpf-webhooks' ),
			checked( $on, true, false ),
			esc_html__( 'Write a generated password to the CRM field', 'wpf-webhooks' ),
			esc_attr( Settings::OPTION . '[return_password_field]' ),
			esc_attr( $on ? (string) $s['return_password_field'] : '' ),
			esc_attr__( 'CRM field for the password', 'wpf-webhooks' ),
			esc_html__( 'Written before the user is created. Customer.io advises against storing secrets in attributes; send_notification=true emails a set-password link instead.', 'wpf-webhooks' )
		);
	}

	/**
	 * The CRMs' settings of some kinds, each CRM's in a `tbody` of its own that only the chosen CRM's shows (see
	 * hidden_unless()): a credential as an empty password input with its saved value masked; a choice as a select;
	 * a base-URL override as a URL input, read-only for whoever may not set it (see may_set_urls()).
	 *
	 * @param array    $s     The settings.
	 * @param string[] $kinds The kinds to show.
	 */
	private static function render_crm_settings( array $s, array $kinds ): void {
		foreach ( Contract::crms() as $crm => $about ) {
			printf( '<tbody data-crm="%s"%s>', esc_attr( $crm ), self::hidden_unless( $crm, $s ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- a constant attribute.
			foreach ( $about['settings'] as $setting ) {
				if ( in_array( $setting['kind'], $kinds, true ) ) {
					self::render_setting( $setting, (string) $s[ $setting['key'] ] );
				}
			}
			echo '</tbody>';
		}
	}

	/**
	 * One described setting's row (a CRM's, as Contract::settings() describes it, or the site's signing secret).
	 *
	 * @param array  $setting The setting: `key`, `kind`, `label`, `help`, and a choice's `options`.
	 * @param string $value   Its saved value.
	 */
	private static function render_setting( array $setting, string $value ): void {
		$key  = $setting['key'];
		$name = Settings::OPTION . '[' . $key . ']';
		$help = array( $setting['help'] );
		if ( 'secret' === $setting['kind'] ) {
			$input  = sprintf( '<input type="password" autocomplete="off" id="wpf-%s" class="regular-text" name="%s" value="" placeholder="%s">', esc_attr( $key ), esc_attr( $name ), esc_attr( self::masked( $value ) ) );
			$help[] = '' === $value ? __( 'Not set.', 'wpf-webhooks' ) : __( 'Saved. Leave empty to keep it.', 'wpf-webhooks' );
		} elseif ( 'choice' === $setting['kind'] ) {
			$input = sprintf( '<select id="wpf-%s" name="%s">', esc_attr( $key ), esc_attr( $name ) );
			foreach ( $setting['options'] as $option => $label ) {
				// As the extension reads a choice (trimmed, in lower case), so that saving the page keeps it.
				$input .= sprintf( '<option value="%s"%s>%s</option>', esc_attr( (string) $option ), selected( strtolower( trim( $value ) ), (string) $option, false ), esc_html( $label ) );
			}
			$input .= '</select>';
		} else {
			$input = sprintf(
				'<input type="text" inputmode="url" id="wpf-%s" class="regular-text code" name="%s" value="%s" placeholder="%s"%s>',
				esc_attr( $key ),
				esc_attr( $name ),
				esc_attr( $value ),
				esc_attr__( 'empty = the official endpoint', 'wpf-webhooks' ),
				self::may_set_urls() ? '' : ' readonly'
			);
		}
		$help = implode( ' ', array_filter( $help, 'strlen' ) );
		printf(
			'<tr><th scope="row"><label for="wpf-%s">%s</label></th><td>%s%s</td></tr>',
			esc_attr( $key ),
			esc_html( $setting['label'] ),
			$input, // phpcs:ignore WordPress.Security.EscapeOutput -- built from escaped parts above.
			'' === $help ? '' : '<p class="description">' . esc_html( $help ) . '</p>'
		);
	}

	/**
	 * A form row with one checkbox.
	 *
	 * @param string                $title       The row's heading.
	 * @param string                $name        The input's name.
	 * @param bool                  $checked     Whether it is ticked.
	 * @param string                $label       The checkbox's label.
	 * @param string                $description A line under it ('' = none).
	 * @param array<string, string> $attributes  More attributes of the input (a name => its value; '' = a
	 *                                           boolean attribute).
	 */
	private static function render_checkbox( string $title, string $name, bool $checked, string $label, string $description = '', array $attributes = array() ): void {
		$more = '';
		foreach ( $attributes as $attribute => $value ) {
			$more .= ' ' . esc_attr( $attribute ) . ( '' === $value ? '' : '="' . esc_attr( $value ) . '"' );
		}
		printf(
			'<tr><th scope="row">%s</th><td><label><input type="checkbox" name="%s" value="1"%s%s> %s</label>%s</td></tr>',
			esc_html( $title ),
			esc_attr( $name ),
			checked( $checked, true, false ),
			$more, // phpcs:ignore WordPress.Security.EscapeOutput -- escaped above.
			esc_html( $label ),
			'' === $description ? '' : '<p class="description">' . esc_html( $description ) . '</p>'
		);
	}

	/**
	 * Signed webhooks: whether the last one was verified, the site's signing secret (a CRM's, such as Customer.io's
	 * signing key, is among its CRM's settings), and Require signed webhooks, which can be ticked once a signing
	 * secret of a scheme the site checks is saved and readable, or as soon as one is typed in (the script; the save
	 * checks it).
	 *
	 * @param array $s The settings.
	 */
	private static function render_signatures( array $s ): void {
		$secret  = self::site_signing_secret();
		$state   = self::signing( $s );
		$labels  = self::signing_secret_labels();
		$secrets = array();
		foreach ( $state['schemes'] as $name ) {
			$key             = Contract::signatures()[ $name ]['secret_setting'];
			$secrets[ $key ] = $labels[ $key ] ?? $key;
		}
		$allowed = array() !== $state['armed'];
		echo '<div id="wpf-signatures"><h2>' . esc_html__( 'Signed webhooks', 'wpf-webhooks' ) . '</h2>';
		echo '<p id="wpf-last-signature">' . self::last_signature_html() . '</p>'; // phpcs:ignore WordPress.Security.EscapeOutput -- escaped there.
		echo '<table class="form-table" role="presentation">';
		self::render_setting( $secret, (string) $s[ $secret['key'] ] );
		$description = __( 'Refuse (403) every webhook without a verified signature, so that a leaked webhook URL alone is not enough. Turn it on once Tools → Webhook Logs shows your webhooks as verified: a sender that does not sign is refused too.', 'wpf-webhooks' );
		if ( ! $allowed && array() !== $secrets ) {
			/* translators: %s: the signing secrets' labels */
			$description .= ' ' . sprintf( __( 'It can be ticked once a signing secret is saved or typed in: %s.', 'wpf-webhooks' ), implode( ', ', $secrets ) );
		}
		$attributes = array( 'id' => 'wpf-require-signature', 'data-secrets' => implode( ' ', array_map( fn( $key ) => 'wpf-' . $key, array_keys( $secrets ) ) ) );
		self::render_checkbox(
			__( 'Require signed webhooks', 'wpf-webhooks' ),
			Settings::OPTION . '[' . self::REQUIRE_SIGNATURE . ']',
			$state['required'],
			__( 'Refuse webhooks without a verified signature', 'wpf-webhooks' ),
			$description,
			$allowed ? $attributes : $attributes + array( 'disabled' => '' )
		);
		echo '</table></div>';
	}

	/**
	 * Whether the last webhook was verified, from the newest log row with a signature verdict (see
	 * Log::last_signed()), with a link to the log's webhooks of the same verdict.
	 */
	private static function last_signature_html(): string {
		$row = Log::last_signed();
		if ( null === $row ) {
			return esc_html__( 'No recent webhook.', 'wpf-webhooks' );
		}
		$verdict = LogPage::verdict( $row );
		/* translators: %s: a time span, e.g. "5 mins" */
		$when = sprintf( __( '%s ago', 'wpf-webhooks' ), human_time_diff( $row['created_at'] ) );
		switch ( $verdict['status'] ) {
			case 'verified':
				/* translators: 1: how long ago, e.g. "5 mins ago", 2: the signing scheme, e.g. "Standard Webhooks" */
				$text = sprintf( __( 'The last webhook (%1$s) was signed and verified (%2$s).', 'wpf-webhooks' ), $when, $verdict['scheme'] );
				break;
			case 'unsigned':
				/* translators: %s: how long ago, e.g. "5 mins ago" */
				$text = sprintf( __( 'The last webhook (%s) was not signed.', 'wpf-webhooks' ), $when );
				break;
			case 'unchecked':
				/* translators: 1: how long ago, e.g. "5 mins ago", 2: the signing scheme, e.g. "Standard Webhooks" */
				$text = sprintf( __( 'The last webhook (%1$s) was signed as %2$s, but no signing key is set to check it.', 'wpf-webhooks' ), $when, $verdict['scheme'] );
				break;
			default:
				/* translators: 1: how long ago, e.g. "5 mins ago", 2: why, e.g. "Customer.io signature does not match" */
				$text = sprintf( __( 'The last webhook (%1$s) was refused: %2$s.', 'wpf-webhooks' ), $when, '' === $verdict['reason'] ? $row['message'] : $verdict['reason'] );
		}
		return esc_html( $text ) . ' <a href="' . esc_url( LogPage::url( array( 'signature' => $verdict['status'] ) ) ) . '">' . esc_html__( 'Show the webhooks with this verdict in the log', 'wpf-webhooks' ) . '</a>';
	}

	/**
	 * The field map editor: WordPress field → CRM field rows.
	 *
	 * @param array $map The saved map.
	 */
	private static function render_field_map( array $map ): void {
		echo '<tr><th scope="row">' . esc_html__( 'Field mapping', 'wpf-webhooks' ) . '</th><td><table id="wpf-field-map"><thead><tr><th>' . esc_html__( 'WordPress field', 'wpf-webhooks' ) . '</th><th>' . esc_html__( 'CRM field', 'wpf-webhooks' ) . '</th></tr></thead><tbody>';
		$rows = array_map( null, array_keys( $map ), array_values( $map ) );
		$rows[] = array( '', '' );
		foreach ( $rows as $i => [ $wp, $crm ] ) {
			printf(
				'<tr><td><input type="text" list="wpf-wp-fields" name="%1$s[field_map][%2$d][wp]" value="%3$s" placeholder="%5$s" aria-label="%5$s"></td><td><input type="text" name="%1$s[field_map][%2$d][crm]" value="%4$s" placeholder="%6$s" aria-label="%6$s"></td></tr>',
				esc_attr( Settings::OPTION ),
				(int) $i,
				esc_attr( (string) $wp ),
				esc_attr( (string) $crm ),
				esc_attr__( 'WordPress field', 'wpf-webhooks' ),
				esc_attr__( 'CRM field', 'wpf-webhooks' )
			);
		}
		echo '</tbody></table><datalist id="wpf-wp-fields">';
		foreach ( array( 'first_name', 'last_name', 'display_name', 'nickname', 'user_url', 'description', 'user_login', 'user_pass' ) as $field ) {
			printf( '<option value="%s">', esc_attr( $field ) );
		}
		echo '</datalist><p><button type="button" id="wpf-field-map-add" class="button">' . esc_html__( 'Add row', 'wpf-webhooks' ) . '</button></p>';
		echo '<p class="description">' . esc_html__( 'A CRM field is looked up at the top level of the contact, then under its attributes. Any other WordPress field name is stored as user meta. role, ID, capabilities, user levels, email and the plugin\'s own meta can never be mapped.', 'wpf-webhooks' ) . '</p></td></tr>';
	}

	/**
	 * Username format, default role and allowed roles; privileged roles are shown but cannot be chosen.
	 *
	 * @param array $s The settings.
	 */
	private static function render_roles( array $s ): void {
		$labels = array(
			'email'    => __( 'Email address', 'wpf-webhooks' ),
			'flname'   => __( 'First name and last name', 'wpf-webhooks' ),
			'fnamenum' => __( 'First name and a random number', 'wpf-webhooks' ),
		);
		echo '<tr><th scope="row"><label for="wpf-username-format">' . esc_html__( 'Username format', 'wpf-webhooks' ) . '</label></th><td><select id="wpf-username-format" name="' . esc_attr( Settings::OPTION . '[username_format]' ) . '">';
		foreach ( Contract::username_formats() as $value => $label ) {
			printf( '<option value="%s"%s>%s</option>', esc_attr( $value ), selected( $s['username_format'], $value, false ), esc_html( $labels[ $value ] ?? $label ) );
		}
		echo '</select><p class="description">' . esc_html__( 'The login of a user a webhook creates, from the first and last names the field map reads from the CRM (a CRM field mapped to user_login wins). When a name is missing, or the login is not valid or taken, the login is the email followed by a short code.', 'wpf-webhooks' ) . '</p></td></tr>';
		$privileged = self::privileged_roles();
		$roles      = wp_roles()->roles;
		echo '<tr><th scope="row"><label for="wpf-default-role">' . esc_html__( 'Default role', 'wpf-webhooks' ) . '</label></th><td><select id="wpf-default-role" name="' . esc_attr( Settings::OPTION . '[default_role]' ) . '">';
		echo '<option value="">' . esc_html__( 'The site\'s default role', 'wpf-webhooks' ) . '</option>';
		foreach ( $roles as $slug => $role ) {
			if ( ! in_array( $slug, $privileged, true ) ) {
				printf( '<option value="%s"%s>%s</option>', esc_attr( $slug ), selected( $s['default_role'], $slug, false ), esc_html( translate_user_role( $role['name'] ) ) );
			}
		}
		echo '</select></td></tr><tr><th scope="row">' . esc_html__( 'Roles a webhook may give', 'wpf-webhooks' ) . '</th><td><fieldset>';
		foreach ( $roles as $slug => $role ) {
			$locked = in_array( $slug, $privileged, true );
			printf(
				'<label><input type="checkbox" name="%s[allowed_roles][]" value="%s"%s%s> %s%s</label><br>',
				esc_attr( Settings::OPTION ),
				esc_attr( $slug ),
				checked( ! $locked && in_array( $slug, (array) $s['allowed_roles'], true ), true, false ),
				disabled( $locked, true, false ),
				esc_html( translate_user_role( $role['name'] ) ),
				$locked ? ' <em>(' . esc_html__( 'privileged: never', 'wpf-webhooks' ) . ')</em>' : ''
			);
		}
		$example = current( array_diff( array_intersect( (array) $s['allowed_roles'], array_keys( $roles ) ), $privileged ) );
		if ( false === $example ) {
			$usage = __( 'Tick a role to let a webhook URL ask for it with the parameter role; none is ticked, so the default role is given.', 'wpf-webhooks' );
		} else {
			/* translators: %s: a URL parameter, e.g. "&role=subscriber" */
			$usage = sprintf( __( 'A webhook URL asks for a ticked role with %s, for example.', 'wpf-webhooks' ), '&role=' . $example );
		}
		echo '</fieldset><p class="description">' . esc_html( $usage . ' ' . __( 'Roles that can manage options, promote or edit users, or post unfiltered HTML are never given.', 'wpf-webhooks' ) ) . '</p></td></tr>';
	}

	/**
	 * The page's style: number inputs wide enough for their values, Copy's message under its URL, the form's
	 * default button out of sight, and the field map readable at phone width (each mapping on lines of its own,
	 * its inputs labelled by their placeholders).
	 */
	private static function render_style(): void {
		?>
		<style>
		.wrap .wpf-number { width: 8em; }
		#wpf-field-map input { width: 100%; }
		.wpf-copyable { display: flex; flex-wrap: wrap; gap: 0 0.5em; align-items: center; }
		.wpf-copyable input { flex: 1; min-width: 0; }
		.wpf-copy-status { flex-basis: 100%; }
		.wpf-copy-status:not(:empty) { margin-top: 0.25em; font-weight: 600; }
		#wpf-connection-result:not(:empty) { margin: 0.5em 0 0; }
		.wpf-default-submit { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip-path: inset(50%); }
		#wpf-return-password-field { max-width: 100%; }
		@media screen and (max-width: 600px) {
			#wpf-field-map, #wpf-field-map tbody, #wpf-field-map tr, #wpf-field-map td { display: block; width: 100%; }
			#wpf-field-map thead { display: none; }
			#wpf-field-map tr { margin-bottom: 0.75em; }
			#wpf-field-map td { padding: 0 0 0.25em; }
		}
		</style>
		<?php
	}

	/**
	 * Show/Hide the key and the URLs, the key in the URL or in the header, Copy (which says "Copied" in a live
	 * region; without the Clipboard API, e.g. on a plain-HTTP admin, it copies with execCommand, and when that
	 * fails too it selects the text, if shown in full, and says how to copy it by hand), the confirmation of a form
	 * with data-confirm, Test connection with the form as typed (by ajax; without JavaScript its button posts the
	 * form, see test_connection()), the switch between the
	 * CRMs' settings, Return Password's field choosing its option, Require signed webhooks once a signing secret is
	 * typed in, and the field map's "Add row".
	 */
	private static function render_script(): void {
		$text = array(
			'show'    => __( 'Show', 'wpf-webhooks' ),
			'hide'    => __( 'Hide', 'wpf-webhooks' ),
			'copied'  => __( 'Copied', 'wpf-webhooks' ),
			'byHand'  => __( 'This browser did not let the page copy. The text is selected: press Ctrl+C (⌘C on a Mac) to copy it.', 'wpf-webhooks' ),
			'showKey' => __( 'This browser did not let the page copy. Press Show, then select the text and press Ctrl+C (⌘C on a Mac) to copy it.', 'wpf-webhooks' ),
			'testing' => __( 'Testing…', 'wpf-webhooks' ),
			'failed'  => __( 'The test could not run: reload the page and try again.', 'wpf-webhooks' ),
		);
		?>
		<script>
		( function () {
			var text = <?php echo wp_json_encode( $text ); ?>;
			var shown = false;
			var inHeader = false;
			var key = document.getElementById( 'wpf-access-key' );
			var urls = document.querySelectorAll( 'input.wpf-webhook-url' );
			function showUrls() {
				key.value = shown ? key.dataset.copy : key.dataset.masked;
				urls.forEach( function ( input ) {
					input.value = inHeader ? input.dataset.headerUrl : ( shown ? input.dataset.url : input.dataset.masked );
				} );
				document.getElementById( 'wpf-header' ).hidden = ! inHeader;
			}
			var show = document.getElementById( 'wpf-show-key' );
			show.addEventListener( 'click', function () {
				shown = ! shown;
				show.textContent = shown ? text.hide : text.show;
				show.setAttribute( 'aria-pressed', shown ? 'true' : 'false' );
				showUrls();
			} );
			document.querySelectorAll( '#wpf-key-in input' ).forEach( function ( radio ) {
				radio.addEventListener( 'change', function () {
					inHeader = 'header' === radio.value && radio.checked;
					showUrls();
				} );
			} );
			var statuses = document.querySelectorAll( '.wpf-copy-status' );
			// A message in a live region, emptied first so that the same words said again are announced again.
			function tell( region, message, forMs ) {
				clearTimeout( region.wpfTimer );
				region.textContent = '';
				region.wpfTimer = setTimeout( function () {
					region.textContent = message;
					if ( forMs ) {
						region.wpfTimer = setTimeout( function () {
							region.textContent = '';
						}, forMs );
					}
				}, 100 );
			}
			// Without the Clipboard API: the value in a textarea out of sight for a moment, copied with execCommand.
			function copyByCommand( value, button ) {
				var area = document.createElement( 'textarea' );
				var ok = false;
				area.value = value;
				area.setAttribute( 'readonly', '' );
				area.setAttribute( 'aria-hidden', 'true' );
				area.tabIndex = -1;
				area.style.cssText = 'position:fixed;top:0;left:0;width:1px;height:1px;opacity:0;pointer-events:none';
				document.body.appendChild( area );
				area.select();
				area.setSelectionRange( 0, value.length );
				try {
					ok = document.execCommand( 'copy' );
				} catch ( e ) {
					ok = false;
				}
				area.remove();
				button.focus();
				return ok;
			}
			document.querySelectorAll( 'button.wpf-copy' ).forEach( function ( button ) {
				var status = button.parentNode.querySelector( '.wpf-copy-status' );
				button.addEventListener( 'click', function () {
					var input = button.previousElementSibling;
					var value = input === key ? key.dataset.copy : ( inHeader ? input.dataset.headerUrl : input.dataset.url );
					function done( ok ) {
						if ( ok ) {
							tell( status, text.copied, 5000 );
						} else if ( input.value === value ) {
							input.focus();
							input.select();
							tell( status, text.byHand );
						} else {
							// The key is masked: it is not put on the page unless Show is pressed.
							tell( status, text.showKey );
						}
					}
					statuses.forEach( function ( other ) {
						if ( other !== status ) {
							clearTimeout( other.wpfTimer );
							other.textContent = '';
						}
					} );
					if ( navigator.clipboard && navigator.clipboard.writeText ) {
						navigator.clipboard.writeText( value ).then( function () {
							done( true );
						}, function () {
							done( copyByCommand( value, button ) );
						} );
					} else {
						done( copyByCommand( value, button ) );
					}
				} );
			} );
			document.querySelectorAll( 'form[data-confirm]' ).forEach( function ( form ) {
				form.addEventListener( 'submit', function ( event ) {
					if ( ! window.confirm( form.dataset.confirm ) ) {
						event.preventDefault();
					}
				} );
			} );
			var test = document.getElementById( 'wpf-test-connection' );
			// A live region, always shown: hidden while its text changes, a screen reader might not announce it.
			var result = document.getElementById( 'wpf-connection-result' );
			var testLabel = test.textContent;
			function sayResult( className, message ) {
				var line = document.createElement( 'p' );
				line.textContent = message;
				result.className = className;
				result.replaceChildren( line );
			}
			test.addEventListener( 'click', function ( event ) {
				var form = document.getElementById( 'wpf-webhooks-settings' );
				var data = new FormData( form );
				event.preventDefault(); // With JavaScript, no page load: the button's formaction is for without it.
				data.set( 'action', test.value );
				data.set( '_ajax_nonce', form.elements[ <?php echo wp_json_encode( self::TEST_NONCE ); ?> ].value );
				function say( ok, message ) {
					sayResult( 'notice inline ' + ( ok ? 'notice-success' : 'notice-error' ), message );
				}
				test.disabled = true;
				sayResult( '', text.testing );
				test.textContent = text.testing;
				fetch( test.dataset.url, { method: 'POST', body: data, credentials: 'same-origin' } ).then( function ( response ) {
					return response.json();
				} ).then( function ( answer ) {
					say( answer.success, answer.data.message );
				} ).catch( function () {
					say( false, text.failed );
				} ).then( function () {
					test.disabled = false;
					test.textContent = testLabel;
				} );
			} );
			var crm = document.getElementById( 'wpf-crm' );
			crm.addEventListener( 'change', function () {
				document.querySelectorAll( '[data-crm]' ).forEach( function ( part ) {
					part.hidden = part.dataset.crm !== crm.value;
				} );
				result.className = '';
				result.replaceChildren();
			} );
			var passwordField = document.getElementById( 'wpf-return-password-field' );
			passwordField.addEventListener( 'input', function () {
				document.getElementById( 'wpf-return-password-on' ).checked = true;
			} );
			var requireBox = document.getElementById( 'wpf-require-signature' );
			if ( requireBox.disabled ) {
				var secrets = requireBox.dataset.secrets.split( ' ' ).map( function ( id ) {
					return document.getElementById( id );
				} ).filter( Boolean );
				secrets.forEach( function ( input ) {
					input.addEventListener( 'input', function () {
						requireBox.disabled = ! secrets.some( function ( secret ) {
							return '' !== secret.value.trim();
						} );
					} );
				} );
			}
			document.getElementById( 'wpf-field-map-add' ).addEventListener( 'click', function () {
				var body = document.querySelector( '#wpf-field-map tbody' );
				var row = body.lastElementChild.cloneNode( true );
				var n = body.children.length;
				row.querySelectorAll( 'input' ).forEach( function ( input ) {
					input.value = '';
					input.name = input.name.replace( /\[field_map\]\[\d+\]/, '[field_map][' + n + ']' );
				} );
				body.appendChild( row );
			} );
		} )();
		</script>
		<?php
	}
}
