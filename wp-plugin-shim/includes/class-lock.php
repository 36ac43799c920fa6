<?php
/**
 * A lock per contact, so concurrent webhooks for one email never make two users.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * On MySQL and MariaDB: GET_LOCK, released by the server if the worker dies. On SQLite: flock() on a file
 * beside the database (an SQLite site runs on one host, the database's), released by the kernel if the worker
 * dies; nothing is written to the database.
 */
final class Lock {

	/**
	 * The lock's name (see name()).
	 *
	 * @var string
	 */
	private string $name;

	/**
	 * The lock file while it is held (SQLite).
	 *
	 * @var resource|null
	 */
	private $file = null;

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
		$this->name = self::name( $key, $this_site );
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
		$this->held = self::uses_sqlite() ? $this->acquire_file( $seconds ) : $this->acquire_mysql( $seconds );
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
		if ( null !== $this->file ) {
			// Unlinked while still locked: a waiter that opened the file before sees, once it has the lock, that
			// the path no longer names its file, and opens it again (see acquire_file()).
			unlink( $this->path() );
			flock( $this->file, LOCK_UN );
			fclose( $this->file );
			$this->file = null;
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
	 * flock() on the lock's file, tried until the deadline (0: once). A file is created per lock and deleted on
	 * release, so files do not pile up with the contacts; a lock is had only once the file locked is still the
	 * one at the path (the holder before may have deleted it meanwhile). A dead holder's file is left behind
	 * unlocked, and taken at once by the next try.
	 *
	 * @param float $seconds Longest wait.
	 */
	private function acquire_file( float $seconds ): bool {
		$path     = $this->path();
		$deadline = microtime( true ) + $seconds;
		do {
			$file = fopen( $path, 'c' ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- a lock file, not content.
			if ( false === $file ) {
				return false;
			}
			if ( flock( $file, LOCK_EX | LOCK_NB ) ) {
				clearstatcache( true, $path );
				$at_path = @stat( $path ); // phpcs:ignore WordPress.PHP.NoSilencedErrors -- its holder may delete it meanwhile: then false.
				$locked  = fstat( $file );
				if ( false !== $at_path && $at_path['ino'] === $locked['ino'] && $at_path['dev'] === $locked['dev'] ) {
					$this->file = $file;
					return true;
				}
				flock( $file, LOCK_UN );
			}
			fclose( $file ); // phpcs:ignore WordPress.WP.AlternativeFunctions
			if ( microtime( true ) >= $deadline ) {
				return false;
			}
			usleep( random_int( 10000, 30000 ) );
		} while ( true );
		return false;
	}

	/**
	 * The lock's file: in the SQLite drop-in's database directory (which the web server does not serve), named
	 * by the lock's hash.
	 */
	private function path(): string {
		return FQDBDIR . '.wpf-webhooks-' . $this->name . '.lock';
	}
}
