<?php
/**
 * The contact-link table: (CRM slug, contact id) → user id, so that a webhook finds its user with one index seek
 * instead of scanning every contact-id meta row (WordPress does not index meta values). The `{slug}_contact_id`
 * user meta stays the truth (WP Fusion reads and writes it); the table follows it (CONTRACT §5).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * The links, the hooks that keep them in step with the meta, the lookup, and the backfill.
 *
 * - Every write of a contact-id meta through WordPress's API (this plugin, WP Fusion, an import, any other code)
 *   fires `added_user_meta`, `updated_user_meta` or `deleted_user_meta`: the user's links for that CRM are
 *   rewritten from its meta. Deleting a user (`deleted_user` on a single site, `wpmu_delete_user` on a network)
 *   drops its links. A direct SQL write to `usermeta` fires nothing and is not seen.
 * - A lookup trusts no link: it joins the link to the user's contact-id meta row as the database holds it now
 *   (not as this process's cache remembers it), so a stale link is passed over, never written on the webhook's
 *   path. Lowest user id wins, as the meta scan did.
 * - The backfill links the contact-id meta rows that exist when it starts, in windows of `umeta_id` (a primary-key
 *   range: each batch costs the same at any size), resumably (its cursor is an option, the network's on a
 *   network), from WP-Cron and from Settings → Webhooks. Until it is done, a lookup that finds no verified link
 *   scans the rows past its cursor, so a contact is found while it runs. After a direct SQL write, an
 *   administrator runs it again.
 * - On a multisite network the table and the backfill are the network's, as its users are; the hooks only run
 *   where the plugin is active, so unless it is network-activated every lookup also scans the meta.
 */
final class ContactLinks {

	/**
	 * The backfill's state, a network option (autoloaded on a single site): `cursor` (the last umeta_id done),
	 * `end` (the last contact-id row when it started), `done` and `total` (contact-id rows), `finished`. Absent
	 * until the table exists.
	 */
	const BACKFILL_OPTION = 'wpf_webhooks_links_backfill';

	/**
	 * WP-Cron's hook for the backfill, scheduled every minute until it is done.
	 */
	const CRON_HOOK = 'wpf_webhooks_backfill_links';

	/**
	 * Longest wait for a backfill batch that is running when the backfill is (re)started.
	 */
	const START_WAIT_SECONDS = 15.0;

	/**
	 * Meta rows (umeta_id values) one batch reads.
	 */
	const WINDOW = 20000;

	/**
	 * How long one WP-Cron run works the backfill; Settings → Webhooks' button works it for half that.
	 */
	const CRON_SECONDS = 10.0;

	/**
	 * The contact-id meta keys, each to its CRM's slug.
	 *
	 * @var array<string, string>|null
	 */
	private static ?array $keys = null;

	/**
	 * The table, the network's on a multisite network (its users are).
	 */
	public static function table(): string {
		return Schema::network_table( 'contact_links' );
	}

	/**
	 * A contact id as the table keeps it: the SHA-256 of its lower-cased form (an email of up to 254 characters
	 * would not fit an index).
	 *
	 * @param string $contact The contact id.
	 */
	public static function hash( string $contact ): string {
		return hash( 'sha256', strtolower( $contact ) );
	}

	/**
	 * Every CRM's contact-id meta key, to its slug.
	 *
	 * @return array<string, string>
	 */
	private static function keys(): array {
		if ( null === self::$keys ) {
			self::$keys = array();
			foreach ( Contract::crms() as $about ) {
				self::$keys[ $about['slug'] . '_contact_id' ] = $about['slug'];
			}
		}
		return self::$keys;
	}

	/**
	 * The SQL condition "usermeta.meta_key is a contact-id key".
	 */
	private static function is_contact_id_key(): string {
		global $wpdb;
		$keys = array_keys( self::keys() );
		return $wpdb->prepare( 'meta_key IN (' . implode( ', ', array_fill( 0, count( $keys ), '%s' ) ) . ')', $keys ); // phpcs:ignore WordPress.DB
	}

	/**
	 * A user meta was added, updated or deleted (actions added_user_meta, updated_user_meta, deleted_user_meta,
	 * which fire for every meta write of the site: other keys cost one string comparison). A row added is linked
	 * as it is (one statement: a new user's contact id costs no more); after an update or a deletion, the user's
	 * links for that CRM are rewritten from its meta (an update may have touched only some of its rows).
	 *
	 * @param int|int[] $meta_ids   The meta row(s).
	 * @param int       $user_id    The user (0 when a key was deleted for every user: those links go stale, and
	 *                              lookups pass them over).
	 * @param string    $meta_key   The key.
	 * @param mixed     $meta_value The value written (or deleted).
	 */
	public static function meta_changed( $meta_ids, $user_id, $meta_key, $meta_value = null ): void {
		if ( ! is_string( $meta_key ) || ! str_ends_with( $meta_key, '_contact_id' ) || ! isset( self::keys()[ $meta_key ] ) ) {
			return;
		}
		if ( (int) $user_id < 1 || ! self::exists() ) {
			return;
		}
		$slug = self::keys()[ $meta_key ];
		if ( 'added_user_meta' === current_action() ) {
			self::insert( array( array( $slug, $meta_value, (int) $user_id ) ) );
		} else {
			self::sync( (int) $user_id, $slug );
		}
	}

	/**
	 * A user was deleted (action deleted_user). On a multisite network that action only means "removed from one
	 * site": the user and its meta stay, and so do its links (see user_deleted_from_network()).
	 *
	 * @param int $user_id The user.
	 */
	public static function user_deleted( $user_id ): void {
		if ( ! is_multisite() ) {
			self::forget( (int) $user_id );
		}
	}

	/**
	 * A user was deleted from a multisite network (action wpmu_delete_user).
	 *
	 * @param int $user_id The user.
	 */
	public static function user_deleted_from_network( $user_id ): void {
		self::forget( (int) $user_id );
	}

	/**
	 * Drops a user's links.
	 *
	 * @param int $user_id The user.
	 */
	private static function forget( int $user_id ): void {
		if ( self::exists() ) {
			global $wpdb;
			$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . self::table() . ' WHERE user_id = %d', $user_id ) ); // phpcs:ignore WordPress.DB
		}
	}

	/**
	 * Rewrites a user's links for one CRM from its meta, as it is now.
	 *
	 * @param int    $user_id The user.
	 * @param string $slug    The CRM's slug.
	 */
	private static function sync( int $user_id, string $slug ): void {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . self::table() . ' WHERE slug = %s AND user_id = %d', $slug, $user_id ) ); // phpcs:ignore WordPress.DB
		$links = array();
		foreach ( (array) get_user_meta( $user_id, $slug . '_contact_id' ) as $contact ) {
			$links[] = array( $slug, $contact, $user_id );
		}
		self::insert( $links );
	}

	/**
	 * Whether the table is there: this site's schema made it (before the version is recorded; the version option
	 * is autoloaded, no query), whether or not the backfill has started, or, on a network, another site's did.
	 */
	private static function exists(): bool {
		return (int) get_option( Schema::VERSION_OPTION, 0 ) >= Schema::LINKS_SINCE || null !== self::state();
	}

	/**
	 * Adds links, once each (INSERT IGNORE: MySQL's, or the SQLite drop-in's INSERT OR IGNORE).
	 *
	 * @param array $links `[slug, contact id, user id]` each; contact ids that are not non-empty strings or
	 *                     numbers are left out.
	 * @return bool Whether they were written (true when there was none to write).
	 */
	private static function insert( array $links ): bool {
		global $wpdb;
		$values = array();
		foreach ( $links as [ $slug, $contact, $user_id ] ) {
			if ( is_scalar( $contact ) && '' !== (string) $contact ) {
				$values[] = $wpdb->prepare( '(%s, %s, %d)', $slug, self::hash( (string) $contact ), $user_id );
			}
		}
		return array() === $values
			|| false !== $wpdb->query( 'INSERT IGNORE INTO ' . self::table() . ' (slug, contact_hash, user_id) VALUES ' . implode( ', ', $values ) ); // phpcs:ignore WordPress.DB -- every value prepared above.
	}

	/**
	 * The user linked to a contact id, lowest id first, among the links whose user's meta row holds the contact id
	 * (case-insensitively) in the database now: the links through the table's primary key, then (when there are
	 * some) their users' meta rows through the meta table's user_id index. Until the backfill is done, a contact
	 * with no such link is looked for in the meta rows the backfill has not linked yet: a scan whose cost grows
	 * with them, which a contact the links know (every one written since the table was made) never pays. On a
	 * network where the plugin is not network-activated, every lookup scans every contact-id row too.
	 *
	 * @param string $slug    The CRM's slug.
	 * @param string $contact The contact id.
	 */
	public static function find( string $slug, string $contact ): ?int {
		global $wpdb;
		$state = self::state();
		$key   = $slug . '_contact_id';
		$lower = strtolower( $contact );
		$found = null;
		if ( null !== $state ) {
			$table = self::table();
			// Two statements rather than a join, so that every planner starts from the link table's primary key:
			// SQLite joined from the meta table's meta_key index, reading every contact-id row (150 ms at 200 000).
			$ids = array_map( 'intval', $wpdb->get_col( $wpdb->prepare( "SELECT user_id FROM {$table} WHERE slug = %s AND contact_hash = %s", $slug, self::hash( $contact ) ) ) ); // phpcs:ignore WordPress.DB
			if ( array() !== $ids ) {
				$id    = $wpdb->get_var(
					$wpdb->prepare( "SELECT MIN(user_id) FROM {$wpdb->usermeta} WHERE user_id IN (" . implode( ', ', $ids ) . ') AND meta_key = %s AND LOWER(meta_value) = %s', $key, $lower ) // phpcs:ignore WordPress.DB -- the ids are integers.
				);
				$found = null === $id ? null : (int) $id;
			}
		}
		// Where the hooks miss some sites' writes, a verified link does not prove that no lower user holds the id.
		$from = null === $found || ! Plugin::is_network_active() ? self::unindexed_from( $state ) : null;
		if ( null !== $from ) {
			// Through the meta_key index; MIN() keeps the database from walking every meta row in user_id order.
			$scanned = $wpdb->get_var(
				$wpdb->prepare( "SELECT MIN(user_id) FROM {$wpdb->usermeta} WHERE meta_key = %s AND umeta_id > %d AND LOWER(meta_value) = %s", $key, $from, $lower )
			);
			if ( null !== $scanned && ( null === $found || (int) $scanned < $found ) ) {
				$found = (int) $scanned;
			}
		}
		return $found;
	}

	/**
	 * Links a user found otherwise (by email) whose meta holds the contact id although no link said so: a write
	 * no hook saw (direct SQL, or before the table was made), repaired at the first webhook that meets it.
	 *
	 * @param int    $user_id The user.
	 * @param string $slug    The CRM's slug.
	 * @param string $contact The contact id.
	 */
	public static function repair( int $user_id, string $slug, string $contact ): void {
		if ( ! self::exists() ) {
			return;
		}
		$lower = strtolower( $contact );
		foreach ( (array) get_user_meta( $user_id, $slug . '_contact_id' ) as $value ) {
			if ( is_scalar( $value ) && strtolower( (string) $value ) === $lower ) {
				self::sync( $user_id, $slug );
				return;
			}
		}
	}

	/**
	 * The umeta_id after which contact-id rows may have no link, or null when every row has one.
	 *
	 * @param array|null $state The backfill's state.
	 */
	private static function unindexed_from( ?array $state ): ?int {
		if ( null === $state || ! Plugin::is_network_active() ) {
			return 0;
		}
		return $state['finished'] ? null : $state['cursor'];
	}

	/**
	 * Whether lookups use the links alone.
	 */
	public static function is_complete(): bool {
		return null === self::unindexed_from( self::state() );
	}

	/**
	 * The backfill's state, or null before the table was made.
	 */
	private static function state(): ?array {
		$state = get_site_option( self::BACKFILL_OPTION );
		return is_array( $state ) ? $state : null;
	}

	/**
	 * Stores the backfill's state: a network option on a network; on a single site an autoloaded option, so that
	 * a webhook reads it with the options WordPress loads anyway (update_site_option() would not autoload it).
	 *
	 * @param array $state The state.
	 */
	private static function save_state( array $state ): void {
		if ( is_multisite() ) {
			update_site_option( self::BACKFILL_OPTION, $state );
		} else {
			update_option( self::BACKFILL_OPTION, $state, true );
		}
	}

	/**
	 * (Re)starts the backfill from the first meta row (activation, the schema upgrade that made the table,
	 * Settings → Webhooks): every contact-id row there is now gets a link; rows written later are the hooks'.
	 * Existing links stay. WP-Cron works it every minute until it is done.
	 */
	public static function start_backfill(): void {
		global $wpdb;
		$lock = new Lock( 'contact-links-backfill' );
		if ( ! $lock->acquire( self::START_WAIT_SECONDS ) ) {
			return;
		}
		$rows  = $wpdb->get_row( "SELECT COUNT(*) AS total, MAX(umeta_id) AS last FROM {$wpdb->usermeta} WHERE " . self::is_contact_id_key() ); // phpcs:ignore WordPress.DB
		$end   = (int) ( $rows->last ?? 0 );
		$state = array(
			'cursor'   => 0,
			'end'      => $end,
			'done'     => 0,
			'total'    => (int) ( $rows->total ?? 0 ),
			'finished' => 0 === $end,
		);
		self::save_state( $state );
		$lock->release();
		if ( ! $state['finished'] && ! wp_next_scheduled( self::CRON_HOOK ) ) {
			wp_schedule_event( time(), QueueRunner::CRON_SCHEDULE, self::CRON_HOOK );
		}
	}

	/**
	 * Links the contact-id rows of the next window of meta rows, and moves the cursor past it. Another batch
	 * running at the same time makes this one return at once.
	 *
	 * @param int $window How many umeta_id values to read.
	 * @return bool|null Whether the backfill is done; null when another batch is running, or this one could not
	 *                   write its links (the cursor stays: the window is done again next time).
	 */
	public static function backfill_batch( int $window = self::WINDOW ): ?bool {
		global $wpdb;
		$lock = new Lock( 'contact-links-backfill' );
		if ( ! $lock->acquire( 0 ) ) {
			return null;
		}
		$state = self::state();
		if ( null !== $state && ! $state['finished'] ) {
			$to   = min( $state['cursor'] + max( 1, $window ), $state['end'] );
			$rows = $wpdb->get_results(
				$wpdb->prepare( "SELECT user_id, meta_key, meta_value FROM {$wpdb->usermeta} WHERE umeta_id > %d AND umeta_id <= %d AND ", $state['cursor'], $to ) . self::is_contact_id_key() // phpcs:ignore WordPress.DB
			);
			if ( ! self::insert( array_map( fn( $row ) => array( self::keys()[ $row->meta_key ], maybe_unserialize( $row->meta_value ), (int) $row->user_id ), $rows ) ) ) {
				$lock->release();
				return null;
			}
			$state['cursor']   = $to;
			$state['done']    += count( $rows );
			$state['finished'] = $to >= $state['end'];
			self::save_state( $state );
		}
		$lock->release();
		$finished = null === $state || $state['finished'];
		if ( $finished ) {
			wp_clear_scheduled_hook( self::CRON_HOOK );
		}
		return $finished;
	}

	/**
	 * Works the backfill for a while: batch after batch until it is done, the time is up, or a batch could not run
	 * (another process is working it, or the database refused the links: the next run tries again).
	 *
	 * @param float $seconds How long, at most (one batch more may start just before).
	 */
	public static function backfill_for( float $seconds ): void {
		$until = microtime( true ) + $seconds;
		do {
			$done = self::backfill_batch();
		} while ( false === $done && microtime( true ) < $until );
	}

	/**
	 * WP-Cron's run (hook CRON_HOOK).
	 */
	public static function work_from_cron(): void {
		Schema::upgrade();
		self::backfill_for( self::CRON_SECONDS );
	}

	/**
	 * The backfill's progress: contact-id rows `done` of `total` (counted when it started), `percent`, whether it
	 * is `finished`, its `cursor`.
	 *
	 * @return array{done: int, total: int, percent: int, finished: bool, cursor: int}
	 */
	public static function progress(): array {
		$state    = self::state() ?? array( 'cursor' => 0, 'done' => 0, 'total' => 0, 'finished' => false );
		$finished = (bool) $state['finished'];
		$percent  = $state['total'] > 0 ? min( 99, intdiv( 100 * $state['done'], $state['total'] ) ) : 0;
		return array(
			'done'     => (int) $state['done'],
			'total'    => (int) $state['total'],
			'percent'  => $finished ? 100 : $percent,
			'finished' => $finished,
			'cursor'   => (int) $state['cursor'],
		);
	}

	/**
	 * Drops the table and the backfill's state (uninstall).
	 */
	public static function drop(): void {
		global $wpdb;
		$wpdb->query( 'DROP TABLE IF EXISTS ' . self::table() ); // phpcs:ignore WordPress.DB
		delete_site_option( self::BACKFILL_OPTION );
	}
}
