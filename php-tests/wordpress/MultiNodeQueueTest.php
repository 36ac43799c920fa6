<?php
/**
 * Ring 3 on two "web servers": two independent php-fpm masters (scripts/wp-env.sh WPF_FPM_NODES=2) behind one
 * nginx, sharing one MariaDB. A burst of queued webhooks is worked by both, each job exactly once.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Queue;

/**
 * The queue across nodes.
 */
final class MultiNodeQueueTest extends WebhookTestCase {

	const EMAILS = 250;

	protected function setUp(): void {
		if ( (int) getenv( 'WPF_FPM_NODES' ) < 2 || 'mariadb' !== getenv( 'WPF_DB' ) ) {
			$this->markTestSkipped( 'needs a site with two php-fpm nodes on MariaDB (scripts/test.sh runs one)' );
		}
		parent::setUp();
	}

	public function test_a_burst_of_500_queued_webhooks_on_two_nodes_is_worked_once_each(): void {
		global $wpdb;
		$requests = array();
		for ( $i = 0; $i < self::EMAILS; $i++ ) {
			$email = "node{$i}@example.com";
			self::$sandbox->put_person( array( 'email' => $email, 'attributes' => array( 'first_name' => "N{$i}" ) ) );
			$query = array( 'wpf_action' => 'add', 'access_key' => self::KEY, 'async' => 'true' );
			$body  = (string) wp_json_encode( array( 'email' => $email ) );
			array_push( $requests, array( $query, $body ), array( $query, $body ) );
		}
		shuffle( $requests );
		foreach ( array_chunk( $requests, 50 ) as $chunk ) {
			foreach ( Site::concurrently( $chunk ) as $answer ) {
				$this->assertAnswer( 202, 'queued', $answer );
			}
		}
		Site::run_cron();
		$left = fn() => (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . Queue::table() ); // phpcs:ignore WordPress.DB
		$this->assertTrue( Site::eventually( fn() => 0 === $left(), 120 ), $left() . ' jobs left' );

		$runs = Site::json_lines( 'jobs.log' );
		$this->assertSame( array(), array_values( array_filter( $runs, fn( $r ) => ! in_array( $r['code'], array( 'created', 'updated' ), true ) ) ), 'no attempt failed' );
		$per_job = array_count_values( array_column( $runs, 'job' ) );
		$this->assertCount( 2 * self::EMAILS, $per_job, 'every job worked' );
		$this->assertSame( array( 1 ), array_values( array_unique( $per_job ) ), 'no job worked twice' );
		$this->assertCount( 2, array_unique( array_column( $runs, 'master' ) ), 'both nodes worked the queue' );
		$codes = array_count_values( array_column( $runs, 'code' ) );
		$this->assertSame( array( self::EMAILS, self::EMAILS ), array( $codes['created'] ?? 0, $codes['updated'] ?? 0 ) );
		$this->assertSame( self::EMAILS + 1, $this->user_count(), 'no duplicate user' );
		$this->assertCount( self::EMAILS, $this->password_writes(), 'one Return Password write per user' );
	}
}
