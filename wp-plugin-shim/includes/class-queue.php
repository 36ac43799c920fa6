<?php
/**
 * The queue of `async` webhooks (CONTRACT §2, §6).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * A webhook asked to be processed in the background is stored here before `202 queued` is sent. Workers take
 * jobs one at a time with an atomic claim (`FOR UPDATE SKIP LOCKED` on MySQL/MariaDB, so several web servers can
 * share one database; a compare-and-set update on SQLite), run them as a synchronous webhook would be run, and
 * either delete them (done: the log keeps the outcome), put them back with a backoff (the CRM was unavailable,
 * or something failed on our side), or keep them as failed for an administrator to retry. A worker runs right
 * after the answer where PHP can finish a response early (php-fpm, LiteSpeed), and from WP-Cron every minute.
 * A job whose worker died is taken again when its lease ends, behind the jobs that were due before that, and
 * counts an attempt; after its last attempt it is kept as failed, so one job that kills its worker cannot
 * stall the queue. Nothing is dropped.
 */
final class Queue {

	const CRON_HOOK     = 'wpf_webhooks_work_queue';
	const CRON_SCHEDULE = 'wpf_webhooks_every_minute';

	/**
	 * Attempts before a job is kept as failed.
	 */
	const MAX_ATTEMPTS = 6;

	/**
	 * Seconds before attempt N + 1 after attempt N failed (±20 % jitter); a CRM's longer Retry-After wins.
	 */
	const BACKOFF = array( 30, 120, 600, 1800, 7200 );

	/**
	 * How long a claimed job stays its worker's. Past it, the worker is taken to have died and the job is claimed
	 * again: longer than one job can take (the CRM budget, the contact lock, the password write).
	 */
	const LEASE_SECONDS = 120;

	/**
	 * Jobs whose workers died, settled as failed by one worker before it claims (each costs a log row).
	 */
	const DEAD_BATCH = 20;

	/**
	 * How long one worker goes on claiming jobs.
	 */
	const WORK_SECONDS = 10;

	/**
	 * Workers at once across the site (all web servers), each holding a PHP worker while it works: the rest of
	 * the PHP workers keep answering, even on a small php-fpm pool with a stalled CRM. The constant
	 * WPF_WEBHOOKS_QUEUE_WORKERS raises it for sites with large pools and bursts.
	 */
	const DEFAULT_WORKERS = 1;

	/**
	 * Jobs the queue holds at most (waiting, running and failed), so that a leaked key cannot fill the database
	 * with bodies of up to 64 KiB: over it an async webhook is answered `500 internal_error` (with `Retry-After`) and not stored. The constant
	 * WPF_WEBHOOKS_QUEUE_MAX_JOBS changes it.
	 */
	const DEFAULT_MAX_JOBS = 10000;

	/**
	 * Answers that are worth another attempt: the CRM was unavailable, or something failed on our side (a
	 * contact lock held too long, the database, the extension).
	 */
	const RETRY_STATUSES = array( 500, 503 );

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
				'contact'      => Log::cut( (string) $queued['contact'], Log::WIDTHS['contact'] ),
				'delivery_key' => $delivery,
				'request'      => $request,
			)
		);
		$wpdb->suppress_errors( $suppressed );
		if ( $inserted ) {
			self::schedule();
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
		$span  = $wpdb->get_row( "SELECT MIN(id) AS first, MAX(id) AS last FROM {$table}" ); // phpcs:ignore WordPress.DB
		if ( ! $span || null === $span->first || (int) $span->last - (int) $span->first + 1 < self::max_jobs() ) {
			return false;
		}
		return null !== $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$table} LIMIT 1 OFFSET %d", self::max_jobs() - 1 ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Whether the request that answered a queued webhook goes on to work the queue once its answer is released
	 * (see Response::can_release()). The filter `wpf_webhooks_work_after_response` can turn it off, leaving the
	 * queue to WP-Cron.
	 */
	public static function works_after_response(): bool {
		return (bool) apply_filters( 'wpf_webhooks_work_after_response', true );
	}

	/**
	 * WP-Cron's worker (hook CRON_HOOK, every minute): the safety net for jobs no answer's worker took.
	 */
	public static function work_from_cron(): void {
		self::work();
	}

	/**
	 * Claims and runs due jobs for up to WORK_SECONDS, if one of the site's worker slots is free. Stops early when
	 * the CRM is unavailable: the job's next attempt is scheduled, and the others would only wait on it too.
	 *
	 * @return int How many jobs were run.
	 */
	public static function work(): int {
		Schema::upgrade();
		$slot = self::take_slot();
		if ( null === $slot ) {
			return 0;
		}
		if ( function_exists( 'set_time_limit' ) ) {
			set_time_limit( self::WORK_SECONDS + self::LEASE_SECONDS );
		}
		try {
			self::fail_dead();
			$until = microtime( true ) + self::WORK_SECONDS;
			$done  = 0;
			while ( microtime( true ) < $until ) {
				$job = self::claim();
				if ( null === $job ) {
					break;
				}
				$response = self::run( $job );
				++$done;
				if ( 'crm_unavailable' === $response->code ) {
					break;
				}
			}
			return $done;
		} finally {
			$slot->release();
		}
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
		$due   = $wpdb->prepare( "(status = 'pending' AND run_at <= %d) OR (status = 'running' AND lease_until < %d AND attempts < %d)", $now, $now, self::MAX_ATTEMPTS );
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
	 * Keeps as failed the jobs whose worker died on their last attempt (their lease ended), and logs why. Each
	 * is settled with a compare-and-set, so of the workers that see it, one logs it.
	 */
	private static function fail_dead(): void {
		global $wpdb;
		$now     = time();
		$table   = self::table();
		$dead    = $wpdb->prepare( "status = 'running' AND lease_until < %d AND attempts >= %d", $now, self::MAX_ATTEMPTS );
		$message = self::worker_died_message();
		foreach ( $wpdb->get_col( $wpdb->prepare( "SELECT id FROM {$table} WHERE {$dead} ORDER BY id LIMIT %d", self::DEAD_BATCH ) ) as $id ) { // phpcs:ignore WordPress.DB
			$job = self::get( (int) $id );
			if ( null === $job ) {
				continue;
			}
			$failed = $wpdb->query( $wpdb->prepare( "UPDATE {$table} SET status = 'failed', run_at = %d, lease_until = 0, last_code = 'internal_error', last_message = %s WHERE id = %d AND claimed_by = %s AND {$dead}", $now, $message, $job->id, $job->claimed_by ) ); // phpcs:ignore WordPress.DB
			if ( 1 !== $failed ) {
				continue;
			}
			$request = json_decode( (string) $job->request, true );
			Log::record(
				array(
					'action'       => (string) $job->action,
					'contact'      => (string) $job->contact,
					'code'         => 'internal_error',
					'status'       => Contract::code( 'internal_error' )['status'],
					'delivery_key' => $job->delivery_key,
					'job_id'       => (int) $job->id,
					'message'      => self::attempt_text( (int) $job->attempts ) . ' ' . self::failed_text() . ' ' . $message,
					'request'      => self::logged_request( is_array( $request ) ? $request : null ),
				)
			);
		}
	}

	/**
	 * Why a job whose worker died is kept as failed, for the site's owner.
	 */
	private static function worker_died_message(): string {
		return sprintf(
			/* translators: %d: the most attempts */
			__( 'The worker died: the PHP process working on this webhook stopped before it finished, on each of its %d attempts. A fatal error, the memory limit or the time limit ends a process like this, often in a plugin or theme hooked to user updates; the PHP error log says which.', 'wpf-webhooks' ),
			self::MAX_ATTEMPTS
		);
	}

	/**
	 * Runs a claimed job, records the outcome and logs it.
	 *
	 * @param object $job The claimed row.
	 * @return Response Its outcome.
	 */
	public static function run( object $job ): Response {
		$started  = microtime( true );
		$request  = json_decode( (string) $job->request, true );
		$response = is_array( $request )
			? Endpoint::process_queued( $request )
			: Response::internal_error( 'The stored webhook is unreadable.' );
		$outcome  = self::finish( $job, $response, is_array( $request ) );
		Log::record(
			array(
				'action'       => (string) $job->action,
				'contact'      => (string) $job->contact,
				'code'         => $response->code,
				'status'       => $response->status,
				'duration_ms'  => (int) round( ( microtime( true ) - $started ) * 1000 ),
				'user_id'      => $response->user_id,
				'delivery_key' => $job->delivery_key,
				'job_id'       => (int) $job->id,
				'message'      => $outcome . ' ' . $response->message,
				'warnings'     => $response->warnings,
				'request'      => self::logged_request( is_array( $request ) ? $request : null ),
			)
		);
		/**
		 * Fires after a queued webhook was run.
		 *
		 * @param int    $job_id   The job.
		 * @param string $code     The contract code of its outcome.
		 * @param int    $attempt  Which attempt this was (from 1).
		 */
		do_action( 'wpf_webhooks_queue_job_run', (int) $job->id, $response->code, (int) $job->attempts );
		return $response;
	}

	/**
	 * A stored request as the log takes it (Log redacts it).
	 *
	 * @param array|null $request The stored request, or null when it is unreadable.
	 */
	private static function logged_request( ?array $request ): array {
		$body = null === $request ? null : (string) ( $request['body'] ?? '' );
		return array(
			'method'     => 'QUEUE',
			'query'      => null === $request ? '' : (string) ( $request['query'] ?? '' ),
			'headers'    => null === $request ? array() : (array) ( $request['headers'] ?? array() ),
			'body'       => $body,
			'body_bytes' => null === $body ? 0 : strlen( $body ),
		);
	}

	/**
	 * "Queued webhook, attempt N of 6:", the start of a job's log message.
	 *
	 * @param int $attempts Attempts made (from 1).
	 */
	private static function attempt_text( int $attempts ): string {
		/* translators: 1: the attempt, 2: the most attempts */
		return sprintf( __( 'Queued webhook, attempt %1$d of %2$d:', 'wpf-webhooks' ), $attempts, self::MAX_ATTEMPTS );
	}

	/**
	 * What the log says of a job kept as failed.
	 */
	private static function failed_text(): string {
		return __( 'kept as failed; retry it from Tools → Webhook Logs.', 'wpf-webhooks' );
	}

	/**
	 * Deletes a done job, or puts it back for later, or keeps it as failed; only while this worker still holds
	 * it. Says what became of it, for the log.
	 *
	 * @param object   $job      The claimed row.
	 * @param Response $response Its outcome.
	 * @param bool     $readable Whether the stored request could be read (an unreadable one is never retried).
	 */
	private static function finish( object $job, Response $response, bool $readable ): string {
		global $wpdb;
		$table    = self::table();
		$attempts = (int) $job->attempts;
		$attempt  = self::attempt_text( $attempts );
		if ( $response->status < 300 ) {
			$wpdb->delete( $table, array( 'id' => (int) $job->id, 'claimed_by' => $job->claimed_by ), array( '%d', '%s' ) );
			return $attempt;
		}
		$retry  = $readable && $attempts < self::MAX_ATTEMPTS && in_array( $response->status, self::RETRY_STATUSES, true );
		$delay  = $retry ? self::delay( $attempts, $response->retry_after ) : 0;
		$wpdb->update(
			$table,
			array(
				'status'       => $retry ? 'pending' : 'failed',
				'run_at'       => time() + $delay,
				'lease_until'  => 0,
				'last_code'    => $response->code,
				'last_message' => $response->message,
			),
			array(
				'id'         => (int) $job->id,
				'claimed_by' => $job->claimed_by,
			),
			array( '%s', '%d', '%d', '%s', '%s' ),
			array( '%d', '%s' )
		);
		if ( $retry ) {
			/* translators: %d: seconds */
			return $attempt . ' ' . sprintf( __( 'next attempt in %d s.', 'wpf-webhooks' ), $delay );
		}
		return $attempt . ' ' . self::failed_text();
	}

	/**
	 * Seconds before the next attempt after attempt `$attempts` failed.
	 *
	 * @param int      $attempts    Attempts made (from 1).
	 * @param int|null $retry_after The CRM's Retry-After, if it gave one.
	 */
	public static function delay( int $attempts, ?int $retry_after ): int {
		$base   = self::BACKOFF[ min( max( $attempts, 1 ), count( self::BACKOFF ) ) - 1 ];
		$jitter = random_int( -$base, $base ) / 5;
		return max( (int) round( $base + $jitter ), (int) $retry_after );
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
			self::schedule();
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
	 * Adds the every-minute schedule (filter cron_schedules).
	 *
	 * @param array $schedules WP-Cron's schedules.
	 */
	public static function add_schedule( array $schedules ): array {
		$schedules[ self::CRON_SCHEDULE ] = array(
			'interval' => MINUTE_IN_SECONDS,
			'display'  => __( 'Every minute (webhook queue)', 'wpf-webhooks' ),
		);
		return $schedules;
	}

	/**
	 * Makes sure WP-Cron works the queue every minute.
	 */
	public static function schedule(): void {
		if ( ! wp_next_scheduled( self::CRON_HOOK ) ) {
			wp_schedule_event( time(), self::CRON_SCHEDULE, self::CRON_HOOK );
		}
	}

	/**
	 * One of the site's worker slots, or null when all are taken. On a network each site has its own: one site's
	 * stalled CRM never holds up another site's queue.
	 */
	private static function take_slot(): ?Lock {
		$workers = defined( 'WPF_WEBHOOKS_QUEUE_WORKERS' ) ? max( 1, (int) WPF_WEBHOOKS_QUEUE_WORKERS ) : self::DEFAULT_WORKERS;
		$first   = random_int( 0, $workers - 1 );
		for ( $i = 0; $i < $workers; $i++ ) {
			$slot = new Lock( 'queue-worker-' . ( ( $first + $i ) % $workers ), true );
			if ( $slot->acquire( 0.0 ) ) {
				return $slot;
			}
		}
		return null;
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
