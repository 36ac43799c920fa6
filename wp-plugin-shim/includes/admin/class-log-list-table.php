<?php
/**
 * The webhook log as a WordPress list table.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks\Admin;

use WpfWebhooks\Contract;
use WpfWebhooks\Log;

defined( 'ABSPATH' ) || exit;

/**
 * Rows of the log, filtered by result code, errors only, action and signature verdict, searched in contact and
 * message, 20 per page.
 */
final class LogListTable extends \WP_List_Table {

	const PER_PAGE = 20;

	/**
	 * The filters of this request.
	 *
	 * @var array{code: string, action: string, signature: string, errors: bool, search: string}
	 */
	private array $filters;

	/**
	 * Whether the log holds rows older than the ones the list reads (Log::query()).
	 *
	 * @var bool
	 */
	public bool $older = false;

	/**
	 * A table for the log page's screen.
	 */
	public function __construct() {
		parent::__construct(
			array(
				'singular' => 'wpf_webhooks_log_entry',
				'plural'   => 'wpf_webhooks_log_entries',
				'ajax'     => false,
			)
		);
		$this->filters = LogPage::filters( wp_unslash( $_REQUEST ) ); // phpcs:ignore WordPress.Security.NonceVerification -- read-only filters.
	}

	/**
	 * The filters of this request (LogPage::filters()).
	 *
	 * @return array{code: string, action: string, signature: string, errors: bool, search: string}
	 */
	public function filters(): array {
		return $this->filters;
	}

	/**
	 * Whether a filter or a search narrows the list.
	 */
	public function filtered(): bool {
		return array() !== array_filter( $this->filters );
	}

	/**
	 * The columns.
	 */
	public function get_columns() {
		return array(
			'time'      => __( 'Time', 'wpf-webhooks' ),
			'action'    => __( 'Action', 'wpf-webhooks' ),
			'contact'   => __( 'Contact', 'wpf-webhooks' ),
			'code'      => __( 'Result', 'wpf-webhooks' ),
			'message'   => __( 'Message', 'wpf-webhooks' ),
			'status'    => __( 'HTTP status', 'wpf-webhooks' ),
			'signature' => __( 'Signature', 'wpf-webhooks' ),
			'duration'  => __( 'Duration', 'wpf-webhooks' ),
			'user'      => __( 'User', 'wpf-webhooks' ),
		);
	}

	/**
	 * Loads the page of rows the request asks for.
	 */
	public function prepare_items() {
		$this->_column_headers = array( $this->get_columns(), array(), array(), 'time' );
		$result                = Log::query(
			array_merge(
				$this->filters,
				array(
					'per_page' => self::PER_PAGE,
					'page'     => $this->get_pagenum(),
				)
			)
		);
		$this->items           = $result['rows'];
		$this->older           = $result['older'];
		$this->set_pagination_args(
			array(
				'total_items' => $result['total'],
				'per_page'    => self::PER_PAGE,
			)
		);
	}

	/**
	 * What an empty list says.
	 */
	public function no_items() {
		if ( $this->filtered() ) {
			esc_html_e( 'No webhook matches these filters.', 'wpf-webhooks' );
		} else {
			esc_html_e( 'No webhook has been received yet.', 'wpf-webhooks' );
		}
	}

	/**
	 * One row, marked with its id.
	 *
	 * @param array $item A log row.
	 */
	public function single_row( $item ) {
		echo '<tr data-log-id="' . esc_attr( (string) $item['id'] ) . '">';
		$this->single_row_columns( $item );
		echo '</tr>';
	}

	/**
	 * The time, linking to the entry's details; on a phone, where the other columns are folded away, the outcome
	 * under it.
	 *
	 * @param array $item A log row.
	 */
	protected function column_time( $item ): string {
		return sprintf(
			'<a href="%s" aria-label="%s">%s</a><span class="wpf-webhooks-log-mobile" aria-hidden="true">%s</span>',
			esc_url( LogPage::url( array( 'log' => $item['id'] ) ) ),
			/* translators: %d: a log entry id */
			esc_attr( sprintf( __( 'Details of log entry %d', 'wpf-webhooks' ), $item['id'] ) ),
			esc_html( LogPage::time( $item['created_at'] ) ),
			LogPage::outcome_html( $item )
		);
	}

	/**
	 * The action, or a dash when the request named none that exists.
	 *
	 * @param array $item A log row.
	 */
	protected function column_action( $item ): string {
		return '' === $item['action'] ? '—' : '<code>' . esc_html( $item['action'] ) . '</code>';
	}

	/**
	 * The contact's email.
	 *
	 * @param array $item A log row.
	 */
	protected function column_contact( $item ): string {
		return '' === $item['contact'] ? '—' : esc_html( $item['contact'] );
	}

	/**
	 * The outcome in words on its colour, the result code, and the warnings under them.
	 *
	 * @param array $item A log row.
	 */
	protected function column_code( $item ): string {
		$html = LogPage::outcome_html( $item ) . ' <code>' . esc_html( $item['code'] ) . '</code>';
		if ( array() !== $item['warnings'] ) {
			$html .= '<br><small>' . esc_html( implode( ', ', $item['warnings'] ) ) . '</small>';
		}
		return $html;
	}

	/**
	 * Why it succeeded or failed: the answer's message (the signature's refusal, for one refused), stored in
	 * English as the extension gave it; one of the contract's texts is shown in the site's language.
	 *
	 * @param array $item A log row.
	 */
	protected function column_message( $item ): string {
		return esc_html( Contract::text( (string) $item['message'] ) );
	}

	/**
	 * The HTTP status.
	 *
	 * @param array $item A log row.
	 */
	protected function column_status( $item ): string {
		return esc_html( (string) $item['status'] );
	}

	/**
	 * The signature's verdict, in words.
	 *
	 * @param array $item A log row.
	 */
	protected function column_signature( $item ): string {
		return esc_html( LogPage::signature_text( $item ) );
	}

	/**
	 * The time from the request's start to the answer.
	 *
	 * @param array $item A log row.
	 */
	protected function column_duration( $item ): string {
		return esc_html( LogPage::duration( $item['duration_ms'] ) );
	}

	/**
	 * The user concerned.
	 *
	 * @param array $item A log row.
	 */
	protected function column_user( $item ): string {
		return LogPage::user_html( $item['user_id'] );
	}

	/**
	 * The filter dropdowns, above the table.
	 *
	 * @param string $which `top` or `bottom`.
	 */
	protected function extra_tablenav( $which ) {
		if ( 'top' !== $which ) {
			return;
		}
		echo '<div class="alignleft actions">';
		self::dropdown( 'result', __( 'Filter by result', 'wpf-webhooks' ), __( 'All results', 'wpf-webhooks' ), array_combine( LogPage::codes(), LogPage::codes() ), $this->filters['code'] );
		echo '<label class="wpf-webhooks-log-errors" for="wpf-webhooks-log-errors"><input type="checkbox" name="errors" id="wpf-webhooks-log-errors" value="1"' . checked( $this->filters['errors'], true, false ) . '> ' . esc_html__( 'Errors only', 'wpf-webhooks' ) . '</label>';
		self::dropdown( 'log_action', __( 'Filter by action', 'wpf-webhooks' ), __( 'All actions', 'wpf-webhooks' ), array_combine( LogPage::ACTIONS, LogPage::ACTIONS ), $this->filters['action'] );
		/* translators: %s: a signature's status, e.g. "Refused" */
		$signatures = array_map( fn( $words ) => sprintf( __( 'Signature: %s', 'wpf-webhooks' ), $words ), LogPage::signature_statuses() );
		self::dropdown( 'signature', __( 'Filter by signature', 'wpf-webhooks' ), __( 'All signatures', 'wpf-webhooks' ), $signatures, $this->filters['signature'] );
		submit_button( __( 'Filter', 'wpf-webhooks' ), '', 'filter_action', false, array( 'id' => 'wpf-webhooks-log-filter' ) );
		echo '</div>';
	}

	/**
	 * A labelled select.
	 *
	 * @param string                $name     Field name.
	 * @param string                $label    Screen-reader label.
	 * @param string                $all      The "any" option.
	 * @param array<string, string> $options  The options: value => text.
	 * @param string                $selected The current value.
	 */
	private static function dropdown( string $name, string $label, string $all, array $options, string $selected ): void {
		$id = 'wpf-webhooks-log-' . $name;
		echo '<label class="screen-reader-text" for="' . esc_attr( $id ) . '">' . esc_html( $label ) . '</label>';
		echo '<select name="' . esc_attr( $name ) . '" id="' . esc_attr( $id ) . '">';
		echo '<option value="">' . esc_html( $all ) . '</option>';
		foreach ( $options as $value => $text ) {
			echo '<option value="' . esc_attr( (string) $value ) . '"' . selected( $selected, (string) $value, false ) . '>' . esc_html( $text ) . '</option>';
		}
		echo '</select>';
	}
}
