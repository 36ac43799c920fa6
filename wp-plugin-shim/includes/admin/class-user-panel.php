<?php
/**
 * A user as webhooks made them: the Webhooks panel on the user's profile, and the tags column of the Users list.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks\Admin;

use WpfWebhooks\Contract;
use WpfWebhooks\Log;
use WpfWebhooks\Settings;
use WpfWebhooks\UserStore;

defined( 'ABSPATH' ) || exit;

/**
 * The profile panel (administrators only) and the Users list's tags column (hidden until Screen Options shows it).
 */
final class UserPanel {

	const TAGS_COLUMN = 'wpf_webhooks_tags';

	/**
	 * How many of the user's last webhooks the panel lists.
	 */
	const LAST_WEBHOOKS = 5;

	/**
	 * The configured CRM's slug (its user meta's prefix, from the extension's contract), or null when no CRM is
	 * chosen.
	 */
	private static function slug(): ?string {
		return Contract::get()['crms'][ Settings::get()['crm'] ]['slug'] ?? null; // Not crms(): called for each row of the Users list, it needs no translated text.
	}

	/**
	 * Prints the Webhooks panel on a user's profile (show_user_profile, edit_user_profile), for administrators.
	 *
	 * @param \WP_User $user The user shown.
	 */
	public static function render( \WP_User $user ): void {
		$slug = self::slug();
		if ( ! current_user_can( LogPage::CAPABILITY ) || null === $slug ) {
			return;
		}
		$contact = (string) get_user_meta( $user->ID, $slug . '_contact_id', true );
		$tags    = UserStore::tags( $user->ID, $slug );
		echo '<div id="wpf-webhooks-user"><h2>' . esc_html__( 'Webhooks', 'wpf-webhooks' ) . '</h2><table class="form-table" role="presentation">';
		self::row( __( 'CRM contact', 'wpf-webhooks' ), '' === $contact ? __( 'Not linked to a CRM contact: no webhook has created or updated this user.', 'wpf-webhooks' ) : $contact );
		self::row( __( 'Tags', 'wpf-webhooks' ), array() === $tags ? __( 'none', 'wpf-webhooks' ) : implode( ', ', $tags ) );
		echo '</table>';
		$field_map = (array) Settings::get()['field_map'];
		if ( array() !== $field_map ) {
			echo '<h3>' . esc_html__( 'Mapped fields, as the CRM last sent them', 'wpf-webhooks' ) . '</h3><table class="form-table" role="presentation">';
			foreach ( array_diff( array_keys( $field_map ), array( 'user_pass' ) ) as $field ) { // WordPress keeps only the password's hash: never shown.
				$value = $user->has_prop( $field ) ? $user->get( $field ) : get_user_meta( $user->ID, $field, true );
				self::row( (string) $field, is_scalar( $value ) ? (string) $value : (string) wp_json_encode( $value ) );
			}
			echo '</table>';
		}
		self::render_last_webhooks( array_unique( array_filter( array( $contact, $user->user_email ) ) ) );
		echo '</div>';
	}

	/**
	 * One row of the panel's tables.
	 *
	 * @param string $label The field.
	 * @param string $value Its value.
	 */
	private static function row( string $label, string $value ): void {
		printf( '<tr><th scope="row">%s</th><td>%s</td></tr>', esc_html( $label ), esc_html( $value ) );
	}

	/**
	 * The user's last webhooks, by the log's indexed contact column (the contact id and the account's email), with
	 * links to each and to the log searched for the contact.
	 *
	 * @param string[] $contacts The contact id and the email.
	 */
	private static function render_last_webhooks( array $contacts ): void {
		echo '<h3>' . esc_html__( 'Last webhooks', 'wpf-webhooks' ) . '</h3>';
		$rows = Log::of_contacts( $contacts, self::LAST_WEBHOOKS );
		if ( array() === $rows ) {
			echo '<p>' . esc_html__( 'The log holds no webhook for this user.', 'wpf-webhooks' ) . '</p>';
			return;
		}
		echo '<ul>';
		foreach ( $rows as $row ) {
			printf(
				'<li data-log-id="%s"><a href="%s">%s</a>: %s, %s (%s)</li>',
				esc_attr( (string) $row['id'] ),
				esc_url( LogPage::url( array( 'log' => $row['id'] ) ) ),
				esc_html( LogPage::time( $row['created_at'] ) ),
				esc_html( $row['action'] ),
				esc_html( Contract::message( $row['code'] ) ),
				esc_html( $row['code'] )
			);
		}
		echo '</ul>';
		printf( '<p><a href="%s">%s</a></p>', esc_url( LogPage::url( array( 's' => reset( $contacts ) ) ) ), esc_html__( 'All webhooks of this contact in the log', 'wpf-webhooks' ) );
	}

	/**
	 * Adds the tags column to the Users list (manage_users_columns).
	 *
	 * @param array $columns The columns.
	 */
	public static function columns( array $columns ): array {
		if ( current_user_can( LogPage::CAPABILITY ) && null !== self::slug() ) {
			$columns[ self::TAGS_COLUMN ] = __( 'CRM tags', 'wpf-webhooks' );
		}
		return $columns;
	}

	/**
	 * A user's tags in the tags column (manage_users_custom_column).
	 *
	 * @param string $output  What another filter printed.
	 * @param string $column  The column.
	 * @param int    $user_id The user.
	 */
	public static function column( $output, $column, $user_id ): string {
		$slug = self::slug();
		if ( self::TAGS_COLUMN !== $column || null === $slug ) {
			return (string) $output;
		}
		return esc_html( implode( ', ', UserStore::tags( (int) $user_id, $slug ) ) );
	}

	/**
	 * Hides the tags column until the user shows it in Screen Options (default_hidden_columns: WordPress asks only
	 * while the user has not chosen).
	 *
	 * @param string[]   $hidden The columns hidden by default.
	 * @param \WP_Screen $screen The screen.
	 */
	public static function hidden_columns( array $hidden, \WP_Screen $screen ): array {
		if ( 'users' === $screen->id ) {
			$hidden[] = self::TAGS_COLUMN;
		}
		return $hidden;
	}
}
