<?php
/**
 * WordPress's personal data tools (Tools → Export Personal Data, Erase Personal Data) and privacy policy guide
 * (Settings → Privacy), for what this plugin stores about a person (CONTRACT §6).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Exports a person's webhook log rows, queued webhooks and their account's CRM link, erases the rows and the
 * jobs, and suggests a paragraph for the privacy policy. Rows are found by the email in the tables' `contact`
 * column (indexed; compared by the database's collation, so in any case, as WordPress compares emails), at most
 * PER_PAGE a call, following WordPress's paging (`$email, $page` → `done`). A row whose sender named the contact by
 * a CRM id rather than an email is not found by the email: bodies are not searched. The tools run per site, as the
 * log and the queue are each site's.
 */
final class Privacy {

	const LOG_EXPORTER   = 'wpf-webhooks-log';
	const QUEUE_EXPORTER = 'wpf-webhooks-queue';
	const LINK_EXPORTER  = 'wpf-webhooks-crm-link';
	const ERASER         = 'wpf-webhooks';

	/**
	 * Rows read or deleted per table in one call.
	 */
	const PER_PAGE = 100;

	/**
	 * Adds the exporters (filter wp_privacy_personal_data_exporters).
	 *
	 * @param array $exporters The exporters.
	 */
	public static function register_exporters( array $exporters ): array {
		$exporters[ self::LOG_EXPORTER ]   = array(
			'exporter_friendly_name' => __( 'Webhook log (wpf-webhooks)', 'wpf-webhooks' ),
			'callback'               => array( self::class, 'export_log' ),
		);
		$exporters[ self::QUEUE_EXPORTER ] = array(
			'exporter_friendly_name' => __( 'Queued webhooks (wpf-webhooks)', 'wpf-webhooks' ),
			'callback'               => array( self::class, 'export_queue' ),
		);
		$exporters[ self::LINK_EXPORTER ]  = array(
			'exporter_friendly_name' => __( 'CRM link (wpf-webhooks)', 'wpf-webhooks' ),
			'callback'               => array( self::class, 'export_link' ),
		);
		return $exporters;
	}

	/**
	 * Adds the eraser (filter wp_privacy_personal_data_erasers).
	 *
	 * @param array $erasers The erasers.
	 */
	public static function register_erasers( array $erasers ): array {
		$erasers[ self::ERASER ] = array(
			'eraser_friendly_name' => __( 'Webhook log and queued webhooks (wpf-webhooks)', 'wpf-webhooks' ),
			'callback'             => array( self::class, 'erase' ),
		);
		return $erasers;
	}

	/**
	 * One page of the person's log rows, oldest first, with what Tools → Webhook Logs shows of them: the request
	 * as the log keeps it (redacted by the extension before it was stored).
	 *
	 * @param string $email The person's email.
	 * @param int    $page  The page, from 1.
	 * @return array{data: array[], done: bool}|\WP_Error The page, or the database's error.
	 */
	public static function export_log( string $email, int $page = 1 ): array|\WP_Error {
		$rows = self::page_of( Log::table(), $email, $page );
		if ( is_wp_error( $rows ) ) {
			return $rows;
		}
		$items = array();
		foreach ( $rows as $row ) {
			$row    = Log::typed( $row );
			$fields = array(
				__( 'Time', 'wpf-webhooks' )        => self::time( $row['created_at'] ),
				__( 'Action', 'wpf-webhooks' )      => $row['action'],
				__( 'Contact', 'wpf-webhooks' )     => $row['contact'],
				__( 'Result', 'wpf-webhooks' )      => $row['code'],
				__( 'HTTP status', 'wpf-webhooks' ) => (string) $row['status'],
				__( 'Message', 'wpf-webhooks' )     => $row['message'],
			);
			if ( array() !== $row['warnings'] ) {
				$fields[ __( 'Warnings', 'wpf-webhooks' ) ] = implode( ', ', $row['warnings'] );
			}
			if ( null !== $row['delivery_key'] ) {
				$fields[ __( 'Delivery key', 'wpf-webhooks' ) ] = $row['delivery_key'];
			}
			if ( null !== $row['job_id'] ) {
				$fields[ __( 'Queue job', 'wpf-webhooks' ) ] = '#' . $row['job_id'];
			}
			$fields[ __( 'Request (redacted)', 'wpf-webhooks' ) ] = (string) wp_json_encode( $row['request'], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE );
			$items[] = self::item( self::LOG_EXPORTER, __( 'Webhook log', 'wpf-webhooks' ), __( 'The webhooks your CRM sent this site about you, as the site logged them (access keys, credentials and passwords removed).', 'wpf-webhooks' ), (int) $row['id'], $fields );
		}
		return self::page( $items, count( $rows ) );
	}

	/**
	 * One page of the person's queued webhooks (waiting, being processed, failed), oldest first, with what Tools →
	 * Webhook Logs shows of them: not their stored request (the log entry of the webhook's arrival, with the same
	 * job number, holds the request as the log keeps it).
	 *
	 * @param string $email The person's email.
	 * @param int    $page  The page, from 1.
	 * @return array{data: array[], done: bool}|\WP_Error The page, or the database's error.
	 */
	public static function export_queue( string $email, int $page = 1 ): array|\WP_Error {
		$statuses = array(
			'pending' => __( 'Waiting', 'wpf-webhooks' ),
			'running' => __( 'Being processed', 'wpf-webhooks' ),
			'failed'  => __( 'Failed', 'wpf-webhooks' ),
		);
		$rows     = self::page_of( Queue::table(), $email, $page );
		if ( is_wp_error( $rows ) ) {
			return $rows;
		}
		$items = array();
		foreach ( $rows as $job ) {
			$fields = array(
				__( 'Queued', 'wpf-webhooks' )   => self::time( (int) $job['created_at'] ),
				__( 'Action', 'wpf-webhooks' )   => (string) $job['action'],
				__( 'Contact', 'wpf-webhooks' )  => (string) $job['contact'],
				__( 'Status', 'wpf-webhooks' )   => $statuses[ $job['status'] ] ?? (string) $job['status'],
				__( 'Attempts', 'wpf-webhooks' ) => (string) (int) $job['attempts'],
			);
			if ( '' !== (string) $job['last_code'] ) {
				$fields[ __( 'Last result', 'wpf-webhooks' ) ] = $job['last_code'] . ': ' . $job['last_message'];
			}
			$items[] = self::item( self::QUEUE_EXPORTER, __( 'Queued webhooks', 'wpf-webhooks' ), __( 'Webhooks about you that wait to be processed, are being processed, or failed and are kept for the site\'s administrator to retry.', 'wpf-webhooks' ), (int) $job['id'], $fields );
		}
		return self::page( $items, count( $rows ) );
	}

	/**
	 * The CRM link of the account with this email: the contact id and tags this plugin (and WP Fusion) keep in its
	 * user meta, which WordPress's own exporter leaves out. One page.
	 *
	 * @param string $email The person's email.
	 * @return array{data: array[], done: bool}
	 */
	public static function export_link( string $email ): array {
		$user   = get_user_by( 'email', $email );
		$fields = array();
		foreach ( $user ? self::links( $user->ID ) : array() as $name => $meta ) {
			if ( array() !== $meta['contact_id'] ) {
				/* translators: %s: a CRM's name */
				$fields[ sprintf( __( '%s contact id', 'wpf-webhooks' ), $name ) ] = implode( ', ', $meta['contact_id'] );
			}
			if ( array() !== $meta['tags'] ) {
				/* translators: %s: a CRM's name */
				$fields[ sprintf( __( '%s tags', 'wpf-webhooks' ), $name ) ] = implode( ', ', $meta['tags'] );
			}
		}
		$items = array() === $fields ? array() : array( self::item( self::LINK_EXPORTER, __( 'CRM link (wpf-webhooks)', 'wpf-webhooks' ), __( 'How your account is linked to the site\'s CRM: your contact id there and the tags it gave you.', 'wpf-webhooks' ), $user->ID, $fields ) );
		return array(
			'data' => $items,
			'done' => true,
		);
	}

	/**
	 * Deletes one batch of the person's queued webhooks and one of their log rows; done when both came short.
	 * Queued webhooks go whatever their state: a waiting one would otherwise read the person's data from the CRM
	 * again. The account's CRM link (user meta) is kept and said so: it belongs to the account, which deleting the
	 * user removes.
	 *
	 * @param string $email The person's email.
	 * @return array{items_removed: bool, items_retained: bool, messages: string[], done: bool}|\WP_Error What was
	 *         erased, or the database's error (then the tool says so, and erasing again goes on).
	 */
	public static function erase( string $email ): array|\WP_Error {
		$jobs = self::delete_batch( Queue::table(), $email );
		$log  = is_wp_error( $jobs ) ? $jobs : self::delete_batch( Log::table(), $email );
		if ( is_wp_error( $log ) ) {
			return $log;
		}
		if ( array() !== $log ) {
			Log::forget_counts(); // The charts count rows of the log's middle too.
		}
		$rows     = count( $log );
		$done     = count( $jobs ) < self::PER_PAGE && $rows < self::PER_PAGE;
		$running  = count( array_keys( $jobs, 'running', true ) );
		$messages = array();
		if ( array() !== $jobs ) {
			/* translators: %s: a number of queued webhooks */
			$messages[] = sprintf( _n( '%s queued webhook (waiting, being processed or failed) was deleted: it will not run.', '%s queued webhooks (waiting, being processed or failed) were deleted: they will not run.', count( $jobs ), 'wpf-webhooks' ), number_format_i18n( count( $jobs ) ) );
		}
		if ( $running > 0 ) {
			/* translators: %s: a number of queued webhooks */
			$messages[] = sprintf( _n( '%s of them was being processed at that moment: its worker may still finish it and log the result, so erase again in a few minutes.', '%s of them were being processed at that moment: their workers may still finish them and log the results, so erase again in a few minutes.', $running, 'wpf-webhooks' ), number_format_i18n( $running ) );
		}
		if ( $rows > 0 ) {
			/* translators: %s: a number of log entries */
			$messages[] = sprintf( _n( '%s webhook log entry was deleted.', '%s webhook log entries were deleted.', $rows, 'wpf-webhooks' ), number_format_i18n( $rows ) );
		}
		$user     = $done ? get_user_by( 'email', $email ) : false;
		$retained = $user && array() !== array_filter( self::links( $user->ID ), fn( $meta ) => array() !== $meta['contact_id'] || array() !== $meta['tags'] );
		if ( $retained ) {
			$messages[] = __( 'The user account\'s link to the CRM (its contact id and tags) was kept: it belongs to the account, and deleting the user (Users → Delete) removes it.', 'wpf-webhooks' );
		}
		return array(
			'items_removed'  => count( $jobs ) + $rows > 0,
			'items_retained' => $retained,
			'messages'       => $messages,
			'done'           => $done,
		);
	}

	/**
	 * Suggests the plugin's paragraph for the privacy policy (admin_init), with the site's retention settings and
	 * CRM.
	 */
	public static function add_policy_content(): void {
		$settings = Settings::get();
		$crm      = Contract::crms()[ $settings['crm'] ]['name'] ?? __( 'the CRM this site uses', 'wpf-webhooks' );
		$days     = (int) $settings['log_retention_days'];
		$rows     = (int) $settings['log_max_rows'];
		$kept     = $days > 0
			/* translators: %s: a number of days */
			? sprintf( _n( 'Log entries, and webhooks kept after they failed, are deleted after %s day.', 'Log entries, and webhooks kept after they failed, are deleted after %s days.', $days, 'wpf-webhooks' ), number_format_i18n( $days ) )
			: __( 'Log entries, and webhooks kept after they failed, are kept until an administrator deletes them.', 'wpf-webhooks' );
		if ( $rows > 0 ) {
			/* translators: %s: a number of log entries */
			$kept .= ' ' . sprintf( _n( 'The log keeps only its newest %s entry.', 'The log keeps only its newest %s entries.', $rows, 'wpf-webhooks' ), number_format_i18n( $rows ) );
		}
		$paragraphs = array(
			'<p class="privacy-policy-tutorial">' . esc_html__( 'wpf-webhooks creates and updates user accounts when your CRM sends this site a webhook. What follows describes what it stores; adapt it to your site.', 'wpf-webhooks' ) . '</p>',
			'<strong class="privacy-policy-tutorial">' . esc_html__( 'Suggested text:', 'wpf-webhooks' ) . '</strong> ',
			'<p>' . esc_html(
				sprintf(
					/* translators: %s: the CRM's name */
					__( 'We keep our customer records in %s, a service that processes them on our behalf (our processor). When a record changes there, it sends this site a webhook naming you (usually by your email address), and the site creates or updates your user account with your name, the other fields we chose and the tags the CRM gives you; it stores your contact id and those tags with your account.', 'wpf-webhooks' ),
					$crm
				)
			) . '</p>',
			'<p>' . esc_html__( 'The site logs every webhook it accepts: when it came, what it asked for, the result, your email address or contact id, and the request with access keys, credentials and passwords removed. A webhook processed in the background is stored until it has run; if it fails, it is kept for an administrator to retry.', 'wpf-webhooks' ) . ' ' . esc_html( $kept ) . ' ' . esc_html__( 'To recognise a webhook sent twice, the site keeps a fingerprint of its delivery id, which does not hold your email address, for 7 days.', 'wpf-webhooks' ) . '</p>',
			'<p>' . esc_html__( 'You can ask for an export or the erasure of this data. Log entries and stored webhooks are found by your email address; a webhook that named you by a CRM id instead of your email address cannot be found that way. Erasure removes the log entries and stored webhooks; the contact id and tags stay with your account until the account is deleted.', 'wpf-webhooks' ) . '</p>',
		);
		if ( ! empty( $settings['return_password'] ) && '' !== (string) $settings['return_password_field'] ) {
			array_splice( $paragraphs, 3, 0, '<p>' . esc_html__( 'When your account is created this way, the site sends the CRM the generated password of your new account, so that the CRM can send it to you.', 'wpf-webhooks' ) . '</p>' );
		}
		wp_add_privacy_policy_content( 'wpf-webhooks', implode( "\n", $paragraphs ) );
	}

	/**
	 * One page of a table's rows whose contact is this email, oldest first: their ids from the `contact` index (an
	 * offset there reads no row), then those rows, at most PER_PAGE. An address that is not an email finds nothing
	 * (rows with no contact are never a person's).
	 *
	 * @param string $table The log or the queue.
	 * @param string $email The email.
	 * @param int    $page  The page, from 1.
	 * @return array[]|\WP_Error The rows, or the database's error.
	 */
	private static function page_of( string $table, string $email, int $page ): array|\WP_Error {
		global $wpdb;
		if ( ! is_email( $email ) ) {
			return array();
		}
		$ids = self::ids_of( $table, $email, ( max( 1, $page ) - 1 ) * self::PER_PAGE );
		if ( is_wp_error( $ids ) || array() === $ids ) {
			return $ids;
		}
		$rows = $wpdb->get_results( "SELECT * FROM {$table} WHERE id IN (" . implode( ', ', $ids ) . ') ORDER BY id', ARRAY_A ); // phpcs:ignore WordPress.DB -- integers only.
		return self::checked( is_array( $rows ) ? $rows : array() );
	}

	/**
	 * Deletes at most PER_PAGE of a table's rows whose contact is this email.
	 *
	 * @param string $table The log or the queue.
	 * @param string $email The email.
	 * @return string[]|\WP_Error The `status` of each row deleted (a job's state; a log entry's HTTP status), or the
	 *                            database's error.
	 */
	private static function delete_batch( string $table, string $email ): array|\WP_Error {
		global $wpdb;
		if ( ! is_email( $email ) ) {
			return array();
		}
		$ids = self::ids_of( $table, $email, 0 );
		if ( is_wp_error( $ids ) || array() === $ids ) {
			return $ids;
		}
		$in       = implode( ', ', $ids );
		$statuses = $wpdb->get_col( "SELECT status FROM {$table} WHERE id IN ({$in}) ORDER BY id" ); // phpcs:ignore WordPress.DB -- integers only.
		$wpdb->query( "DELETE FROM {$table} WHERE id IN ({$in})" ); // phpcs:ignore WordPress.DB -- integers only.
		return self::checked( array_map( 'strval', $statuses ) );
	}

	/**
	 * The ids of at most PER_PAGE of a table's rows whose contact is this email, oldest first, after $offset of them.
	 *
	 * @param string $table  The log or the queue.
	 * @param string $email  The email.
	 * @param int    $offset How many to pass over.
	 * @return int[]|\WP_Error
	 */
	private static function ids_of( string $table, string $email, int $offset ): array|\WP_Error {
		global $wpdb;
		$ids = $wpdb->get_col( $wpdb->prepare( "SELECT id FROM {$table} WHERE contact = %s ORDER BY id LIMIT %d OFFSET %d", $email, self::PER_PAGE, $offset ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return self::checked( array_map( 'intval', $ids ) );
	}

	/**
	 * A result, or the error of the database's last query when it failed (a lock wait timeout, a missing table):
	 * an empty result would tell the tools there was nothing (more) to export or erase.
	 *
	 * @param array $result The result.
	 * @return array|\WP_Error
	 */
	private static function checked( array $result ): array|\WP_Error {
		global $wpdb;
		return '' === $wpdb->last_error ? $result : new \WP_Error( 'wpf_webhooks_privacy_db_error', __( 'The database refused a query; nothing more was done. Try again.', 'wpf-webhooks' ) );
	}

	/**
	 * A user's CRM link meta, by CRM name: `contact_id` and `tags`, each a list of strings (empty when absent).
	 *
	 * @param int $user_id The user.
	 * @return array<string, array{contact_id: string[], tags: string[]}>
	 */
	private static function links( int $user_id ): array {
		$links = array();
		foreach ( Contract::crms() as $about ) {
			$tags                      = get_user_meta( $user_id, $about['slug'] . '_tags', true );
			$links[ $about['name'] ] = array(
				'contact_id' => array_map( 'strval', (array) get_user_meta( $user_id, $about['slug'] . '_contact_id' ) ),
				'tags'       => is_array( $tags ) ? array_map( 'strval', $tags ) : array(),
			);
		}
		return $links;
	}

	/**
	 * A time as Tools → Webhook Logs shows it. Its class loads in wp-admin only, and the tools may be called from
	 * elsewhere (WP-CLI, a scheduled export).
	 *
	 * @param int $timestamp Unix seconds.
	 */
	private static function time( int $timestamp ): string {
		require_once __DIR__ . '/admin/class-log-page.php';
		return Admin\LogPage::time( $timestamp );
	}

	/**
	 * An exported item as WordPress takes it.
	 *
	 * @param string                $group       The group's id.
	 * @param string                $label       The group's label.
	 * @param string                $description The group's description.
	 * @param int                   $id          The row's id, in its table.
	 * @param array<string, string> $fields      Name => value.
	 */
	private static function item( string $group, string $label, string $description, int $id, array $fields ): array {
		$data = array();
		foreach ( $fields as $name => $value ) {
			$data[] = array(
				'name'  => $name,
				'value' => $value,
			);
		}
		return array(
			'group_id'          => $group,
			'group_label'       => $label,
			'group_description' => $description,
			'item_id'           => $group . '-' . $id,
			'data'              => $data,
		);
	}

	/**
	 * An exporter's answer: done when the page came short.
	 *
	 * @param array[] $items The page's items.
	 * @param int     $rows  How many rows the page read.
	 * @return array{data: array[], done: bool}
	 */
	private static function page( array $items, int $rows ): array {
		return array(
			'data' => $items,
			'done' => $rows < self::PER_PAGE,
		);
	}
}
