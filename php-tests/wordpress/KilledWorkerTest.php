<?php
/**
 * Ring 3, on a site with one php-fpm worker (run by scripts/test.sh with --group single-worker): a worker
 * killed while it holds a contact's lock does not block the next delivery for that contact.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * kill -9 of the worker inside the lock, then the sender's retry.
 *
 * @group single-worker
 */
final class KilledWorkerTest extends WebhookTestCase {

	/**
	 * The php-fpm master's children: this site's workers.
	 *
	 * @return int[]
	 */
	private function workers(): array {
		$master = (int) trim( (string) file_get_contents( getenv( 'WPF_RUN' ) . '/pids/php-fpm.pid' ) );
		$pids   = array();
		foreach ( glob( '/proc/[0-9]*/stat' ) ?: array() as $stat ) {
			$fields = explode( ' ', (string) @file_get_contents( $stat ) ); // phpcs:ignore WordPress.PHP.NoSilencedErrors -- processes come and go.
			if ( isset( $fields[3] ) && (int) $fields[3] === $master ) {
				$pids[] = (int) $fields[0];
			}
		}
		return $pids;
	}

	public function test_a_worker_killed_inside_the_lock_does_not_block_the_next_delivery(): void {
		$workers = $this->workers();
		$this->assertCount( 1, $workers, 'this test needs a site with one worker' );
		self::$sandbox->fault( array( 'method' => 'PUT', 'action' => array( 'delay_ms' => 3000 ) ) );
		$add     = $this->start_hook( 'add', 'jane@example.com' );
		$writing = fn() => array() !== array_filter( self::$sandbox->requests(), fn( $r ) => 'PUT' === $r['method'] );
		$this->assertTrue( $add->run_for( 5, $writing ), 'the worker reached the password write, inside the contact lock' );
		posix_kill( $workers[0], 9 );
		$this->assertSame( 502, $add->finish()['status'], 'nginx lost the killed worker' );
		wp_cache_flush();
		$this->assertSame( 1, $this->user_count(), 'the killed webhook created nothing' );

		self::$sandbox->call( 'DELETE', '/_sandbox/faults' );
		$retry = $this->hook( 'add', 'jane@example.com' );
		$this->assertAnswer( 200, 'created', $retry );
		$this->assertLessThan( 3.0, $retry['seconds'], 'the dead holder\'s lock was taken over at once' );
		$this->assertNotSame( $workers, $this->workers(), 'php-fpm started a new worker' );
	}
}
