<?php
/**
 * The webhook log: one row per webhook, shown under Tools → Webhook Logs, and counts of refused requests
 * (CONTRACT §6).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Stores, queries and prunes the log. It holds no redaction rule: the request it stores is the one the extension
 * gave with its decision (`log_request`, redacted in Rust), or without one only what holds no secret
 * (bare_request()), and the texts it stores are redacted by the extension (`wpf_webhooks_redact_text()`), so the
 * log never holds the access key (right or wrong), CRM credentials, passwords, cookies or the Authorization
 * header. A request refused before its key was accepted gets no row: it is counted per hour and reason (an
 * answer of the contract's class `refused`: a body over the limit, refused before the key is checked, or a wrong
 * or missing key; see Endpoint::maybe_handle()), so a flood of them adds nothing but a count.
 */
final class Log {

	const PRUNE_EVENT = 'wpf_webhooks_prune_log';

	/**
	 * The log is trimmed to its cap at one insert in (cap / TRIM_SHARE), on average: see trims_now().
	 */
	const TRIM_SHARE = 100;

	/**
	 * Column widths of the table.
	 */
	const WIDTHS = array(
		'action'    => 20,
		'contact'   => 254,
		'code'      => 32,
		'signature' => 16,
	);

	/**
	 * The charts' counts are grouped in the database by this many seconds (counts()).
	 */
	const SLOT_SECONDS = 900;

	/**
	 * The transients of the charts' counts (counts()): the prefix of their names.
	 */
	const COUNTS_CACHE = 'wpf_webhooks_counts_';

	/**
	 * The transient of the settled quarters' counts (settled()).
	 */
	const SLOTS_CACHE = 'wpf_webhooks_count_slots';

	/**
	 * The option counting forget_counts()'s calls: counts stored under an older generation are not used (a view
	 * that read them before rows were erased may write them back after).
	 */
	const COUNTS_GENERATION = 'wpf_webhooks_counts_generation';

	/**
	 * The log page's charts: seconds a period => how many periods (the last 24 hours, the last 30 days).
	 */
	const CHARTS = array(
		HOUR_IN_SECONDS => 24,
		DAY_IN_SECONDS  => 30,
	);

	/**
	 * How many of the newest rows the log page lists and counts, and Site Health counts, at the most, whatever the
	 * log holds (filter `wpf_webhooks_log_window`; the export has every row): see window().
	 */
	const WINDOW = 100000;

	/**
	 * How many of the newest rows recent_signed() reads at the most, whatever the log holds.
	 */
	const SIGNED_WINDOW = 1000;

	/**
	 * The table's name.
	 */
	public static function table(): string {
		return Schema::table( 'log' );
	}

	/**
	 * The refused requests' table: one row per hour and reason, with a count.
	 */
	public static function refused_table(): string {
		return Schema::table( 'refused' );
	}

	/**
	 * Records one webhook. Never throws and never prints: a logging failure must not change the answer.
	 *
	 * @param array $entry `action`, `contact`, `code`, `status`, `duration_ms`, `user_id`, `delivery_key`,
	 *                     `job_id` (a queued webhook's job), `signature` (the extension's verdict on a sender's
	 *                     signature: `unsigned`, `unchecked`, `verified`, `refused`; '' when it gave none, as for
	 *                     a queued webhook's run), `message`, `warnings` (list of codes) and `request`:
	 *                     the extension's `log_request`, or bare_request(), stored as given; optionally
	 *                     `created_at` (unix seconds, default now).
	 */
	public static function record( array $entry ): void {
		self::quietly(
			function () use ( $entry ) {
				global $wpdb;
				$settings = Settings::get();
				$row      = array(
					'created_at'   => isset( $entry['created_at'] ) ? (int) $entry['created_at'] : time(),
					'action'       => Text::cut( (string) ( $entry['action'] ?? '' ), self::WIDTHS['action'] ),
					'contact'      => Text::cut( (string) ( $entry['contact'] ?? '' ), self::WIDTHS['contact'] ),
					'code'         => Text::cut( (string) ( $entry['code'] ?? '' ), self::WIDTHS['code'] ),
					'status'       => max( 0, (int) ( $entry['status'] ?? 0 ) ),
					'duration_ms'  => max( 0, (int) ( $entry['duration_ms'] ?? 0 ) ),
					'user_id'      => isset( $entry['user_id'] ) ? (int) $entry['user_id'] : null,
					'delivery_key' => isset( $entry['delivery_key'] ) ? substr( (string) $entry['delivery_key'], 0, 64 ) : null,
					'job_id'       => isset( $entry['job_id'] ) ? (int) $entry['job_id'] : null,
					'signature'    => Text::cut( (string) ( $entry['signature'] ?? '' ), self::WIDTHS['signature'] ),
					'message'      => (string) ( $entry['message'] ?? '' ),
					'warnings'     => Text::json( array_values( array_map( 'strval', (array) ( $entry['warnings'] ?? array() ) ) ) ),
					'request'      => Text::json( (array) ( $entry['request'] ?? array() ) ),
				);
				if ( null === Extension::problem() ) {
					foreach ( array( 'contact', 'message', 'warnings' ) as $column ) {
						$row[ $column ] = wpf_webhooks_redact_text( $row[ $column ], array( 'settings' => $settings ) );
					}
				}
				$max_rows = max( 0, (int) $settings['log_max_rows'] );
				if ( Schema::insert( self::table(), $row ) && $max_rows > 0 && $wpdb->insert_id > $max_rows && self::trims_now( $max_rows ) ) {
					// The cap, at the cost of one indexed delete: ids only grow, so the rows past it are below this range.
					$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . self::table() . ' WHERE id <= %d', (int) $wpdb->insert_id - $max_rows ) ); // phpcs:ignore WordPress.DB
				}
			},
			'the webhook log failed'
		);
	}

	/**
	 * Whether this insert trims the log to its cap: on average one insert in every hundredth of the cap (every
	 * insert under a cap of 200), at random, so that a webhook seldom pays a second write and commit, and no gap
	 * in the ids (a rollback, another node's auto-increment offset) can make the trims stop. Between trims the
	 * table holds about that many rows more than the cap; the daily prune() cuts it to the cap exactly.
	 *
	 * @param int $max_rows The cap.
	 */
	private static function trims_now( int $max_rows ): bool {
		return 0 === random_int( 0, max( 1, intdiv( $max_rows, self::TRIM_SHARE ) ) - 1 );
	}

	/**
	 * A request as the log keeps it when the extension gave none (it is missing, or never decided): only what
	 * holds no secret, so the plugin needs no redaction rule of its own (CONTRACT §6).
	 *
	 * @param string $method     The HTTP method (`QUEUE` for a queued webhook's run).
	 * @param string $action     The action as the extension names it, or ''.
	 * @param int    $body_bytes The body's size.
	 */
	public static function bare_request( string $method, string $action, int $body_bytes ): array {
		return array(
			'method'     => strtoupper( Text::cut( $method, 10 ) ),
			'wpf_action' => $action,
			'body_bytes' => $body_bytes,
		);
	}

	/**
	 * Counts a request refused before its key was accepted, in its hour: nothing of the request is stored. One
	 * upsert on the table's primary key. Never throws and never prints.
	 *
	 * @param string $reason A code of the class `refused`.
	 */
	public static function refused( string $reason ): void {
		self::quietly(
			function () use ( $reason ) {
				global $wpdb;
				$now  = time();
				$hour = $now - $now % HOUR_IN_SECONDS;
				$wpdb->query( $wpdb->prepare( 'INSERT INTO ' . self::refused_table() . ' (hour_start, reason, requests) VALUES (%d, %s, 1) ON DUPLICATE KEY UPDATE requests = requests + 1', $hour, Text::cut( $reason, self::WIDTHS['code'] ) ) ); // phpcs:ignore WordPress.DB
			},
			'counting a refused request failed'
		);
	}

	/**
	 * Runs a write of the log with the tables upgraded and database errors silenced; a failure is reported to
	 * PHP's error log by its class only (an exception's message may quote the data being logged).
	 *
	 * @param callable $write The write.
	 * @param string   $what  What failed, for the error log.
	 */
	private static function quietly( callable $write, string $what ): void {
		global $wpdb;
		$suppressed = $wpdb->suppress_errors( true );
		try {
			Schema::upgrade();
			$write();
		} catch ( \Throwable $e ) {
			error_log( 'wpf-webhooks: ' . $what . ': ' . get_class( $e ) ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions
		} finally {
			$wpdb->suppress_errors( $suppressed );
		}
	}

	/**
	 * Requests refused before their key was accepted since a moment (counted by the hour: from the start of the
	 * moment's hour).
	 *
	 * @param int $since Unix time.
	 * @return array<string, int> reason => count, most frequent first.
	 */
	public static function refusals_since( int $since ): array {
		global $wpdb;
		$table = self::refused_table();
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT reason, SUM(requests) AS n FROM {$table} WHERE hour_start >= %d GROUP BY reason ORDER BY n DESC, reason", $since - $since % HOUR_IN_SECONDS ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$out   = array();
		foreach ( is_array( $rows ) ? $rows : array() as $row ) {
			$out[ (string) $row['reason'] ] = (int) $row['n'];
		}
		return $out;
	}

	/**
	 * What refused requests mean, for the site's owner (Site Health, Tools → Webhook Logs).
	 *
	 * @param array<string, int> $refused What refusals_since() gave, not empty.
	 */
	public static function refusals_text( array $refused ): string {
		$reasons = array(
			'forbidden'         => __( 'a wrong or missing access key', 'wpf-webhooks' ),
			'payload_too_large' => __( 'a body over 64 KiB', 'wpf-webhooks' ),
		);
		$parts   = array();
		foreach ( $refused as $reason => $count ) {
			$parts[] = ( $reasons[ $reason ] ?? $reason ) . ' × ' . number_format_i18n( $count );
		}
		$total = array_sum( $refused );
		return sprintf(
			/* translators: 1: a number of requests, 2: reasons and counts, e.g. "a wrong or missing access key × 3" */
			_n( 'In the last 24 hours, %1$s request to the webhook URL was refused before its access key was accepted (%2$s).', 'In the last 24 hours, %1$s requests to the webhook URL were refused before their access key was accepted (%2$s).', $total, 'wpf-webhooks' ),
			number_format_i18n( $total ),
			implode( ', ', $parts )
		) . ' ' . __( 'Someone may be trying keys; a CRM journey that still sends an old key (after the key was regenerated, say) shows up here too: compare its URL with the one on the Webhooks settings page. Only these counts are kept, never the requests.', 'wpf-webhooks' );
	}

	/**
	 * A page of rows, newest first, from the newest window() rows of the log only: every read is a bounded range
	 * of the primary key (its window()th newest id found by walking the index that far), so neither the page nor
	 * its count (an *Errors only* or a search too) grows with a log whose cap is raised or removed.
	 *
	 * @param array $args The filters of where() and `per_page` (1–100, default 20), `page` (from 1).
	 * @return array{rows: array[], total: int, older: bool} `older`: the log holds rows older than the window.
	 */
	public static function query( array $args = array() ): array {
		global $wpdb;
		$table            = self::table();
		$from             = $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$table} ORDER BY id DESC LIMIT 1 OFFSET %d", self::window() - 1 ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		[ $sql, $values ] = self::where( $args );
		$sql             .= ' AND id >= %d';
		$values[]         = (int) $from;
		$per_page         = min( 100, max( 1, (int) ( $args['per_page'] ?? 20 ) ) );
		$page             = max( 1, (int) ( $args['page'] ?? 1 ) );
		$total            = (int) $wpdb->get_var( self::prepared( "SELECT COUNT(*) {$sql}", $values ) );
		$rows             = $wpdb->get_results( self::prepared( "SELECT * {$sql} ORDER BY id DESC LIMIT %d OFFSET %d", array_merge( $values, array( $per_page, ( $page - 1 ) * $per_page ) ) ), ARRAY_A );
		return array(
			'rows'  => array_map( array( self::class, 'typed' ), is_array( $rows ) ? $rows : array() ),
			'total' => $total,
			'older' => null !== $from && null !== $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$table} WHERE id < %d LIMIT 1", (int) $from ) ), // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		);
	}

	/**
	 * How many rows the log holds, counted up to window() of them: the count, or null when there are more.
	 */
	public static function size(): ?int {
		global $wpdb;
		$table = self::table();
		if ( null !== $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$table} ORDER BY id DESC LIMIT 1 OFFSET %d", self::window() ) ) ) { // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			return null;
		}
		return (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table}" ); // phpcs:ignore WordPress.DB
	}

	/**
	 * How many of the newest rows the admin screens read at the most (WINDOW, filter `wpf_webhooks_log_window`).
	 */
	public static function window(): int {
		return max( 1, (int) apply_filters( 'wpf_webhooks_log_window', self::WINDOW ) );
	}

	/**
	 * Every row the filters select, newest first, read in batches of `$batch` rows by a range of the primary key,
	 * so that the whole log is never in memory (the CSV export).
	 *
	 * @param array    $args  The filters of where().
	 * @param callable $each  Called with each row, as query() gives it.
	 * @param int      $batch Rows a query.
	 */
	public static function each( array $args, callable $each, int $batch = 500 ): void {
		global $wpdb;
		[ $sql, $values ] = self::where( $args );
		$below            = PHP_INT_MAX;
		do {
			$rows = $wpdb->get_results( self::prepared( "SELECT * {$sql} AND id < %d ORDER BY id DESC LIMIT %d", array_merge( $values, array( $below, $batch ) ) ), ARRAY_A );
			$rows = is_array( $rows ) ? $rows : array();
			foreach ( $rows as $row ) {
				$each( self::typed( $row ) );
				$below = (int) $row['id'];
			}
		} while ( count( $rows ) === $batch );
	}

	/**
	 * The FROM and WHERE of a filtered read, and its values.
	 *
	 * @param array $args `code`, `action`, `signature` (exact; empty = any), `errors` (true: every failed
	 *                    webhook, see failed()), `search` (in contact and message).
	 * @return array{0: string, 1: array}
	 */
	private static function where( array $args ): array {
		global $wpdb;
		$where  = array( '1=1' );
		$values = array();
		foreach ( array( 'code', 'action', 'signature' ) as $column ) {
			if ( isset( $args[ $column ] ) && '' !== (string) $args[ $column ] ) {
				$where[]  = "{$column} = %s";
				$values[] = (string) $args[ $column ];
			}
		}
		if ( ! empty( $args['errors'] ) ) {
			$where[] = self::failed();
		}
		$search = isset( $args['search'] ) ? trim( (string) $args['search'] ) : '';
		if ( '' !== $search ) {
			$like     = '%' . $wpdb->esc_like( $search ) . '%';
			$where[]  = '(contact LIKE %s OR message LIKE %s)';
			$values[] = $like;
			$values[] = $like;
		}
		return array( 'FROM ' . self::table() . ' WHERE ' . implode( ' AND ', $where ), $values );
	}

	/**
	 * A query with its values in place (none: as it is).
	 *
	 * @param string $query  The query, with placeholders.
	 * @param array  $values Their values.
	 */
	private static function prepared( string $query, array $values ): string {
		global $wpdb;
		return array() === $values ? $query : (string) $wpdb->prepare( $query, $values ); // phpcs:ignore WordPress.DB
	}

	/**
	 * What a webhook's answer was (the contract's class of its code; classes()): a success, a client error (the
	 * request, its contact), a CRM error, refused (a wrong key or signature, a body over the limit) or an internal
	 * error (this site, its settings, the extension). A code the contract does not know (a row of another version)
	 * is an internal error.
	 *
	 * @param string $code The row's code.
	 */
	public static function outcome( string $code ): string {
		return Contract::get()['codes'][ $code ]['class'] ?? 'internal';
	}

	/**
	 * The classes of answers, in the order the log shows them (the contract's `classes`).
	 *
	 * @return string[]
	 */
	public static function outcomes(): array {
		return Contract::get()['classes'];
	}

	/**
	 * The SQL condition of a failed webhook, one not done whoever's fault it was: any code not of the class
	 * `success` (as outcome() says, a code the contract does not know too).
	 */
	private static function failed(): string {
		$codes = array_keys( array_filter( Contract::get()['codes'], fn( $code ) => 'success' === $code['class'] ) );
		return "code NOT IN ('" . implode( "', '", array_map( 'esc_sql', $codes ) ) . "')";
	}

	/**
	 * Webhooks per period by outcome, for the log page's charts: the last `$buckets` periods (hours or the site's
	 * days: a day runs from one of its midnights to the next, 23 or 25 hours across a clock change), this one
	 * included. Counted in the database by quarter of an hour (every time zone's hours and midnights fall on one)
	 * and code, the quarters added up into the periods here. A quarter that ended over a quarter of an hour ago
	 * gains no row (a row's time is when it was logged), so its counts are kept (settled()) until rows they count
	 * may be gone; only the last half hour's rows are aggregated again, and only when a row was logged since.
	 *
	 * @param int      $bucket  HOUR_IN_SECONDS or DAY_IN_SECONDS.
	 * @param int      $buckets How many periods.
	 * @param int|null $now     The time to count back from (default: now).
	 * @return array<int, array<string, int>> Each period's start (unix time), oldest first => outcome => count
	 *                                        (outcomes with none left out, in outcomes() order).
	 */
	public static function counts( int $bucket, int $buckets, ?int $now = null ): array {
		$now    = $now ?? time();
		$starts = self::period_starts( $bucket, $buckets, $now );
		$first  = $starts[0];
		// Every view of the log page draws them (each page, filter, detail): counted again only when a row was
		// logged or deleted since, or a period began; the oldest and newest ids are two reads of the primary key.
		$cache  = self::COUNTS_CACHE . $bucket . '_' . $buckets;
		$state  = array( ...Schema::id_range( self::table() ), $first, (int) get_option( self::COUNTS_GENERATION, 0 ) );
		$cached = get_transient( $cache );
		if ( is_array( $cached ) && ( $cached['state'] ?? null ) === $state ) {
			return $cached['counts'];
		}
		$recent = max( $first, $now - $now % self::SLOT_SECONDS - self::SLOT_SECONDS );
		$slots  = self::settled( $state[0], min( $first, self::period_starts( DAY_IN_SECONDS, self::CHARTS[ DAY_IN_SECONDS ], $now )[0] ), $recent ) + self::slots( $recent );
		$counts = array_fill_keys( $starts, array_fill_keys( self::outcomes(), 0 ) );
		$period = 0;
		ksort( $slots );
		foreach ( $slots as $slot => $codes ) {
			if ( $slot < $first ) {
				continue;
			}
			while ( isset( $starts[ $period + 1 ] ) && $slot >= $starts[ $period + 1 ] ) {
				++$period;
			}
			foreach ( $codes as $code => $n ) {
				$counts[ $starts[ $period ] ][ self::outcome( (string) $code ) ] += $n;
			}
		}
		$counts = array_map( fn( $outcomes ) => array_filter( $outcomes ), $counts );
		set_transient(
			$cache,
			array(
				'state'  => $state,
				'counts' => $counts,
			),
			DAY_IN_SECONDS
		);
		return $counts;
	}

	/**
	 * The settled quarters' counts from `$from` to `$until`: kept in a transient with the counts' generation
	 * (forget_counts()), the oldest row's id and the id of the last row logged a quarter of an hour before them
	 * (last_logged_before()), and counted again from the start only when rows they hold may be gone: a new
	 * generation (the log cleared, a person's rows erased), an empty log, or rows deleted past that last row (the
	 * row cap trimming rows of the last 30 days, retention of fewer days); retention deleting older rows only
	 * keeps them. Else only the quarters settled since are counted, and the transient is written only when
	 * something changed.
	 *
	 * @param int|null $oldest The oldest row's id (null: the log is empty).
	 * @param int      $from   The first quarter wanted.
	 * @param int      $until  The first quarter not settled.
	 * @return array<int, array<string, int>> Quarter's start => code => count, with a row only.
	 */
	private static function settled( ?int $oldest, int $from, int $until ): array {
		$generation = (int) get_option( self::COUNTS_GENERATION, 0 );
		$kept       = get_transient( self::SLOTS_CACHE );
		$usable     = is_array( $kept ) && ( $kept['generation'] ?? null ) === $generation && $kept['from'] <= $from && $kept['until'] <= $until
			&& ( $kept['oldest'] === $oldest || ( null !== $oldest && $oldest <= ( $kept['before'] ?? 0 ) + 1 ) );
		if ( $usable && array( $oldest, $from, $until ) === array( $kept['oldest'], $kept['from'], $kept['until'] ) ) {
			return $kept['slots'];
		}
		$slots = $usable ? $kept['slots'] + ( $kept['until'] < $until ? self::slots( $kept['until'], $until ) : array() ) : self::slots( $from, $until );
		$slots = array_filter( $slots, fn( $slot ) => $slot >= $from, ARRAY_FILTER_USE_KEY );
		set_transient(
			self::SLOTS_CACHE,
			array(
				'generation' => $generation,
				'oldest'     => $oldest,
				'before'     => self::last_logged_before( $from - self::SLOT_SECONDS ),
				'from'       => $from,
				'until'      => $until,
				'slots'      => $slots,
			),
			DAY_IN_SECONDS
		);
		return $slots;
	}

	/**
	 * The id of the last row logged before a moment (0 for none): one read of the `created_at` index. A row logged
	 * a quarter of an hour later or more has a larger id (the settled quarters' assumption: no web server's clock
	 * runs that far behind another's), and one with a smaller id was logged before that moment and a quarter.
	 *
	 * @param int $moment Unix time.
	 */
	private static function last_logged_before( int $moment ): int {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM ' . self::table() . ' WHERE created_at < %d ORDER BY created_at DESC, id DESC LIMIT 1', $moment ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * The log's rows by quarter of an hour and code, from `$from` on (to `$until`, excluded): one query, bounded
	 * by the `created_at` index.
	 *
	 * @param int      $from  Unix time.
	 * @param int|null $until Unix time; null: no end.
	 * @return array<int, array<string, int>> Quarter's start => code => count, with a row only.
	 */
	private static function slots( int $from, ?int $until = null ): array {
		global $wpdb;
		$table = self::table();
		$end   = null === $until ? '' : $wpdb->prepare( ' AND created_at < %d', $until );
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT created_at - created_at %% %d AS slot, code, COUNT(*) AS n FROM {$table} WHERE created_at >= %d", self::SLOT_SECONDS, $from ) . $end . ' GROUP BY slot, code', ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		$slots = array();
		foreach ( is_array( $rows ) ? $rows : array() as $row ) {
			$slots[ (int) $row['slot'] ][ (string) $row['code'] ] = (int) $row['n'];
		}
		return $slots;
	}

	/**
	 * The starts of the last periods (hours or the site's days) up to the one holding $now, oldest first.
	 *
	 * @param int $bucket  HOUR_IN_SECONDS or DAY_IN_SECONDS.
	 * @param int $buckets How many.
	 * @param int $now     The time.
	 * @return int[]
	 */
	private static function period_starts( int $bucket, int $buckets, int $now ): array {
		$local = ( new \DateTimeImmutable( '@' . $now ) )->setTimezone( wp_timezone() );
		if ( DAY_IN_SECONDS !== $bucket ) {
			$hour = $local->setTime( (int) $local->format( 'G' ), 0 )->getTimestamp();
			return range( $hour - ( $buckets - 1 ) * $bucket, $hour, $bucket );
		}
		$starts = array();
		for ( $day = $local->setTime( 0, 0 ), $i = 0; $i < $buckets; $day = $day->modify( '-1 day' )->setTime( 0, 0 ), $i++ ) {
			$starts[] = $day->getTimestamp();
		}
		return array_reverse( $starts );
	}

	/**
	 * The newest rows with a signature verdict, newest first: webhooks whose key was accepted, not a queued
	 * webhook's run (its signature was checked when it arrived) nor a row older than signatures. For the admin
	 * screens, and bounded whatever the log holds: looked for among the newest SIGNED_WINDOW rows only, a range of
	 * the primary key after one read of its largest value.
	 *
	 * @param int $limit How many at the most.
	 * @return array[] Rows as query() gives them.
	 */
	public static function recent_signed( int $limit ): array {
		global $wpdb;
		$table = self::table();
		$last  = (int) $wpdb->get_var( "SELECT MAX(id) FROM {$table}" ); // phpcs:ignore WordPress.DB
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE id > %d AND signature <> '' ORDER BY id DESC LIMIT %d", $last - self::SIGNED_WINDOW, max( 1, $limit ) ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return array_map( array( self::class, 'typed' ), is_array( $rows ) ? $rows : array() );
	}

	/**
	 * The newest row with a signature verdict (see recent_signed()), or null.
	 */
	public static function last_signed(): ?array {
		return self::recent_signed( 1 )[0] ?? null;
	}

	/**
	 * The failed webhooks since a moment (failed()), whether the request (a bad body, an unknown contact, a
	 * refused signature), the CRM or the site failed it. Requests refused before their key was accepted have no
	 * row and are not counted (see refusals_since()).
	 *
	 * @param int $since Unix time.
	 * @return array<string, int> code => count, most frequent first.
	 */
	public static function failures_since( int $since ): array {
		global $wpdb;
		$table = self::table();
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT code, COUNT(*) AS n FROM {$table} WHERE created_at >= %d AND " . self::failed() . ' GROUP BY code ORDER BY n DESC, code', $since ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$out   = array();
		foreach ( is_array( $rows ) ? $rows : array() as $row ) {
			$out[ (string) $row['code'] ] = (int) $row['n'];
		}
		return $out;
	}

	/**
	 * The newest rows of some contacts, newest first, by the table's contact index.
	 *
	 * @param string[] $contacts The contacts, as the rows name them.
	 * @param int      $limit    How many at the most.
	 * @return array[] Rows as query() gives them.
	 */
	public static function of_contacts( array $contacts, int $limit ): array {
		global $wpdb;
		if ( array() === $contacts ) {
			return array();
		}
		$table = self::table();
		$in    = implode( ', ', array_fill( 0, count( $contacts ), '%s' ) );
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE contact IN ({$in}) ORDER BY id DESC LIMIT %d", array_merge( array_values( $contacts ), array( max( 1, $limit ) ) ) ), ARRAY_A ); // phpcs:ignore WordPress.DB
		return array_map( array( self::class, 'typed' ), is_array( $rows ) ? $rows : array() );
	}

	/**
	 * One row, or null.
	 *
	 * @param int $id The row's id.
	 */
	public static function get( int $id ): ?array {
		global $wpdb;
		$table = self::table();
		$row   = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE id = %d", $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return is_array( $row ) ? self::typed( $row ) : null;
	}

	/**
	 * Deletes every row and every refused requests' count.
	 */
	public static function clear(): void {
		global $wpdb;
		$wpdb->query( 'DELETE FROM ' . self::table() ); // phpcs:ignore WordPress.DB
		$wpdb->query( 'DELETE FROM ' . self::refused_table() ); // phpcs:ignore WordPress.DB
		self::forget_counts();
	}

	/**
	 * Forgets the charts' counts (counts()), so the next view aggregates the log again: a new generation, and the
	 * transients deleted.
	 */
	public static function forget_counts(): void {
		update_option( self::COUNTS_GENERATION, (int) get_option( self::COUNTS_GENERATION, 0 ) + 1, false );
		foreach ( self::CHARTS as $bucket => $buckets ) {
			delete_transient( self::COUNTS_CACHE . $bucket . '_' . $buckets );
		}
		delete_transient( self::SLOTS_CACHE );
	}

	/**
	 * Applies the retention settings (daily cron): rows, refused requests' counts and failed queued webhooks
	 * (with their stored requests) older than `log_retention_days`, then all rows but the newest
	 * `log_max_rows`. 0 means no limit.
	 */
	public static function prune(): void {
		global $wpdb;
		$settings = Settings::get();
		$days     = max( 0, (int) $settings['log_retention_days'] );
		$max_rows = max( 0, (int) $settings['log_max_rows'] );
		$table    = self::table();
		if ( $days > 0 ) {
			$before = time() - $days * DAY_IN_SECONDS;
			$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE created_at < %d", $before ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . self::refused_table() . ' WHERE hour_start < %d', $before ) ); // phpcs:ignore WordPress.DB
			Queue::forget_failed( $before );
		}
		if ( $max_rows > 0 ) {
			// The newest row to drop; two statements, since MySQL refuses a DELETE that selects from its own table.
			$cut = $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$table} ORDER BY id DESC LIMIT 1 OFFSET %d", $max_rows ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			if ( null !== $cut ) {
				$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE id <= %d", (int) $cut ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			}
		}
	}

	/**
	 * A row with its numbers as ints and its warnings and request decoded.
	 *
	 * @param array $row A row as the database gives it.
	 */
	public static function typed( array $row ): array {
		foreach ( array( 'id', 'created_at', 'status', 'duration_ms' ) as $column ) {
			$row[ $column ] = (int) $row[ $column ];
		}
		$row['user_id']      = null === $row['user_id'] ? null : (int) $row['user_id'];
		$row['job_id']       = null === ( $row['job_id'] ?? null ) ? null : (int) $row['job_id'];
		$warnings            = json_decode( (string) $row['warnings'], true );
		$row['warnings']     = is_array( $warnings ) ? $warnings : array();
		$request             = json_decode( (string) $row['request'], true );
		$row['request']      = is_array( $request ) ? $request : array();
		$row['delivery_key'] = null === $row['delivery_key'] || '' === $row['delivery_key'] ? null : (string) $row['delivery_key'];
		return $row;
	}
}
