<?php
/**
 * Tools → Webhook Logs: the charts and list of webhooks, one webhook's details, the CSV export and clearing the
 * log.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks\Admin;

use WpfWebhooks\Contract;
use WpfWebhooks\Log;
use WpfWebhooks\Queue;

defined( 'ABSPATH' ) || exit;

/**
 * The log page and its handlers: "Clear log", Retry, "Export CSV".
 */
final class LogPage {

	const SLUG          = 'wpf-webhooks-log';
	const CAPABILITY    = 'manage_options';
	const CLEAR_ACTION  = 'wpf_webhooks_clear_log';
	const RETRY_ACTION  = 'wpf_webhooks_retry_jobs';
	const EXPORT_ACTION = 'wpf_webhooks_export_log';


	/**
	 * The actions, for the filter.
	 */
	const ACTIONS = array( 'add', 'update', 'update_tags', 'test' );

	/**
	 * Each outcome's colour (Log::outcomes()), always beside its words.
	 */
	const COLOURS = array(
		'success'  => '#00a32a',
		'client'   => '#dba617',
		'crm'      => '#d63638',
		'refused'  => '#8c8f94',
		'internal' => '#8a2424',
	);

	/**
	 * The rows a CSV export reads a query.
	 */
	const EXPORT_BATCH = 500;

	/**
	 * Adds the page under Tools (admin_menu).
	 */
	public static function register(): void {
		add_management_page(
			__( 'Webhook Logs', 'wpf-webhooks' ),
			__( 'Webhook Logs', 'wpf-webhooks' ),
			self::CAPABILITY,
			self::SLUG,
			array( self::class, 'render' )
		);
	}

	/**
	 * The page's URL, with query arguments.
	 *
	 * @param array $args Query arguments.
	 */
	public static function url( array $args = array() ): string {
		return add_query_arg( array_merge( array( 'page' => self::SLUG ), $args ), admin_url( 'tools.php' ) );
	}

	/**
	 * Prints the list, or one entry when `log` is given.
	 */
	public static function render(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view the webhook log.', 'wpf-webhooks' ), 403 );
		}
		\WpfWebhooks\Schema::upgrade(); // After a files-only update, the tables' new columns before they are read.
		$id = isset( $_GET['log'] ) ? absint( $_GET['log'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification -- a read-only view.
		echo '<div class="wrap wpf-webhooks-log">';
		self::render_style();
		if ( $id > 0 ) {
			self::render_entry( $id );
		} else {
			self::render_list();
		}
		echo '</div>';
	}

	/**
	 * The filtered, paged list, the search box and the "Clear log" button.
	 */
	private static function render_list(): void {
		require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
		require_once __DIR__ . '/class-log-list-table.php';
		require_once __DIR__ . '/class-log-charts.php';
		require_once __DIR__ . '/class-settings-page.php';
		$table = new LogListTable();
		$table->prepare_items();

		echo '<h1 class="wp-heading-inline">' . esc_html__( 'Webhook Logs', 'wpf-webhooks' ) . '</h1>';
		echo '<hr class="wp-header-end">';
		if ( isset( $_GET['cleared'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification -- only chooses a notice.
			echo '<div class="notice notice-success is-dismissible"><p>' . esc_html__( 'The webhook log was cleared.', 'wpf-webhooks' ) . '</p></div>';
		}
		if ( isset( $_GET['retried'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification -- only chooses a notice.
			$retried = absint( $_GET['retried'] ); // phpcs:ignore WordPress.Security.NonceVerification
			/* translators: %s: a number of webhooks */
			echo '<div class="notice notice-success is-dismissible"><p>' . esc_html( sprintf( _n( '%s queued webhook will be tried again.', '%s queued webhooks will be tried again.', $retried, 'wpf-webhooks' ), number_format_i18n( $retried ) ) ) . '</p></div>';
		}
		echo '<p>' . esc_html( self::retention_text() ) . ' ';
		printf(
			/* translators: %s: a link to the plugin's settings page */
			esc_html__( 'The access key, the CRM and the webhook URLs are on %s.', 'wpf-webhooks' ),
			'<a href="' . esc_url( SettingsPage::url() ) . '">' . esc_html__( 'Settings → Webhooks', 'wpf-webhooks' ) . '</a>'
		);
		echo '</p>';
		self::render_queue();
		self::render_refused();
		echo '<div class="wpf-webhooks-charts">';
		LogCharts::render( __( 'Webhooks per hour, last 24 hours', 'wpf-webhooks' ), Log::counts( HOUR_IN_SECONDS, Log::CHARTS[ HOUR_IN_SECONDS ] ), get_option( 'time_format' ), __( 'No webhook in the last 24 hours.', 'wpf-webhooks' ), __( 'Hour', 'wpf-webhooks' ) );
		LogCharts::render( __( 'Webhooks per day, last 30 days', 'wpf-webhooks' ), Log::counts( DAY_IN_SECONDS, Log::CHARTS[ DAY_IN_SECONDS ] ), get_option( 'date_format' ), __( 'No webhook in the last 30 days.', 'wpf-webhooks' ), __( 'Day', 'wpf-webhooks' ) );
		echo '</div>';

		echo '<form method="get" action="' . esc_url( admin_url( 'tools.php' ) ) . '">';
		echo '<input type="hidden" name="page" value="' . esc_attr( self::SLUG ) . '">';
		$table->search_box( __( 'Search contact or message', 'wpf-webhooks' ), 'wpf-webhooks-log' );
		$table->display();
		echo '</form>';
		if ( $table->older ) {
			echo '<p class="description">' . esc_html(
				sprintf(
					/* translators: %s: a number of webhooks */
					__( 'This list, its filters and its counts cover the newest %s webhooks of the log; Export CSV has every one.', 'wpf-webhooks' ),
					number_format_i18n( Log::window() )
				)
			) . '</p>';
		}
		if ( $table->has_items() || $table->older ) {
			$export = array_merge( self::query_args( $table->filters() ), array( 'action' => self::EXPORT_ACTION ) );
			echo '<p><a class="button" href="' . esc_url( wp_nonce_url( add_query_arg( $export, admin_url( 'admin-post.php' ) ), self::EXPORT_ACTION ) ) . '">' . esc_html__( 'Export CSV', 'wpf-webhooks' ) . '</a> ';
			echo esc_html__( 'The entries these filters show, as stored: without access keys, credentials or passwords.', 'wpf-webhooks' ) . '</p>';
		}

		if ( $table->has_items() || $table->filtered() ) {
			echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
			echo '<input type="hidden" name="action" value="' . esc_attr( self::CLEAR_ACTION ) . '">';
			wp_nonce_field( self::CLEAR_ACTION );
			submit_button(
				__( 'Clear log', 'wpf-webhooks' ),
				'delete',
				'wpf-webhooks-clear-log',
				false,
				array( 'onclick' => 'return confirm(' . wp_json_encode( __( 'Delete every entry of the webhook log?', 'wpf-webhooks' ) ) . ');' )
			);
			echo '</form>';
		}
	}

	/**
	 * The queue: how many webhooks wait, and the failed ones with their Retry buttons.
	 */
	private static function render_queue(): void {
		$counts = Queue::counts();
		if ( 0 === array_sum( $counts ) ) {
			return;
		}
		echo '<h2>' . esc_html__( 'Queued webhooks', 'wpf-webhooks' ) . '</h2>';
		echo '<p class="wpf-webhooks-queue-counts">' . esc_html(
			sprintf(
				/* translators: 1: waiting, 2: being processed, 3: failed */
				__( '%1$s waiting, %2$s being processed, %3$s failed.', 'wpf-webhooks' ),
				number_format_i18n( $counts['pending'] ),
				number_format_i18n( $counts['running'] ),
				number_format_i18n( $counts['failed'] )
			)
		) . '</p>';
		$failed = Queue::failed();
		if ( array() === $failed ) {
			return;
		}
		echo '<table class="widefat striped wpf-webhooks-failed-jobs"><thead><tr>';
		foreach ( array( __( 'Queued', 'wpf-webhooks' ), __( 'Action', 'wpf-webhooks' ), __( 'Contact', 'wpf-webhooks' ), __( 'Attempts', 'wpf-webhooks' ), __( 'Last result', 'wpf-webhooks' ), '' ) as $heading ) {
			echo '<th scope="col">' . esc_html( $heading ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		foreach ( $failed as $job ) {
			echo '<tr data-job-id="' . esc_attr( (string) $job->id ) . '">';
			echo '<td>' . esc_html( self::time( (int) $job->created_at ) ) . '</td>';
			echo '<td>' . esc_html( (string) $job->action ) . '</td>';
			echo '<td>' . esc_html( (string) $job->contact ) . '</td>';
			echo '<td>' . esc_html( (string) $job->attempts ) . '</td>';
			echo '<td><code>' . esc_html( (string) $job->last_code ) . '</code> ' . esc_html( (string) $job->last_message ) . '</td>';
			echo '<td>';
			self::retry_button( __( 'Retry', 'wpf-webhooks' ), (int) $job->id );
			echo '</td></tr>';
		}
		echo '</tbody></table><p>';
		self::retry_button( __( 'Retry all failed', 'wpf-webhooks' ), 0 );
		echo '</p>';
	}

	/**
	 * The requests refused in the last 24 hours: they have no entry in the list, so a CRM journey with a wrong key
	 * is seen here.
	 */
	private static function render_refused(): void {
		$refused = Log::refusals_since( time() - DAY_IN_SECONDS );
		if ( array() === $refused ) {
			return;
		}
		echo '<div class="notice notice-warning inline wpf-webhooks-refused"><p>' . esc_html( Log::refusals_text( $refused ) ) . '</p></div>';
	}

	/**
	 * A form posting a retry of one failed job, or of all (job 0).
	 *
	 * @param string $label The button's text.
	 * @param int    $job   The job, or 0 for every failed job.
	 */
	private static function retry_button( string $label, int $job ): void {
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" style="display:inline">';
		echo '<input type="hidden" name="action" value="' . esc_attr( self::RETRY_ACTION ) . '">';
		echo '<input type="hidden" name="job" value="' . esc_attr( (string) $job ) . '">';
		wp_nonce_field( self::RETRY_ACTION );
		submit_button( $label, 'secondary small', 'wpf-webhooks-retry', false );
		echo '</form>';
	}

	/**
	 * Puts failed queued webhooks back in the queue (admin-post.php, POST with a nonce): `job` names one, 0 all.
	 */
	public static function retry_jobs(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to retry queued webhooks.', 'wpf-webhooks' ), 403 );
		}
		check_admin_referer( self::RETRY_ACTION );
		$job     = isset( $_POST['job'] ) ? absint( $_POST['job'] ) : 0;
		$retried = Queue::retry( $job > 0 ? $job : null );
		wp_safe_redirect( self::url( array( 'retried' => $retried ) ) );
		exit;
	}

	/**
	 * What the page says about the log and its retention settings.
	 */
	private static function retention_text(): string {
		$settings = \WpfWebhooks\Settings::get();
		$days     = (int) $settings['log_retention_days'];
		$rows     = (int) $settings['log_max_rows'];
		$text     = __( 'Every webhook whose access key was accepted, newest first; requests refused before are only counted. Access keys, credentials and passwords are never stored.', 'wpf-webhooks' );
		if ( $days > 0 ) {
			/* translators: %s: a number of days */
			$text .= ' ' . sprintf( _n( 'Entries older than %s day are deleted daily.', 'Entries older than %s days are deleted daily.', $days, 'wpf-webhooks' ), number_format_i18n( $days ) );
		}
		if ( $rows > 0 ) {
			/* translators: %s: a number of entries */
			$text .= ' ' . sprintf( _n( 'The newest %s entry is kept (about 1%% more between the daily clean-ups).', 'The newest %s entries are kept (about 1%% more between the daily clean-ups).', $rows, 'wpf-webhooks' ), number_format_i18n( $rows ) );
		}
		return $text;
	}

	/**
	 * One entry with all its fields.
	 *
	 * @param int $id The entry.
	 */
	private static function render_entry( int $id ): void {
		echo '<h1>' . esc_html__( 'Webhook log entry', 'wpf-webhooks' ) . '</h1>';
		echo '<p><a href="' . esc_url( self::url() ) . '">' . esc_html__( '← Back to the webhook log', 'wpf-webhooks' ) . '</a></p>';
		$row = Log::get( $id );
		if ( null === $row ) {
			echo '<div class="notice notice-warning"><p>' . esc_html__( 'This log entry does not exist (any more).', 'wpf-webhooks' ) . '</p></div>';
			return;
		}
		$fields = array(
			__( 'ID', 'wpf-webhooks' )           => esc_html( (string) $row['id'] ),
			__( 'Time', 'wpf-webhooks' )         => esc_html( self::time( $row['created_at'] ) ),
			__( 'Action', 'wpf-webhooks' )       => esc_html( '' === $row['action'] ? '—' : $row['action'] ),
			__( 'Contact', 'wpf-webhooks' )      => esc_html( '' === $row['contact'] ? '—' : $row['contact'] ),
			__( 'Result', 'wpf-webhooks' )       => self::outcome_html( $row ) . ' <code>' . esc_html( $row['code'] ) . '</code>',
			__( 'HTTP status', 'wpf-webhooks' )  => esc_html( (string) $row['status'] ),
			__( 'Duration', 'wpf-webhooks' )     => esc_html( self::duration( $row['duration_ms'] ) ),
			__( 'User', 'wpf-webhooks' )         => self::user_html( $row['user_id'] ),
			__( 'Delivery key', 'wpf-webhooks' ) => null === $row['delivery_key'] ? '—' : '<code>' . esc_html( $row['delivery_key'] ) . '</code>',
			__( 'Queue job', 'wpf-webhooks' )    => null === $row['job_id'] ? '—' : esc_html( '#' . $row['job_id'] ),
			__( 'Signature', 'wpf-webhooks' )    => esc_html( self::entry_signature_text( $row ) ),
			__( 'Message', 'wpf-webhooks' )      => esc_html( $row['message'] ),
			__( 'Warnings', 'wpf-webhooks' )     => array() === $row['warnings'] ? '—' : '<code>' . esc_html( implode( ', ', $row['warnings'] ) ) . '</code>',
		);
		echo '<table class="widefat striped wpf-webhooks-log-entry" data-log-id="' . esc_attr( (string) $row['id'] ) . '"><tbody>';
		foreach ( $fields as $label => $html ) {
			echo '<tr><th scope="row" style="width:12em">' . esc_html( $label ) . '</th><td>' . $html . '</td></tr>'; // phpcs:ignore WordPress.Security.EscapeOutput -- each value is escaped above.
		}
		echo '</tbody></table>';
		$job = null === $row['job_id'] ? null : Queue::get( $row['job_id'] );
		if ( null !== $job && 'failed' === $job->status ) {
			echo '<div class="notice notice-error inline wpf-webhooks-entry-retry"><p>' . esc_html(
				sprintf(
					/* translators: 1: a result code, 2: its message */
					__( 'This queued webhook failed (%1$s: %2$s) and is kept for you to retry.', 'wpf-webhooks' ),
					(string) $job->last_code,
					(string) $job->last_message
				)
			) . '</p>';
			self::retry_button( __( 'Retry', 'wpf-webhooks' ), (int) $job->id );
			echo '</div>';
		}
		echo '<h2>' . esc_html__( 'Request (redacted)', 'wpf-webhooks' ) . '</h2>';
		$request = wp_json_encode( $row['request'], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE );
		echo '<pre class="wpf-webhooks-request" style="white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #c3c4c7;padding:1em">' . esc_html( (string) $request ) . '</pre>';
	}

	/**
	 * The signature verdicts of the log's `signature` column (CONTRACT §6), in words.
	 *
	 * @return array<string, string> status => words.
	 */
	public static function signature_statuses(): array {
		return array(
			'verified'  => __( 'Verified', 'wpf-webhooks' ),
			'unsigned'  => __( 'Unsigned', 'wpf-webhooks' ),
			'unchecked' => __( 'Not checked', 'wpf-webhooks' ),
			'refused'   => __( 'Refused', 'wpf-webhooks' ),
		);
	}

	/**
	 * A row's signature verdict as the extension gave it with the request (`request['signature']`): its status
	 * (the row's column), the label of the scheme it was signed in ('' when none) and why it was refused ('').
	 *
	 * @param array $row A log row.
	 * @return array{status: string, scheme: string, reason: string}
	 */
	public static function verdict( array $row ): array {
		$verdict = is_array( $row['request']['signature'] ?? null ) ? $row['request']['signature'] : array();
		$scheme  = (string) ( $verdict['scheme'] ?? '' );
		return array(
			'status' => (string) $row['signature'],
			'scheme' => '' === $scheme ? '' : ( Contract::signatures()[ $scheme ]['label'] ?? $scheme ),
			'reason' => (string) ( $verdict['reason'] ?? '' ),
		);
	}

	/**
	 * A row's signature verdict in words: "Verified (Customer.io)", "Unsigned", …; with `$reason`, why it was
	 * refused after it. A dash for a row without one (a queued webhook's run, or a row from before signatures).
	 *
	 * @param array $row    A log row.
	 * @param bool  $reason Whether to add the reason.
	 */
	public static function signature_text( array $row, bool $reason = false ): string {
		$verdict = self::verdict( $row );
		if ( '' === $verdict['status'] ) {
			return '—';
		}
		$text = self::signature_statuses()[ $verdict['status'] ] ?? $verdict['status'];
		if ( '' !== $verdict['scheme'] ) {
			/* translators: 1: a signature's status, e.g. "Verified", 2: the scheme it was signed in, e.g. "Standard Webhooks" */
			$text = sprintf( __( '%1$s (%2$s)', 'wpf-webhooks' ), $text, $verdict['scheme'] );
		}
		if ( $reason && '' !== $verdict['reason'] ) {
			/* translators: 1: a signature's verdict, e.g. "Refused (Customer.io)", 2: why */
			$text = sprintf( __( '%1$s: %2$s', 'wpf-webhooks' ), $text, $verdict['reason'] );
		}
		return $text;
	}

	/**
	 * The detail view's signature: the verdict with its reason; for a queued webhook's run, where it was checked.
	 *
	 * @param array $row A log row.
	 */
	private static function entry_signature_text( array $row ): string {
		if ( '' === $row['signature'] && 'QUEUE' === ( $row['request']['method'] ?? '' ) ) {
			return __( '— (a queued webhook\'s run: its signature was checked when it arrived)', 'wpf-webhooks' );
		}
		return self::signature_text( $row, true );
	}

	/**
	 * Deletes every entry (admin-post.php, POST with a nonce), then returns to the page with a notice.
	 */
	public static function clear(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to clear the webhook log.', 'wpf-webhooks' ), 403 );
		}
		check_admin_referer( self::CLEAR_ACTION );
		Log::clear();
		wp_safe_redirect( self::url( array( 'cleared' => '1' ) ) );
		exit;
	}

	/**
	 * A time in the site's time zone, in its date and time formats (Settings → General).
	 *
	 * @param int $timestamp Unix seconds.
	 */
	public static function time( int $timestamp ): string {
		return (string) wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $timestamp );
	}

	/**
	 * The contract's codes, for the result filter.
	 *
	 * @return string[]
	 */
	public static function codes(): array {
		return array_keys( Contract::get()['codes'] );
	}

	/**
	 * The outcomes (Log::outcomes()) in words.
	 *
	 * @return array<string, string> outcome => words.
	 */
	public static function outcomes(): array {
		return array(
			'success'  => __( 'Success', 'wpf-webhooks' ),
			'client'   => __( 'Client error', 'wpf-webhooks' ),
			'crm'      => __( 'CRM error', 'wpf-webhooks' ),
			'refused'  => __( 'Refused', 'wpf-webhooks' ),
			'internal' => __( 'Internal error', 'wpf-webhooks' ),
		);
	}

	/**
	 * A row's outcome: its words on its colour.
	 *
	 * @param array $row A log row.
	 */
	public static function outcome_html( array $row ): string {
		$outcome = Log::outcome( $row['code'] );
		return '<span class="wpf-webhooks-outcome wpf-webhooks-outcome-' . esc_attr( $outcome ) . '">' . esc_html( self::outcomes()[ $outcome ] ) . '</span>';
	}

	/**
	 * The page's styles: the outcomes' colours, the charts, and how long texts wrap (between words; an email, a URL
	 * or a key-like token of the request anywhere, so that it never widens the page).
	 */
	private static function render_style(): void {
		$css = '.wpf-webhooks-log .wp-list-table th,.wpf-webhooks-log .wp-list-table td{overflow-wrap:normal;word-wrap:normal}'
			. '.wpf-webhooks-log .wp-list-table .column-message{overflow-wrap:break-word}'
			. '.wpf-webhooks-log .wp-list-table td.column-contact,.wpf-webhooks-log .wp-list-table td.column-user{overflow-wrap:anywhere}'
			. '.wpf-webhooks-log .wpf-webhooks-log-errors{display:inline-block;margin:0 8px 0 2px;line-height:2.15384615}'
			. '.wpf-webhooks-outcome{display:inline-block;padding:0 6px;border-radius:3px;border-left:4px solid;background:#f6f7f7;font-weight:600;white-space:nowrap}'
			. '.wpf-webhooks-charts{display:flex;flex-wrap:wrap;gap:16px;margin:16px 0}'
			. '.wpf-webhooks-chart{flex:1 1 360px;max-width:640px;background:#fff;border:1px solid #c3c4c7;padding:8px 12px;margin:0}'
			. '.wpf-webhooks-chart>svg{display:block;width:100%;height:120px;border-bottom:1px solid #8c8f94}'
			. '.wpf-webhooks-chart-axis{display:flex;justify-content:space-between;color:#50575e;font-size:12px}'
			. '.wpf-webhooks-chart-legend{margin:6px 0 0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:4px 12px}'
			. '.wpf-webhooks-chart-legend li{margin:0}'
			. '.wpf-webhooks-swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}'
			. '.wpf-webhooks-chart-table{margin-top:6px}.wpf-webhooks-chart-table summary{cursor:pointer;color:#2271b1}.wpf-webhooks-chart-table table{margin-top:6px}'
			. '.wpf-webhooks-chart-table th.num,.wpf-webhooks-chart-table td.num{text-align:right}'
			. '.wpf-webhooks-log-mobile{display:none}'
			. '@media screen and (min-width:783px){.wpf-webhooks-log .wp-list-table{table-layout:auto}.wpf-webhooks-log .wp-list-table .column-contact{width:18%}.wpf-webhooks-log .wp-list-table .column-message{width:22%}}'
			. '@media screen and (min-width:783px) and (max-width:1199px){.wpf-webhooks-log .wp-list-table .column-status,.wpf-webhooks-log .wp-list-table .column-signature,.wpf-webhooks-log .wp-list-table .column-duration{display:none}}'
			. '@media screen and (max-width:782px){.wpf-webhooks-log .tablenav.top .actions{display:block;float:none;overflow:visible}.wpf-webhooks-log .tablenav.top .actions select{max-width:100%;margin-bottom:6px}.wpf-webhooks-log-mobile{display:block;margin-top:4px}}';
		foreach ( self::COLOURS as $outcome => $colour ) {
			$css .= '.wpf-webhooks-outcome-' . $outcome . '{border-color:' . $colour . '}';
		}
		echo '<style>' . $css . '</style>'; // phpcs:ignore WordPress.Security.EscapeOutput -- constant CSS.
	}

	/**
	 * The log's filters in a request (the screen's, the CSV export's), each checked: `result`, `log_action`,
	 * `signature`, `errors`, `s`.
	 *
	 * @param array $request The request's arguments, unslashed.
	 * @return array{code: string, action: string, signature: string, errors: bool, search: string}
	 */
	public static function filters( array $request ): array {
		$text      = fn( string $name ) => isset( $request[ $name ] ) && is_string( $request[ $name ] ) ? $request[ $name ] : '';
		$code      = sanitize_key( $text( 'result' ) );
		$action    = sanitize_key( $text( 'log_action' ) );
		$signature = sanitize_key( $text( 'signature' ) );
		return array(
			'code'      => in_array( $code, self::codes(), true ) ? $code : '',
			'action'    => in_array( $action, self::ACTIONS, true ) ? $action : '',
			'signature' => isset( self::signature_statuses()[ $signature ] ) ? $signature : '',
			'errors'    => '1' === $text( 'errors' ),
			'search'    => trim( sanitize_text_field( $text( 's' ) ) ),
		);
	}

	/**
	 * Filters as the query arguments that give them (the inverse of filters()), empty ones left out.
	 *
	 * @param array $filters What filters() gave.
	 */
	private static function query_args( array $filters ): array {
		return array_filter(
			array(
				'result'     => $filters['code'],
				'log_action' => $filters['action'],
				'signature'  => $filters['signature'],
				'errors'     => $filters['errors'] ? '1' : '',
				's'          => $filters['search'],
			),
			'strlen'
		);
	}

	/**
	 * Sends the filtered log as a CSV download (admin-post.php, a link with a nonce), written as it is read.
	 */
	public static function export(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to export the webhook log.', 'wpf-webhooks' ), 403 );
		}
		check_admin_referer( self::EXPORT_ACTION );
		\WpfWebhooks\Schema::upgrade();
		if ( function_exists( 'set_time_limit' ) ) {
			set_time_limit( 0 ); // A log without a cap can take longer than a page to write.
		}
		nocache_headers();
		header( 'Content-Type: text/csv; charset=utf-8' );
		header( 'Content-Disposition: attachment; filename="webhook-log-' . gmdate( 'Y-m-d-His' ) . '.csv"' );
		header( 'X-Content-Type-Options: nosniff' );
		$out = fopen( 'php://output', 'w' );
		self::write_csv( self::filters( wp_unslash( $_GET ) ), $out ); // phpcs:ignore WordPress.Security.NonceVerification -- checked above.
		fclose( $out ); // phpcs:ignore WordPress.WP.AlternativeFunctions
		exit;
	}

	/**
	 * Writes the rows the filters select as CSV in UTF-8 with a byte order mark (Excel reads it as UTF-8 then), a
	 * header row first, newest first, EXPORT_BATCH rows a query. The
	 * rows as stored (the extension redacted them) and the screen's words; a cell that a spreadsheet would take
	 * for a formula starts with an apostrophe.
	 *
	 * @param array    $filters What filters() gave.
	 * @param resource $out     Where to write.
	 */
	public static function write_csv( array $filters, $out ): void {
		$put = function ( array $cells ) use ( $out ): void {
			$cells = array_map( fn( $cell ) => preg_match( '/^[=+\-@\t\r]/', (string) $cell ) ? "'" . $cell : (string) $cell, $cells );
			fputcsv( $out, $cells, ',', '"', '' ); // phpcs:ignore WordPress.WP.AlternativeFunctions
		};
		fwrite( $out, "\xEF\xBB\xBF" ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- a byte order mark: spreadsheets read the file as UTF-8.
		$put( array( __( 'ID', 'wpf-webhooks' ), __( 'Time', 'wpf-webhooks' ), __( 'Action', 'wpf-webhooks' ), __( 'Contact', 'wpf-webhooks' ), __( 'Outcome', 'wpf-webhooks' ), __( 'Result', 'wpf-webhooks' ), __( 'HTTP status', 'wpf-webhooks' ), __( 'Signature', 'wpf-webhooks' ), __( 'Duration (ms)', 'wpf-webhooks' ), __( 'User ID', 'wpf-webhooks' ), __( 'Delivery key', 'wpf-webhooks' ), __( 'Queue job', 'wpf-webhooks' ), __( 'Message', 'wpf-webhooks' ), __( 'Warnings', 'wpf-webhooks' ), __( 'Request (redacted)', 'wpf-webhooks' ) ) );
		Log::each(
			$filters,
			fn( array $row ) => $put(
				array(
					$row['id'],
					self::time( $row['created_at'] ),
					$row['action'],
					$row['contact'],
					self::outcomes()[ Log::outcome( $row['code'] ) ],
					$row['code'],
					$row['status'],
					'—' === self::signature_text( $row ) ? '' : self::signature_text( $row, true ),
					$row['duration_ms'],
					$row['user_id'],
					$row['delivery_key'],
					$row['job_id'],
					$row['message'],
					implode( ', ', $row['warnings'] ),
					wp_json_encode( $row['request'], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE ),
				)
			),
			self::EXPORT_BATCH
		);
	}

	/**
	 * A duration for people.
	 *
	 * @param int $ms Milliseconds.
	 */
	public static function duration( int $ms ): string {
		/* translators: %s: a number of milliseconds */
		return sprintf( __( '%s ms', 'wpf-webhooks' ), number_format_i18n( $ms ) );
	}

	/**
	 * The user cell: a link to the user's profile when the user exists, "#ID (deleted)" otherwise.
	 *
	 * @param int|null $user_id The user.
	 */
	public static function user_html( ?int $user_id ): string {
		if ( null === $user_id ) {
			return '—';
		}
		$user = get_userdata( $user_id );
		if ( ! $user ) {
			/* translators: %d: a user id */
			return esc_html( sprintf( __( '#%d (deleted)', 'wpf-webhooks' ), $user_id ) );
		}
		return sprintf(
			'<a href="%s">%s</a>',
			esc_url( add_query_arg( 'user_id', $user_id, self_admin_url( 'user-edit.php' ) ) ),
			esc_html( $user->user_login )
		);
	}
}
