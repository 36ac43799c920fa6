<?php
/**
 * When a queued webhook is tried again (CONTRACT §6).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Which outcomes are worth another attempt, how many attempts a job gets, and how long it waits between them.
 */
final class RetryPolicy {

	/**
	 * Attempts before a job is kept as failed.
	 */
	const MAX_ATTEMPTS = 6;

	/**
	 * Seconds before attempt N + 1 after attempt N failed (±20 % jitter); a CRM's longer Retry-After wins.
	 */
	const BACKOFF = array( 30, 120, 600, 1800, 7200 );

	/**
	 * Answers that are worth another attempt: the CRM was unavailable, or something failed on our side (a
	 * contact lock held too long, the database, the extension).
	 */
	const RETRY_STATUSES = array( 500, 503 );

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
	 * Seconds before the next attempt of a job whose attempt `$attempts` ended with `$response`, or null when it
	 * gets none: its outcome is final, or it had its last attempt.
	 *
	 * @param int      $attempts Attempts made (from 1).
	 * @param Response $response The attempt's outcome.
	 */
	public static function next_delay( int $attempts, Response $response ): ?int {
		if ( $attempts >= self::MAX_ATTEMPTS || ! in_array( $response->status, self::RETRY_STATUSES, true ) ) {
			return null;
		}
		return self::delay( $attempts, $response->retry_after );
	}
}
