<?php
/**
 * Working the queue of `async` webhooks (CONTRACT §2, §6): who works it, when, and what becomes of each job.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * A worker runs right after the answer where PHP can finish a response early (php-fpm, LiteSpeed), and from
 * WP-Cron every minute, in one of the site's worker slots. It claims jobs from the store (Queue), runs them as a
 * synchronous webhook would be run, and settles each as RetryPolicy says: done (deleted; the log keeps the
 * outcome), due again after a backoff, or kept as failed for an administrator to retry. Jobs whose worker died on
 * their last attempt are kept as failed first, so one job that kills its worker cannot stall the queue.
 */
final class QueueRunner {

	const CRON_HOOK     = 'wpf_webhooks_work_queue';

	const CRON_SCHEDULE = 'wpf_webhooks_every_minute';

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
			set_time_limit( self::WORK_SECONDS + Queue::LEASE_SECONDS );
		}
		try {
			self::fail_dead();
			$until = microtime( true ) + self::WORK_SECONDS;
			$done  = 0;
			while ( microtime( true ) < $until ) {
				$job = Queue::claim();
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
	 * Keeps as failed the jobs whose worker died on their last attempt (their lease ended), and logs why. Each
	 * is settled with a compare-and-set, so of the workers that see it, one logs it.
	 */
	private static function fail_dead(): void {
		$message = self::worker_died_message();
		foreach ( Queue::dead( self::DEAD_BATCH ) as $job ) {
			if ( ! Queue::settle( $job, 'failed', time(), 'internal_error', $message, true ) ) {
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
					'request'      => self::bare_request( $job, $request ),
				)
			);
		}
	}

	/**
	 * Why a job whose worker died is kept as failed, for the site's owner.
	 */
	private static function worker_died_message(): string {
		return sprintf(
			/* translators: %s: the most attempts */
			_n( 'The worker died: the PHP process working on this webhook stopped before it finished, on its %s attempt.', 'The worker died: the PHP process working on this webhook stopped before it finished, on each of its %s attempts.', RetryPolicy::MAX_ATTEMPTS, 'wpf-webhooks' ),
			number_format_i18n( RetryPolicy::MAX_ATTEMPTS )
		) . ' ' . __( 'A fatal error, the memory limit or the time limit ends a process like this, often in a plugin or theme hooked to user updates; the PHP error log says which.', 'wpf-webhooks' );
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
		$context  = array();
		$response = is_array( $request )
			? Endpoint::process_queued( $request, $context )
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
				'request'      => is_array( $context['log_request'] ?? null ) ? $context['log_request'] : self::bare_request( $job, $request ),
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
	 * A job's request as the log keeps it when the extension gave none (the job was not run, or the extension is
	 * missing): only what holds no secret. The job's `queued` entry has the whole request, redacted.
	 *
	 * @param object $job     The job's row.
	 * @param mixed  $request Its stored request, decoded.
	 */
	private static function bare_request( object $job, $request ): array {
		$body = is_array( $request ) && is_string( $request['body'] ?? null ) ? $request['body'] : '';
		return Log::bare_request( 'QUEUE', (string) $job->action, strlen( $body ) );
	}

	/**
	 * "Queued webhook, attempt N of 6:", the start of a job's log message.
	 *
	 * @param int $attempts Attempts made (from 1).
	 */
	private static function attempt_text( int $attempts ): string {
		/* translators: 1: the attempt, 2: the most attempts */
		return sprintf( __( 'Queued webhook, attempt %1$d of %2$d:', 'wpf-webhooks' ), $attempts, RetryPolicy::MAX_ATTEMPTS );
	}

	/**
	 * What the log says of a job kept as failed.
	 */
	private static function failed_text(): string {
		return __( 'kept as failed; retry it from Tools → Webhook Logs.', 'wpf-webhooks' );
	}

	/**
	 * Deletes a done job, or puts it back for later, or keeps it as failed, as the retry policy says; only while
	 * this worker still holds it. Says what became of it, for the log.
	 *
	 * @param object   $job      The claimed row.
	 * @param Response $response Its outcome.
	 * @param bool     $readable Whether the stored request could be read (an unreadable one is never retried).
	 */
	private static function finish( object $job, Response $response, bool $readable ): string {
		$attempts = (int) $job->attempts;
		$attempt  = self::attempt_text( $attempts );
		if ( $response->succeeded() ) {
			Queue::complete( $job );
			return $attempt;
		}
		$delay = $readable ? RetryPolicy::next_delay( $attempts, $response ) : null;
		Queue::settle( $job, null === $delay ? 'failed' : 'pending', time() + (int) $delay, $response->code, $response->message, false );
		if ( null !== $delay ) {
			/* translators: %d: seconds */
			return $attempt . ' ' . sprintf( __( 'next attempt in %d s.', 'wpf-webhooks' ), $delay );
		}
		return $attempt . ' ' . self::failed_text();
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
}
