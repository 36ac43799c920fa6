<?php
/**
 * Ring 3: `async` webhooks — stored before `202 queued`, worked after the answer and by WP-Cron, retried with
 * backoff, kept as failed for an administrator, never processed twice (CONTRACT §2, §6).
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Admin\SiteHealth;
use WpfWebhooks\Log;
use WpfWebhooks\Queue;
use WpfWebhooks\QueueRunner;
use WpfWebhooks\RetryPolicy;

/**
 * The queue on a real site.
 */
final class QueueTest extends WebhookTestCase {

	const QUEUE_ONLY = array( 'X-Test-Queue-Only: 1' );

	protected function setUp(): void {
		parent::setUp();
		wp_clear_scheduled_hook( QueueRunner::CRON_HOOK );
	}

	/**
	 * The queue's rows, fresh from the database.
	 *
	 * @return object[]
	 */
	private function jobs(): array {
		global $wpdb;
		return $wpdb->get_results( 'SELECT * FROM ' . Queue::table() . ' ORDER BY id' ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Waits until the queue is empty.
	 *
	 * @param float $seconds Longest wait.
	 */
	private function assertQueueEmpties( float $seconds ): void {
		$this->assertTrue( Site::eventually( fn() => array() === $this->jobs(), $seconds ), 'the queue still holds ' . wp_json_encode( array_map( fn( $j ) => array( $j->id, $j->status, $j->attempts, $j->last_code ), $this->jobs() ) ) );
	}

	/**
	 * Makes a stored job due now, as if its backoff had passed.
	 *
	 * @param int $id The job.
	 */
	private function make_due( int $id ): void {
		global $wpdb;
		$wpdb->update( Queue::table(), array( 'run_at' => 0 ), array( 'id' => $id ) );
	}

	public function test_an_async_webhook_is_stored_before_202_and_holds_no_key(): void {
		$answer = $this->hook( 'add', 'jane@example.com', array( 'async' => 'true', 'role' => 'subscriber' ), array_merge( self::QUEUE_ONLY, array( 'X-WPF-Access-Key: ' . self::KEY ) ) );
		$this->assertAnswer( 202, 'queued', $answer );
		$this->assertNull( $answer['json']['user_id'] );
		$jobs = $this->jobs();
		$this->assertCount( 1, $jobs );
		$this->assertSame( array( 'pending', 'add', 'jane@example.com', '0' ), array( $jobs[0]->status, $jobs[0]->action, $jobs[0]->contact, (string) $jobs[0]->attempts ) );
		$this->assertStringNotContainsString( self::KEY, $jobs[0]->request );
		$this->assertStringContainsString( 'role=subscriber', $jobs[0]->request );
		$this->assertSame( array(), self::$sandbox->requests(), 'no CRM call before the answer' );
		$this->assertNull( $this->user( 'jane@example.com' ) );
		$log = \WpfWebhooks\Log::query()['rows'];
		$this->assertSame( array( 'queued', (int) $jobs[0]->id ), array( $log[0]['code'], $log[0]['job_id'] ) );
	}

	public function test_a_long_contact_id_is_stored_cut_between_characters(): void {
		$id     = 'x' . str_repeat( 'é', 200 );
		$answer = Site::webhook( array( 'wpf_action' => 'update_tags', 'access_key' => self::KEY, 'async' => '1' ), wp_json_encode( array( 'id' => $id ) ), self::QUEUE_ONLY );
		$this->assertAnswer( 202, 'queued', $answer );
		$this->assertSame( 'x' . str_repeat( 'é', 126 ), $this->jobs()[0]->contact, '254 bytes at most, no character cut in two' );
	}

	public function test_the_answers_worker_processes_the_job_right_after_the_answer(): void {
		$answer = $this->hook( 'add', 'jane@example.com', array( 'async' => '1', 'send_notification' => 'true' ) );
		$this->assertAnswer( 202, 'queued', $answer );
		$this->assertQueueEmpties( 10 );
		$user = $this->user( 'jane@example.com' );
		$this->assertNotNull( $user );
		$this->assertSame( 'Jane', $user->first_name );
		$this->assertCount( 1, $this->password_writes() );
		$this->assertCount( 1, Site::json_lines( 'mail.log' ), 'send_notification is honoured from the queue' );
		$runs = Site::json_lines( 'jobs.log' );
		$this->assertSame( array( 'created', 1, 'fpm-fcgi' ), array( $runs[0]['code'], $runs[0]['attempt'], $runs[0]['sapi'] ) );
		$rows = \WpfWebhooks\Log::query()['rows'];
		$this->assertSame( array( 'created', 'queued' ), array_column( $rows, 'code' ) );
		$this->assertSame( $rows[0]['job_id'], $rows[1]['job_id'] );
		$this->assertSame( $user->ID, $rows[0]['user_id'] );
		$this->assertStringStartsWith( 'Queued webhook, attempt 1 of 6:', $rows[0]['message'] );
		$actions = Site::json_lines( 'actions.log' );
		$this->assertNotSame( array(), $actions );
		$this->assertTrue( $actions[0]['WPF_DOING_WEBHOOK'], 'WP Fusion\'s constant is defined for queued work too' );
	}

	public function test_wp_cron_works_the_queue_when_no_answer_did(): void {
		$this->assertAnswer( 202, 'queued', $this->hook( 'update_tags', 'john.smith@example.com', array( 'async' => 'yes' ), self::QUEUE_ONLY ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'jane@example.com', array( 'async' => 'yes' ), self::QUEUE_ONLY ) );
		$this->assertCount( 2, $this->jobs() );
		$this->assertNotFalse( wp_next_scheduled( QueueRunner::CRON_HOOK ), 'queueing schedules the worker' );
		Site::run_cron();
		$this->assertTrue( Site::eventually( fn() => 2 === count( Site::json_lines( 'jobs.log' ) ), 10 ), 'both jobs run' );
		$this->assertSame( array( 'failed' ), array_column( $this->jobs(), 'status' ), 'the one that cannot succeed is kept for an administrator' );
		$this->assertSame( array( 'user_not_found', 'created' ), array_column( Site::json_lines( 'jobs.log' ), 'code' ) );
		$this->assertSame( array( 'fpm-fcgi', 'fpm-fcgi' ), array_column( Site::json_lines( 'jobs.log' ), 'sapi' ), 'run by wp-cron.php on the site' );
		$this->assertNotNull( $this->user( 'jane@example.com' ) );
		$failed = \WpfWebhooks\Log::query( array( 'code' => 'user_not_found' ) )['rows'];
		$this->assertCount( 1, $failed );
		$this->assertStringContainsString( 'kept as failed', $failed[0]['message'] );
	}

	public function test_an_unavailable_crm_is_retried_with_backoff_then_kept_as_failed_until_retried(): void {
		self::$sandbox->fault( array( 'action' => array( 'status' => 503 ) ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'jane@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$id = (int) $this->jobs()[0]->id;
		for ( $attempt = 1; $attempt <= RetryPolicy::MAX_ATTEMPTS; $attempt++ ) {
			$before = time();
			$this->assertSame( 1, QueueRunner::work(), "attempt {$attempt}" );
			$job = Queue::get( $id );
			$this->assertSame( array( $attempt, 'crm_unavailable' ), array( (int) $job->attempts, $job->last_code ) );
			if ( $attempt < RetryPolicy::MAX_ATTEMPTS ) {
				$base = RetryPolicy::BACKOFF[ $attempt - 1 ];
				$this->assertSame( 'pending', $job->status );
				$this->assertGreaterThanOrEqual( $before + (int) floor( $base * 0.8 ), (int) $job->run_at, "backoff after attempt {$attempt}" );
				$this->assertLessThanOrEqual( time() + (int) ceil( $base * 1.2 ) + 30, (int) $job->run_at );
				$this->assertSame( 0, QueueRunner::work(), 'not due before its backoff' );
				$this->make_due( $id );
			}
		}
		$this->assertSame( 'failed', Queue::get( $id )->status );
		$this->assertSame( 0, QueueRunner::work(), 'a failed job waits for an administrator' );
		$this->assertNull( $this->user( 'jane@example.com' ), 'nothing half-created' );
		$this->assertSame( array(), $this->password_writes() );

		$this->assertSame( array( $id ), array_map( 'intval', array_column( Queue::failed(), 'id' ) ) );

		self::$sandbox->reset();
		$this->assertSame( 1, Queue::retry( $id ) );
		$this->assertSame( array( 'pending', '0' ), array( Queue::get( $id )->status, (string) Queue::get( $id )->attempts ) );
		$this->assertSame( 1, QueueRunner::work() );
		$this->assertNull( Queue::get( $id ) );
		$this->assertNotNull( $this->user( 'jane@example.com' ) );
		$this->assertCount( 1, $this->password_writes() );
	}

	public function test_the_crms_retry_after_is_honoured_when_longer_than_the_backoff(): void {
		self::$sandbox->fault( array( 'action' => array( 'status' => 429, 'headers' => array( 'Retry-After' => '900' ) ) ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'update', 'jane@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$before = time();
		QueueRunner::work();
		$job = $this->jobs()[0];
		$this->assertSame( array( 'pending', 'crm_unavailable' ), array( $job->status, $job->last_code ) );
		$this->assertGreaterThanOrEqual( $before + 900, (int) $job->run_at );
	}

	public function test_one_delivery_is_stored_once_and_processed_once(): void {
		$headers = array_merge( self::QUEUE_ONLY, array( 'X-CIO-Delivery-Id: dlv-async-1' ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'jane@example.com', array( 'async' => 'true' ), $headers ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'jane@example.com', array( 'async' => 'true' ), $headers ) );
		$this->assertCount( 1, $this->jobs() );
		$this->assertSame( 1, QueueRunner::work() );
		$this->assertAnswer( 200, 'duplicate', $this->hook( 'add', 'jane@example.com', array( 'async' => 'true' ), $headers ) );
		$this->assertSame( array(), $this->jobs() );
		$this->assertCount( 1, $this->password_writes() );
	}

	public function test_a_job_whose_worker_died_is_taken_again_when_its_lease_ends(): void {
		global $wpdb;
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'jane@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$id = (int) $this->jobs()[0]->id;
		$wpdb->update( Queue::table(), array( 'status' => 'running', 'attempts' => 1, 'claimed_by' => 'dead:1:x', 'lease_until' => time() + 60 ), array( 'id' => $id ) );
		$this->assertSame( 0, QueueRunner::work(), 'a live lease is respected' );
		$wpdb->update( Queue::table(), array( 'lease_until' => time() - 1 ), array( 'id' => $id ) );
		$this->assertSame( 1, QueueRunner::work() );
		$this->assertNull( Queue::get( $id ) );
		$this->assertSame( 2, Site::json_lines( 'jobs.log' )[0]['attempt'] );
		$this->assertNotNull( $this->user( 'jane@example.com' ) );
	}

	public function test_a_job_that_kills_its_worker_is_failed_after_its_attempts_and_the_others_run(): void {
		global $wpdb;
		self::$sandbox->put_person( array( 'email' => 'poisoned@example.com', 'segments' => array( 7 ) ) );
		Site::clear_log( 'poison.log' );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'poisoned@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'jane@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		[ $poisoned, $healthy ] = array_map( fn( $job ) => (int) $job->id, $this->jobs() );
		for ( $attempt = 1; $attempt <= RetryPolicy::MAX_ATTEMPTS; $attempt++ ) {
			$this->assertTrue( $this->run_cron_until( fn() => count( Site::json_lines( 'poison.log' ) ) >= $attempt ), "attempt {$attempt} reached the poison" );
			$this->assertCount( $attempt, Site::json_lines( 'poison.log' ), 'one attempt per claim' );
			$pid = (int) Site::json_lines( 'poison.log' )[ $attempt - 1 ]['pid'];
			$this->assertTrue( Site::eventually( fn() => ! file_exists( "/proc/{$pid}" ), 10 ), 'the worker is gone' );
			$job = Queue::get( $poisoned );
			$this->assertSame( array( 'running', $attempt ), array( $job->status, (int) $job->attempts ), 'its worker died holding it' );
			$wpdb->update( Queue::table(), array( 'lease_until' => time() - 1 ), array( 'id' => $poisoned ) ); // Its lease ends.
		}
		$settled = fn() => 'failed' === ( Queue::get( $poisoned )->status ?? null ) && null === Queue::get( $healthy );
		$this->assertTrue( $this->run_cron_until( $settled ), 'the queue holds ' . wp_json_encode( array_map( fn( $j ) => array( $j->id, $j->status, $j->attempts, $j->last_code ), $this->jobs() ) ) );
		$this->assertCount( RetryPolicy::MAX_ATTEMPTS, Site::json_lines( 'poison.log' ), 'not claimed after its last attempt' );
		$this->assertNotNull( $this->user( 'jane@example.com' ), 'the healthy job was worked' );
		$this->assertSame( array( array( $healthy, 'created' ) ), array_map( fn( $run ) => array( $run['job'], $run['code'] ), Site::json_lines( 'jobs.log' ) ) );

		$job = Queue::get( $poisoned );
		$this->assertSame( array( 'internal_error', RetryPolicy::MAX_ATTEMPTS ), array( $job->last_code, (int) $job->attempts ) );
		$this->assertStringContainsString( 'died', $job->last_message );
		$this->assertSame( array( $poisoned ), array_map( 'intval', array_column( Queue::failed(), 'id' ) ), 'listed with a Retry button' );
		$rows = Log::query( array( 'search' => 'poisoned@example.com' ) )['rows'];
		$this->assertSame( array( 'internal_error', 'queued' ), array_column( $rows, 'code' ) );
		$this->assertSame( array( 500, $poisoned ), array( $rows[0]['status'], $rows[0]['job_id'] ) );
		$this->assertStringStartsWith( 'Queued webhook, attempt 6 of 6: kept as failed', $rows[0]['message'] );
		$this->assertStringContainsString( $job->last_message, $rows[0]['message'] );
	}

	public function test_an_expired_lease_queues_behind_jobs_due_before_it(): void {
		global $wpdb;
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'jane@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$first = Queue::claim();
		$this->assertNotNull( $first );
		$this->assertSame( (int) $first->lease_until, (int) $first->run_at, 'a claimed job is due again when its lease ends' );
		$this->assertAnswer( 202, 'queued', $this->hook( 'update_tags', 'john.smith@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$wpdb->update( Queue::table(), array( 'lease_until' => time() - 1 ), array( 'id' => (int) $first->id ) );
		$this->assertNotSame( (int) $first->id, (int) Queue::claim()->id, 'the job queued while the other was running comes first' );
		$this->assertSame( array( (int) $first->id, 2 ), array( (int) Queue::claim()->id, (int) Queue::get( (int) $first->id )->attempts ), 'then the expired one, counting an attempt' );
	}

	public function test_site_health_notices_jobs_parked_far_in_the_future(): void {
		global $wpdb;
		require_once WP_PLUGIN_DIR . '/wpf-webhooks/includes/admin/class-site-health.php';
		$this->assertAnswer( 202, 'queued', $this->hook( 'update', 'jane@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$longest = (int) ceil( RetryPolicy::BACKOFF[ count( RetryPolicy::BACKOFF ) - 1 ] * 1.2 );
		$wpdb->query( $wpdb->prepare( 'UPDATE ' . Queue::table() . ' SET run_at = %d', time() + $longest ) ); // phpcs:ignore WordPress.DB
		$this->assertSame( 'good', SiteHealth::queue_test()['status'], 'the longest backoff is no problem' );
		$wpdb->query( $wpdb->prepare( 'UPDATE ' . Queue::table() . ' SET run_at = %d', time() + 4 * HOUR_IN_SECONDS ) ); // phpcs:ignore WordPress.DB
		$parked = SiteHealth::queue_test();
		$this->assertSame( 'recommended', $parked['status'] );
		$this->assertStringContainsString( '1 queued webhook', $parked['description'] );
		$this->assertStringContainsString( 'Retry-After', $parked['description'] );
	}

	public function test_the_daily_prune_deletes_failed_jobs_older_than_the_log_retention(): void {
		global $wpdb;
		foreach ( array( 'jane@example.com', 'john.smith@example.com', 'ada@example.com', 'bob@example.com' ) as $email ) {
			$this->assertAnswer( 202, 'queued', $this->hook( 'add', $email, array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		}
		$ids = array_map( fn( $job ) => (int) $job->id, $this->jobs() );
		$age = fn( int $days ) => time() - $days * DAY_IN_SECONDS - 60;
		$wpdb->update( Queue::table(), array( 'status' => 'failed', 'run_at' => $age( 31 ) ), array( 'id' => $ids[0] ) );
		$wpdb->update( Queue::table(), array( 'status' => 'failed', 'run_at' => $age( 29 ) ), array( 'id' => $ids[1] ) );
		$wpdb->update( Queue::table(), array( 'run_at' => $age( 31 ) ), array( 'id' => $ids[2] ) );
		$this->configure( array( 'log_retention_days' => 0 ) );
		Log::prune();
		$this->assertCount( 4, $this->jobs(), '0 = no limit' );
		$this->configure( array( 'log_retention_days' => 30 ) );
		Log::prune();
		$this->assertSame( array_slice( $ids, 1 ), array_map( fn( $job ) => (int) $job->id, $this->jobs() ), 'the failed job and its stored request are gone; waiting ones are never dropped' );
	}

	public function test_bad_webhooks_are_answered_at_once_not_queued(): void {
		$async = array( 'async' => 'true' );
		$this->assertAnswer( 403, 'forbidden', Site::webhook( array( 'wpf_action' => 'add', 'access_key' => 'wrong', 'async' => 'true' ), '{"email":"jane@example.com"}' ) );
		$this->assertAnswer( 400, 'bad_request', $this->hook( 'add', null, $async ) );
		$this->assertAnswer( 400, 'bad_request', Site::webhook( array( 'wpf_action' => 'add', 'access_key' => self::KEY, 'async' => 'true' ), '{"email":' ) );
		$this->assertAnswer( 200, 'ok', $this->hook( 'test', null, $async ) );
		$this->configure( array( 'customerio_app_key' => '' ) );
		$this->assertAnswer( 503, 'not_configured', $this->hook( 'add', 'jane@example.com', $async ) );
		$this->assertSame( array(), $this->jobs() );
	}

	public function test_the_async_setting_queues_every_webhook(): void {
		$this->configure( array( 'async' => true ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'update_tags', 'john.smith@example.com', array(), self::QUEUE_ONLY ) );
		$this->assertCount( 1, $this->jobs() );
	}

	public function test_over_its_cap_the_queue_refuses_a_webhook_with_a_retryable_error_and_stores_nothing(): void {
		global $wpdb;
		$capped = array_merge( self::QUEUE_ONLY, array( 'X-Test-Queue-Max-Jobs: 3' ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'jane@example.com', array( 'async' => 'true' ), array_merge( $capped, array( 'X-CIO-Delivery-Id: dlv-cap-1' ) ) ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'john.smith@example.com', array( 'async' => 'true' ), $capped ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'ada@example.com', array( 'async' => 'true' ), $capped ) );
		$before = $this->jobs();
		$full   = $this->hook( 'add', 'bob@example.com', array( 'async' => 'true' ), $capped );
		$this->assertAnswer( 500, 'internal_error', $full );
		$this->assertSame( '30', $full['headers']['retry-after'] ?? null, 'the sender is told when to retry' );
		$this->assertStringContainsString( 'queue', $full['json']['message'] );
		$this->assertEquals( $before, $this->jobs(), 'nothing stored, nothing changed' );
		$this->assertSame( 'internal_error', Log::query()['rows'][0]['code'], 'the refusal is logged' );

		$wpdb->update( Queue::table(), array( 'status' => 'failed' ), array( 'id' => (int) $before[0]->id ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'jane@example.com', array( 'async' => 'true' ), array_merge( $capped, array( 'X-CIO-Delivery-Id: dlv-cap-1' ) ) ) );
		$this->assertSame( array( 'pending', 3 ), array( Queue::get( (int) $before[0]->id )->status, count( $this->jobs() ) ), 'a failed delivery sent again takes no new row, so it is accepted' );
		self::$sandbox->put_person( array( 'email' => 'bob@example.com' ) );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'bob@example.com', array(), $capped ) );

		$this->assertGreaterThan( 0, QueueRunner::work() );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'eve@example.com', array( 'async' => 'true' ), $capped ) );
	}

	public function test_site_health_says_when_the_queue_is_full_at_the_default_cap(): void {
		global $wpdb;
		require_once WP_PLUGIN_DIR . '/wpf-webhooks/includes/admin/class-site-health.php';
		$this->assertSame( 10000, Queue::max_jobs(), 'the default, without WPF_WEBHOOKS_QUEUE_MAX_JOBS' );
		$now = time();
		for ( $batch = 0; $batch < 10; $batch++ ) {
			$rows = implode( ', ', array_fill( 0, 9 === $batch ? 999 : 1000, "({$now}, {$now}, 'failed', 'add', 'x@example.com', '{}')" ) );
			$wpdb->query( 'INSERT INTO ' . Queue::table() . " (created_at, run_at, status, action, contact, request) VALUES {$rows}" ); // phpcs:ignore WordPress.DB
		}
		$this->assertFalse( Queue::is_full(), '9 999 jobs' );
		$this->assertNotSame( 'critical', SiteHealth::queue_test()['status'] );
		$this->assertAnswer( 202, 'queued', $this->hook( 'update_tags', 'jane@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$this->assertTrue( Queue::is_full() );
		$this->assertAnswer( 500, 'internal_error', $this->hook( 'update_tags', 'john.smith@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$health = SiteHealth::queue_test();
		$this->assertSame( 'critical', $health['status'] );
		$this->assertStringContainsString( 'WPF_WEBHOOKS_QUEUE_MAX_JOBS', $health['description'] );
		$this->assertStringContainsString( 'answered 500 (with Retry-After)', $health['description'], 'what the sender gets' );
	}

	public function test_a_burst_of_queued_webhooks_is_processed_exactly_once(): void {
		$emails = array();
		for ( $i = 0; $i < 40; $i++ ) {
			$emails[] = "burst{$i}@example.com";
			self::$sandbox->put_person( array( 'email' => "burst{$i}@example.com", 'attributes' => array( 'first_name' => "B{$i}" ) ) );
		}
		$requests = array();
		foreach ( array_merge( $emails, $emails ) as $email ) {
			$requests[] = array( array( 'wpf_action' => 'add', 'access_key' => self::KEY, 'async' => 'true' ), (string) wp_json_encode( array( 'email' => $email ) ) );
		}
		foreach ( Site::concurrently( $requests ) as $answer ) {
			$this->assertAnswer( 202, 'queued', $answer );
		}
		Site::run_cron();
		$this->assertQueueEmpties( 60 );
		$runs = Site::json_lines( 'jobs.log' );
		$done = array_count_values( array_column( array_filter( $runs, fn( $r ) => in_array( $r['code'], array( 'created', 'updated' ), true ) ), 'job' ) );
		$this->assertCount( 80, $done, 'every job done' );
		$this->assertSame( array( 1 ), array_values( array_unique( $done ) ), 'each job done once' );
		$this->assertSame( 41, $this->user_count(), 'one user per email' );
		$this->assertCount( 40, $this->password_writes(), 'one Return Password write per new user' );
	}
}
