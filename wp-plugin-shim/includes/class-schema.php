<?php
/**
 * The plugin's own tables.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Creates and upgrades the tables with dbDelta, once per schema version.
 */
final class Schema {

	const VERSION        = 8;

	/**
	 * The first version with the contact-link table (ContactLinks).
	 */
	const LINKS_SINCE = 5;

	/**
	 * Tables of earlier versions, dropped by the upgrade (and by uninstall, for an install never upgraded): the
	 * SQLite lock rows of versions 1 to 5 (locks are files now, see Lock).
	 */
	const RETIRED = array( 'locks' );
	const VERSION_OPTION = 'wpf_webhooks_db_version';

	/**
	 * The longest wait for another request that is upgrading the tables.
	 */
	const UPGRADE_WAIT_SECONDS = 2.0;

	/**
	 * The table names, with the site's prefix.
	 */
	public static function table( string $name ): string {
		global $wpdb;
		return $wpdb->prefix . 'wpf_webhooks_' . $name;
	}

	/**
	 * A table the network's sites share (one site's own, outside a multisite network), with the base prefix.
	 */
	public static function network_table( string $name ): string {
		global $wpdb;
		return $wpdb->base_prefix . 'wpf_webhooks_' . $name;
	}

	/**
	 * Brings the tables to the current version; a no-op (no query) when they are there. One request at a time
	 * changes them: the first webhooks after an update arrive together, and each running its own ALTER TABLE on a
	 * large log would queue every write to it behind the others. A request that finds another one upgrading waits
	 * up to UPGRADE_WAIT_SECONDS, then goes on with the tables as they are. The contact-link table is the network's:
	 * the first site to get here makes it and starts its backfill (ContactLinks).
	 */
	public static function upgrade(): void {
		global $wpdb;
		if ( (int) get_option( self::VERSION_OPTION, 0 ) >= self::VERSION ) {
			return;
		}
		$lock = new Lock( 'schema-upgrade', true );
		if ( ! $lock->acquire( self::UPGRADE_WAIT_SECONDS ) ) {
			return;
		}
		try {
			// Read again, past this request's cache: the request that held the lock may have upgraded them.
			if ( (int) $wpdb->get_var( $wpdb->prepare( "SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", self::VERSION_OPTION ) ) < self::VERSION ) {
				self::migrate();
			}
			wp_cache_delete( 'alloptions', 'options' );
			wp_cache_delete( self::VERSION_OPTION, 'options' );
		} finally {
			$lock->release();
		}
	}

	/**
	 * Creates or changes the tables to this version's (dbDelta), drops retired ones, then records the version.
	 */
	private static function migrate(): void {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$charset    = $wpdb->get_charset_collate();
		$deliveries = self::table( 'deliveries' );
		$log        = self::table( 'log' );
		$queue      = self::table( 'queue' );
		$refused    = self::table( 'refused' );
		$links      = ContactLinks::table();
		dbDelta(
			"CREATE TABLE {$deliveries} (
				delivery_key char(64) NOT NULL,
				created_at bigint(20) unsigned NOT NULL,
				PRIMARY KEY  (delivery_key),
				KEY created_at (created_at)
			) {$charset};
			CREATE TABLE {$log} (
				id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
				created_at bigint(20) unsigned NOT NULL,
				action varchar(20) NOT NULL DEFAULT '',
				contact varchar(254) NOT NULL DEFAULT '',
				code varchar(32) NOT NULL DEFAULT '',
				status smallint(5) unsigned NOT NULL DEFAULT 0,
				duration_ms int(10) unsigned NOT NULL DEFAULT 0,
				user_id bigint(20) unsigned NULL,
				delivery_key char(64) NULL,
				job_id bigint(20) unsigned NULL,
				signature varchar(16) NOT NULL DEFAULT '',
				message text NOT NULL,
				warnings text NOT NULL,
				request mediumtext NOT NULL,
				PRIMARY KEY  (id),
				KEY created_at (created_at),
				KEY code (code),
				KEY action (action),
				KEY contact (contact(191))
			) {$charset};
			CREATE TABLE {$queue} (
				id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
				created_at bigint(20) unsigned NOT NULL,
				run_at bigint(20) unsigned NOT NULL,
				status varchar(10) NOT NULL DEFAULT 'pending',
				attempts smallint(5) unsigned NOT NULL DEFAULT 0,
				lease_until bigint(20) unsigned NOT NULL DEFAULT 0,
				claimed_by varchar(100) NOT NULL DEFAULT '',
				action varchar(20) NOT NULL DEFAULT '',
				contact varchar(254) NOT NULL DEFAULT '',
				delivery_key char(64) NULL,
				last_code varchar(32) NOT NULL DEFAULT '',
				last_message text NULL,
				request mediumtext NOT NULL,
				PRIMARY KEY  (id),
				UNIQUE KEY delivery_key (delivery_key),
				KEY due (status,run_at),
				KEY contact (contact(191))
			) {$charset};
			CREATE TABLE {$refused} (
				hour_start bigint(20) unsigned NOT NULL,
				reason varchar(32) NOT NULL,
				requests bigint(20) unsigned NOT NULL DEFAULT 0,
				PRIMARY KEY  (hour_start,reason)
			) {$charset};
			CREATE TABLE {$links} (
				slug varchar(32) NOT NULL,
				contact_hash char(64) NOT NULL,
				user_id bigint(20) unsigned NOT NULL,
				PRIMARY KEY  (slug,contact_hash,user_id),
				KEY user_id (user_id)
			) {$charset};"
		);
		foreach ( self::RETIRED as $name ) {
			$wpdb->query( 'DROP TABLE IF EXISTS ' . self::table( $name ) ); // phpcs:ignore WordPress.DB
		}
		update_option( self::VERSION_OPTION, self::VERSION );
		if ( false === get_site_option( ContactLinks::BACKFILL_OPTION ) ) {
			ContactLinks::start_backfill();
		}
	}

	/**
	 * The smallest and largest id of a table (null for an empty one): two reads of its primary key. One subquery
	 * each, since SQLite scans the table for MIN() and MAX() in one SELECT (ring 2's SqlShapeTest).
	 *
	 * @param string $table The table's full name.
	 * @return array{0: ?int, 1: ?int}
	 */
	public static function id_range( string $table ): array {
		global $wpdb;
		$ends = $wpdb->get_row( "SELECT (SELECT MIN(id) FROM {$table}) AS first, (SELECT MAX(id) FROM {$table}) AS last", ARRAY_A ); // phpcs:ignore WordPress.DB
		return array(
			isset( $ends['first'] ) ? (int) $ends['first'] : null,
			isset( $ends['last'] ) ? (int) $ends['last'] : null,
		);
	}

	/**
	 * Inserts one row: ints as numbers, nulls as NULL, everything else as escaped strings. Unlike
	 * `$wpdb->insert()`, it does not ask the database for the table's column charsets first (one query less on
	 * the webhook's path): the plugin's values are valid UTF-8 (JSON-encoded, or from the extension).
	 *
	 * @param string $table A table of this plugin, with its prefix.
	 * @param array  $row   Column => int, string or null.
	 * @return bool Whether the row was inserted.
	 */
	public static function insert( string $table, array $row ): bool {
		global $wpdb;
		$values = array();
		foreach ( $row as $value ) {
			if ( null === $value ) {
				$values[] = 'NULL';
			} elseif ( is_int( $value ) ) {
				$values[] = (string) $value;
			} else {
				$values[] = "'" . esc_sql( (string) $value ) . "'";
			}
		}
		$columns = implode( ', ', array_keys( $row ) );
		return 1 === $wpdb->query( "INSERT INTO {$table} ({$columns}) VALUES (" . implode( ', ', $values ) . ')' ); // phpcs:ignore WordPress.DB -- every value escaped above.
	}

	/**
	 * A site's own tables, those of earlier versions included, with the site's table prefix.
	 *
	 * @param string $prefix The site's table prefix.
	 * @return string[]
	 */
	public static function site_tables( string $prefix ): array {
		return array_map( fn( $name ) => $prefix . 'wpf_webhooks_' . $name, array_merge( array( 'deliveries', 'log', 'queue', 'refused' ), self::RETIRED ) );
	}

	/**
	 * Drops the tables and the version marker (uninstall).
	 */
	public static function drop(): void {
		global $wpdb;
		foreach ( self::site_tables( $wpdb->prefix ) as $table ) {
			$wpdb->query( "DROP TABLE IF EXISTS $table" ); // phpcs:ignore WordPress.DB
		}
		delete_option( self::VERSION_OPTION );
	}
}
