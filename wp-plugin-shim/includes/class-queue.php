<?php
/**
 * The store of `async` webhooks (CONTRACT §2, §6).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * A webhook asked to be processed in the background is stored here before `202 queued` is sent (at most
 * max_jobs() of them). Workers (QueueRunner) take jobs one at a time with an atomic claim (`FOR UPDATE SKIP
 * LOCKED` on MySQL/MariaDB, so several web servers can share one database; a compare-and-set update on SQLite),
 * leased to them: a job whose worker died is due again when its lease ends, behind the jobs that were due before
 * that, and counts an attempt. Nothing is dropped.
 */
final class Queue {

	/**
	 * How long a claimed job stays its worker's. Past it, the worker is taken to have died and the job is claimed
	 * again: longer than one job can take (the CRM budget, the contact lock, the password write).
	 */
	const LEASE_SECONDS = 120;

	/**
	 * Jobs the queue holds at most (waiting, running and failed), so that a leaked key cannot fill the database
	 * with bodies of up to 64 KiB: over it an async webhook is answered `500 internal_error` (with `Retry-After`) and not stored. The constant
	 * WPF_WEBHOOKS_QUEUE_MAX_JOBS changes it.
	 */
	const DEFAULT_MAX_JOBS = 10000;

	/**
	 * Set when the database refused `SKIP LOCKED` (MySQL before 8.0, MariaDB before 10.6).
	 *
	 * @var bool
	 */
	private static bool $without_skip_locked = false;

	/**
	 * The table's name.
	 */
	public static function table(): string {
		return Schema::table( 'queue' );
	}

	/**
	 * Stores a webhook the extension accepted for the queue, unless its delivery was already processed or the
	 * queue is full (max_jobs(): then `500 internal_error` and nothing is stored). A delivery already in the queue is not
	 * stored twice; one that had failed there gets a new round.
	 *
	 * @param array $queued The extension's `queue` decision: `action`, `delivery_key`, `contact`, `request`.
	 * @return array{0: Response, 1: int|null} The answer, and the job's id when it is queued.
	 */
	public static function push( array $queued ): array {
		global $wpdb;
		$delivery = isset( $queued['delivery_key'] ) ? (string) $queued['delivery_key'] : null;
		if ( null !== $delivery && Deliveries::seen( $delivery ) ) {
			return array( Response::of( 'duplicate' ), null );
		}
		$request = wp_json_encode( $queued['request'] );
		if ( false === $request ) {
			return array( Response::of( 'internal_error' ), null );
		}
		$now = time();
		if ( self::is_full() ) {
			$id = self::job_of( $delivery );
			return null === $id ? array( Response::internal_error( 'The queue of webhooks is full; nothing was stored. Retry later.', 30 ), null ) : self::accept_again( $id, $now );
		}
		$suppressed = $wpdb->suppress_errors( true );
		$inserted   = Schema::insert(
			self::table(),
			array(
				'created_at'   => $now,
				'run_at'       => $now,
				'status'       => 'pending',
				'action'       => (string) $queued['action'],
				'contact'      => Text::cut( (string) $queued['contact'], Log::WIDTHS['contact'] ),
				'delivery_key' => $delivery,
				'request'      => $request,
			)
		);
		$wpdb->suppress_errors( $suppressed );
		if ( $inserted ) {
			QueueRunner::schedule();
			return array( Response::of( 'queued' ), (int) $wpdb->insert_id );
		}
		$id = self::job_of( $delivery );
		if ( null === $id ) {
			return array( Response::internal_error( 'The webhook could not be stored; nothing was changed.' ), null );
		}
		return self::accept_again( $id, $now );
	}

	/**
	 * The job stored for a delivery, if any.
	 *
	 * @param string|null $delivery The delivery key, or null when the webhook had none.
	 */
	private static function job_of( ?string $delivery ): ?int {
		global $wpdb;
		$id = null === $delivery ? null : $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM ' . self::table() . ' WHERE delivery_key = %s', $delivery ) ); // phpcs:ignore WordPress.DB
		return null === $id ? null : (int) $id;
	}

	/**
	 * Answers a delivery that is already in the queue: `queued`, and if it had failed it gets a new round. It
	 * takes no new row, so it is accepted even when the queue is full.
	 *
	 * @param int $id  Its job.
	 * @param int $now The time it was accepted again.
	 * @return array{0: Response, 1: int} The answer, and the job's id.
	 */
	private static function accept_again( int $id, int $now ): array {
		global $wpdb;
		// Accepted again now, with the key in force now: created_at says so (see accepted_by()).
		$wpdb->query( $wpdb->prepare( 'UPDATE ' . self::table() . " SET status = 'pending', created_at = %d, run_at = %d, attempts = 0 WHERE id = %d AND status = 'failed'", $now, $now, $id ) ); // phpcs:ignore WordPress.DB
		return array( Response::of( 'queued' ), $id );
	}

	/**
	 * The most jobs the queue holds: WPF_WEBHOOKS_QUEUE_MAX_JOBS when wp-config.php defines it, else
	 * DEFAULT_MAX_JOBS.
	 */
	public static function max_jobs(): int {
		return defined( 'WPF_WEBHOOKS_QUEUE_MAX_JOBS' ) ? max( 1, (int) WPF_WEBHOOKS_QUEUE_MAX_JOBS ) : self::DEFAULT_MAX_JOBS;
	}

	/**
	 * Whether the queue holds max_jobs() jobs or more. Ids span at least as many values as there are rows, so a
	 * span under the cap (two reads of the primary key's ends, the usual case) settles it; only a wider span skips
	 * up to the cap's entries of the index. Its cost is bounded by the cap, never by the table. Webhooks stored at
	 * the same moment by other workers may each pass it: the cap can be passed by at most the number of PHP
	 * workers.
	 */
	public static function is_full(): bool {
		global $wpdb;
		$table = self::table();
		[ $first, $last ] = Schema::id_range( $table );
		if ( null === $first || $last - $first + 1 < self::max_jobs() ) {
			return false;
		}
		return null !== $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$table} LIMIT 1 OFFSET %d", self::max_jobs() - 1 ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Takes one due job for this worker, atomically: no other worker, on this server or another, gets it
	 * until its lease ends. A job whose lease ended (its worker died) is due again from that moment, so it
	 * queues behind the jobs due before, and only while it has attempts left (see fail_dead()).
	 *
	 * @return object|null The job's row (with its new `attempts` and `claimed_by`), or null when none is due.
	 */
	public static function claim(): ?object {
		global $wpdb;
		$now   = time();
		$table = self::table();
		$due   = $wpdb->prepare( "(status = 'pending' AND run_at <= %d) OR (status = 'running' AND lease_until < %d AND attempts < %d)", $now, $now, RetryPolicy::MAX_ATTEMPTS );
		$lease = $now + self::LEASE_SECONDS;
		$take  = $wpdb->prepare( "UPDATE {$table} SET status = 'running', attempts = attempts + 1, run_at = %d, lease_until = %d, claimed_by = %s", $lease, $lease, self::owner() ); // phpcs:ignore WordPress.DB
		if ( ! Lock::uses_sqlite() && ! self::$without_skip_locked ) {
			for ( $try = 0; $try < 5; $try++ ) {
				$claimed = self::claim_skip_locked( $table, $due, $take );
				if ( false !== $claimed ) {
					return null === $claimed ? null : self::get( $claimed );
				}
				if ( self::$without_skip_locked ) {
					break;
				}
			}
			if ( ! self::$without_skip_locked ) {
				return null;
			}
		}
		// A compare-and-set: of the workers that chose the same job, exactly one changes its row.
		for ( $try = 0; $try < 5; $try++ ) {
			$id = $wpdb->get_var( "SELECT id FROM {$table} WHERE {$due} ORDER BY run_at, id LIMIT 1" ); // phpcs:ignore WordPress.DB
			if ( null === $id ) {
				return null;
			}
			if ( 1 === $wpdb->query( $wpdb->prepare( "{$take} WHERE id = %d AND ({$due})", $id ) ) ) { // phpcs:ignore WordPress.DB
				return self::get( (int) $id );
			}
		}
		return null;
	}

	/**
	 * One try at a claim with `SELECT … FOR UPDATE SKIP LOCKED`, in a READ COMMITTED transaction (no gap locks).
	 * The database may end the transaction to break a deadlock between claimers: that try then claimed nothing.
	 *
	 * @param string $table The queue table.
	 * @param string $due   The SQL condition of a due job.
	 * @param string $take  The SQL update that claims, without its WHERE.
	 * @return int|null|false The claimed job's id, null when no job is due, false when this try failed.
	 */
	private static function claim_skip_locked( string $table, string $due, string $take ) {
		global $wpdb;
		$suppressed = $wpdb->suppress_errors( true );
		try {
			$wpdb->query( 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED' ); // phpcs:ignore WordPress.DB
			$wpdb->query( 'START TRANSACTION' ); // phpcs:ignore WordPress.DB
			$id = $wpdb->get_var( "SELECT id FROM {$table} WHERE {$due} ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED" ); // phpcs:ignore WordPress.DB
			if ( '' !== $wpdb->last_error ) {
				$wpdb->query( 'ROLLBACK' ); // phpcs:ignore WordPress.DB
				// A syntax error: MySQL before 8.0 or MariaDB before 10.6. A deadlock: try again.
				self::$without_skip_locked = false === stripos( $wpdb->last_error, 'deadlock' ) && false === stripos( $wpdb->last_error, 'lock wait' );
				return false;
			}
			if ( null === $id ) {
				$wpdb->query( 'COMMIT' ); // phpcs:ignore WordPress.DB
				return null;
			}
			$updated = $wpdb->query( $wpdb->prepare( "{$take} WHERE id = %d", $id ) ); // phpcs:ignore WordPress.DB
			if ( 1 !== $updated ) {
				$wpdb->query( 'ROLLBACK' ); // phpcs:ignore WordPress.DB
				return false;
			}
			return false === $wpdb->query( 'COMMIT' ) ? false : (int) $id; // phpcs:ignore WordPress.DB
		} finally {
			$wpdb->suppress_errors( $suppressed );
		}
	}

	/**
	 * Puts failed jobs back in the queue, due now, with a new round of attempts.
	 *
	 * @param int|null $id One job, or null for every failed job.
	 * @return int How many jobs were put back.
	 */
	public static function retry( ?int $id = null ): int {
		global $wpdb;
		$sql  = 'UPDATE ' . self::table() . " SET status = 'pending', run_at = %d, attempts = 0 WHERE status = 'failed'";
		$args = array( time() );
		if ( null !== $id ) {
			$sql   .= ' AND id = %d';
			$args[] = $id;
		}
		$count = (int) $wpdb->query( $wpdb->prepare( $sql, $args ) ); // phpcs:ignore WordPress.DB
		if ( $count > 0 ) {
			QueueRunner::schedule();
		}
		return $count;
	}

	/**
	 * Deletes the failed jobs, and so their stored requests, whose last attempt is older than a moment (the
	 * log's retention: their log rows go then too).
	 *
	 * @param int $before Unix time.
	 * @return int How many jobs were deleted.
	 */
	public static function forget_failed( int $before ): int {
		global $wpdb;
		return (int) $wpdb->query( $wpdb->prepare( 'DELETE FROM ' . self::table() . " WHERE status = 'failed' AND run_at < %d", $before ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * How many jobs wait, run and failed.
	 *
	 * @return array{pending: int, running: int, failed: int}
	 */
	public static function counts(): array {
		global $wpdb;
		$counts = array(
			'pending' => 0,
			'running' => 0,
			'failed'  => 0,
		);
		foreach ( (array) $wpdb->get_results( 'SELECT status, COUNT(*) AS n FROM ' . self::table() . ' GROUP BY status' ) as $row ) { // phpcs:ignore WordPress.DB
			if ( isset( $counts[ $row->status ] ) ) {
				$counts[ $row->status ] = (int) $row->n;
			}
		}
		return $counts;
	}

	/**
	 * The failed jobs, oldest first (without their stored request).
	 *
	 * @param int $limit At most this many.
	 * @return object[]
	 */
	public static function failed( int $limit = 50 ): array {
		global $wpdb;
		$sql = 'SELECT id, created_at, action, contact, attempts, last_code, last_message FROM ' . self::table() . " WHERE status = 'failed' ORDER BY id LIMIT %d";
		return (array) $wpdb->get_results( $wpdb->prepare( $sql, $limit ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * One job's row, or null.
	 *
	 * @param int $id The job.
	 */
	public static function get( int $id ): ?object {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . self::table() . ' WHERE id = %d', $id ) ); // phpcs:ignore WordPress.DB
		return $row ? $row : null;
	}

	/**
	 * The jobs whose worker died on their last attempt (running, lease ended, no attempt left), oldest first.
	 *
	 * @param int $limit At most this many.
	 * @return object[]
	 */
	public static function dead( int $limit ): array {
		global $wpdb;
		$sql = 'SELECT * FROM ' . self::table() . " WHERE status = 'running' AND lease_until < %d AND attempts >= %d ORDER BY id LIMIT %d";
		return (array) $wpdb->get_results( $wpdb->prepare( $sql, time(), RetryPolicy::MAX_ATTEMPTS, $limit ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Deletes a done job, while its worker still holds it.
	 *
	 * @param object $job The claimed row.
	 */
	public static function complete( object $job ): void {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . self::table() . ' WHERE id = %d AND claimed_by = %s', (int) $job->id, (string) $job->claimed_by ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Puts a job back (`pending`, due at `$run_at`) or keeps it as `failed`, with its last outcome: only while the
	 * worker that claimed it still holds it (or, with `$dead`, while it is still a dead worker's job).
	 *
	 * @param object $job     The claimed row.
	 * @param string $status  `pending` or `failed`.
	 * @param int    $run_at  When it is due again (for `failed`: when it failed).
	 * @param string $code    The contract code of its outcome.
	 * @param string $message Its message.
	 * @param bool   $dead    Whether its worker died (its lease ended with no attempt left).
	 * @return bool Whether this call settled it.
	 */
	public static function settle( object $job, string $status, int $run_at, string $code, string $message, bool $dead ): bool {
		global $wpdb;
		$sql  = 'UPDATE ' . self::table() . ' SET status = %s, run_at = %d, lease_until = 0, last_code = %s, last_message = %s WHERE id = %d AND claimed_by = %s';
		$args = array( $status, $run_at, $code, $message, (int) $job->id, (string) $job->claimed_by );
		if ( $dead ) {
			$sql   .= " AND status = 'running' AND lease_until < %d AND attempts >= %d";
			$args[] = time();
			$args[] = RetryPolicy::MAX_ATTEMPTS;
		}
		return 1 === $wpdb->query( $wpdb->prepare( $sql, $args ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Who claims: the server, the process and a nonce, so a worker never settles a job that was claimed again.
	 */
	private static function owner(): string {
		return substr( gethostname() . ':' . getmypid() . ':' . bin2hex( random_bytes( 6 ) ), 0, 100 );
	}

	/**
	 * Counts, or deletes, the waiting and failed jobs accepted at or before a time (e.g. when the access key was
	 * regenerated); jobs being run are left to their workers.
	 *
	 * @param int  $time   The time.
	 * @param bool $delete Whether to delete them rather than count them.
	 * @return int How many there are, or were deleted.
	 */
	public static function accepted_by( int $time, bool $delete ): int {
		global $wpdb;
		$where = $wpdb->prepare( "WHERE status IN ('pending', 'failed') AND created_at <= %d", $time );
		if ( $delete ) {
			return (int) $wpdb->query( 'DELETE FROM ' . self::table() . " {$where}" ); // phpcs:ignore WordPress.DB
		}
		return (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . self::table() . " {$where}" ); // phpcs:ignore WordPress.DB
	}
}
