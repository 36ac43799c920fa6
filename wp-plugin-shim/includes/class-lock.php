<?php
/**
 * A lock per contact, so concurrent webhooks for one email never make two users.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * On MySQL and MariaDB: GET_LOCK, released by the server if the worker dies. On SQLite: a row in the
 * locks table, taken with an atomic INSERT, stolen only once its holder's lease ran out or its process is
 * gone (SQLite sites run on one host, so the pid can be checked).
 */
final class Lock {

	/**
	 * A holder's lease: longer than any webhook takes (the CRM budget is 3.5 s).
	 */
	const LEASE_SECONDS = 15;

	/**
	 * The lock's name (see name()).
	 *
	 * @var string
	 */
	private string $name;

	/**
	 * This holder's token (SQLite).
	 *
	 * @var string
	 */
	private string $owner;

	/**
	 * Whether the lock is held.
	 *
	 * @var bool
	 */
	private bool $held = false;

	/**
	 * The names this process holds. MySQL's GET_LOCK is re-entrant within a connection, so without this a
	 * second holder in the same process would be given the lock too, and one release would not free it.
	 *
	 * @var array<string, true>
	 */
	private static array $held_here = array();

	/**
	 * A lock for one key.
	 *
	 * @param string $key       What to lock (e.g. a lower-cased email).
	 * @param bool   $this_site Whether the lock is this site's own on a multisite network (see name()).
	 */
	public function __construct( string $key, bool $this_site = false ) {
		$this->name  = self::name( $key, $this_site );
		$this->owner = getmypid() . ':' . bin2hex( random_bytes( 8 ) );
	}

	/**
	 * The lock name of a key: a hash (no personal data in the database) of the key, the database's name and the
	 * install's table prefix: a network's base prefix by default (its sites share one users table, so a contact's
	 * lock is the network's), the site's own prefix for $this_site (a queue worker slot: each site has its own
	 * queue). GET_LOCK names are server-wide: without the last two, every WordPress install on the same
	 * MySQL/MariaDB server would share the queue's worker slots and the contact locks.
	 *
	 * @param string $key       What to lock.
	 * @param bool   $this_site Whether to name this site's own lock rather than the network's.
	 */
	public static function name( string $key, bool $this_site = false ): string {
		global $wpdb;
		$database = defined( 'DB_NAME' ) ? DB_NAME : ''; // An SQLite site may leave it out.
		$prefix   = $this_site ? $wpdb->prefix : $wpdb->base_prefix;
		return 'wpf_' . substr( hash( 'sha256', $database . "\0" . $prefix . "\0" . $key ), 0, 56 );
	}

	/**
	 * Waits up to $seconds for the lock; 0 tries once.
	 *
	 * @param float $seconds Longest wait.
	 */
	public function acquire( float $seconds ): bool {
		if ( isset( self::$held_here[ $this->name ] ) ) {
			return false; // Held in this process: a single-threaded request cannot see it released while waiting.
		}
		$this->held = self::uses_sqlite() ? $this->acquire_row( $seconds ) : $this->acquire_mysql( $seconds );
		if ( $this->held ) {
			self::$held_here[ $this->name ] = true;
		}
		return $this->held;
	}

	/**
	 * Releases the lock if held.
	 */
	public function release(): void {
		if ( ! $this->held ) {
			return;
		}
		global $wpdb;
		if ( self::uses_sqlite() ) {
			$this->delete_row( Schema::table( 'locks' ), $this->owner );
		} else {
			$wpdb->get_var( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $this->name ) );
		}
		unset( self::$held_here[ $this->name ] );
		$this->held = false;
	}

	/**
	 * Whether WordPress runs on the SQLite drop-in.
	 */
	public static function uses_sqlite(): bool {
		return defined( 'DB_ENGINE' ) && 'sqlite' === DB_ENGINE;
	}

	/**
	 * GET_LOCK with a whole-second timeout (0: no wait).
	 *
	 * @param float $seconds Longest wait.
	 */
	private function acquire_mysql( float $seconds ): bool {
		global $wpdb;
		$got = $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, %d)', $this->name, max( 0, (int) ceil( $seconds ) ) ) );
		return '1' === (string) $got;
	}

	/**
	 * INSERT IGNORE of the lock row, retried until the deadline; a stale row is removed and the insert tried again
	 * at once, so even a single try (0 s) takes over a dead holder's lock.
	 *
	 * @param float $seconds Longest wait.
	 */
	private function acquire_row( float $seconds ): bool {
		global $wpdb;
		$table    = Schema::table( 'locks' );
		$deadline = microtime( true ) + $seconds;
		$insert   = fn() => 1 === $wpdb->query(
			$wpdb->prepare(
				"INSERT IGNORE INTO {$table} (lock_name, owner, expires_at) VALUES (%s, %s, %d)", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
				$this->name,
				$this->owner,
				time() + self::LEASE_SECONDS
			)
		);
		do {
			if ( $insert() || ( $this->remove_if_stale( $table ) && $insert() ) ) {
				return true;
			}
			usleep( random_int( 10000, 30000 ) );
		} while ( microtime( true ) < $deadline );
		return false;
	}

	/**
	 * Deletes the lock row when its lease ran out or its holder's process no longer exists.
	 *
	 * @param string $table The locks table.
	 * @return bool Whether the row is gone (removed here, or released meanwhile): worth another insert now.
	 */
	private function remove_if_stale( string $table ): bool {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT owner, expires_at FROM {$table} WHERE lock_name = %s", $this->name ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		if ( ! $row ) {
			return true;
		}
		$pid   = (int) strtok( (string) $row->owner, ':' );
		$dead  = $pid > 0 && is_dir( '/proc/self' ) && ! is_dir( '/proc/' . $pid );
		$stale = (int) $row->expires_at < time();
		if ( $dead || $stale ) {
			$this->delete_row( $table, (string) $row->owner );
			return true;
		}
		return false;
	}

	/**
	 * Deletes the lock's row of one owner. A prepared statement rather than `$wpdb->delete()`, which first asks
	 * the database for the table's column charsets (one query more on every webhook).
	 *
	 * @param string $table The locks table.
	 * @param string $owner The owner.
	 */
	private function delete_row( string $table, string $owner ): void {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE lock_name = %s AND owner = %s", $this->name, $owner ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}
}
