<?php
/**
 * Deliveries already processed, so a sender's retry of a successful delivery is answered `duplicate`.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Remembers successful delivery keys (SHA-256 of the delivery id) for seven days.
 */
final class Deliveries {

	const KEEP_SECONDS  = 7 * DAY_IN_SECONDS;
	const CLEANUP_EVENT = 'wpf_webhooks_forget_deliveries';

	/**
	 * Whether a delivery succeeded within the last seven days.
	 *
	 * @param string $key The delivery key.
	 */
	public static function seen( string $key ): bool {
		global $wpdb;
		$table = Schema::table( 'deliveries' );
		return null !== $wpdb->get_var(
			$wpdb->prepare( "SELECT 1 FROM {$table} WHERE delivery_key = %s AND created_at > %d", $key, time() - self::KEEP_SECONDS ) // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		);
	}

	/**
	 * Records a successful delivery.
	 *
	 * @param string $key The delivery key.
	 */
	public static function remember( string $key ): void {
		global $wpdb;
		$table = Schema::table( 'deliveries' );
		$wpdb->query( $wpdb->prepare( "REPLACE INTO {$table} (delivery_key, created_at) VALUES (%s, %d)", $key, time() ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Forgets deliveries older than seven days (daily cron).
	 */
	public static function forget_expired(): void {
		global $wpdb;
		$table = Schema::table( 'deliveries' );
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE created_at <= %d", time() - self::KEEP_SECONDS ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}
}
