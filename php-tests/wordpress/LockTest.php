<?php
/**
 * Ring 3: the per-contact lock on this site's database.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Lock;
use WpfWebhooks\QueueRunner;
use WpfWebhooks\Schema;

/**
 * One holder at a time; a dead or expired holder does not block the next one.
 */
final class LockTest extends WebhookTestCase {

	public function test_one_holder_at_a_time(): void {
		$first  = new Lock( 'jane@example.com' );
		$second = new Lock( 'jane@example.com' );
		$other  = new Lock( 'john@example.com' );
		$this->assertTrue( $first->acquire( 1.0 ) );
		$this->assertFalse( $second->acquire( 0.3 ), 'taken, even within one process (GET_LOCK alone would be re-entrant)' );
		$this->assertTrue( $other->acquire( 0.3 ), 'another contact is not blocked' );
		$first->release();
		$this->assertTrue( $second->acquire( 0.3 ), 'free again once released' );
		$second->release();
		$other->release();
	}

	public function test_a_webhook_waits_for_the_holder_then_proceeds(): void {
		$held = new Lock( 'jane@example.com' );
		$this->assertTrue( $held->acquire( 1.0 ) );
		$add = $this->start_hook( 'add', 'jane@example.com' );
		$add->run_for( 1.0 );
		$this->assertSame( 1, $this->user_count(), 'nothing created while the lock is held' );
		$held->release();
		$this->assertSame( 'created', $add->finish()['json']['code'] ?? null );
	}

	public function test_a_dead_holder_does_not_block(): void {
		$holder = $this->holder( 'jane@example.com' );
		$lock   = new Lock( 'jane@example.com' );
		$this->assertFalse( $lock->acquire( 0.2 ), 'a live holder in another process keeps it' );
		$this->kill( $holder );
		$this->assertTrue( $lock->acquire( 1.0 ), 'the holder\'s process is gone' );
		$lock->release();
	}

	public function test_a_single_try_takes_over_a_dead_holders_lock(): void {
		$this->kill( $this->holder( 'queue-worker-0', 'site' ) );
		$slot = new Lock( 'queue-worker-0', true );
		$this->assertTrue( $slot->acquire( 0.0 ), 'a queue worker tries its slot once: the dead holder must not cost it the run' );
		$slot->release();
	}

	public function test_a_lock_writes_nothing_to_the_database(): void {
		$statements = array();
		$count      = function ( $query ) use ( &$statements ) {
			$statements[] = trim( (string) $query );
			return $query;
		};
		add_filter( 'query', $count );
		$lock = new Lock( 'jane@example.com' );
		$this->assertTrue( $lock->acquire( 1.0 ) );
		$lock->release();
		remove_filter( 'query', $count );
		$this->assertSame( array(), preg_grep( '/^(INSERT|UPDATE|DELETE|REPLACE|SHOW)\b/i', $statements ), 'the lock\'s statements: ' . implode( '; ', $statements ) );
	}

	public function test_the_lock_table_of_earlier_versions_is_dropped_by_the_upgrade(): void {
		global $wpdb;
		$table = Schema::table( 'locks' );
		$wpdb->query( "CREATE TABLE {$table} (lock_name char(64) NOT NULL, PRIMARY KEY (lock_name))" ); // phpcs:ignore WordPress.DB
		update_option( Schema::VERSION_OPTION, 5 );
		Schema::upgrade();
		$this->assertNull( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $table ) ) );
		$this->assertSame( Schema::VERSION, (int) get_option( Schema::VERSION_OPTION ) );
	}

	public function test_one_request_at_a_time_upgrades_the_tables_and_the_others_go_on_without_waiting_long(): void {
		update_option( Schema::VERSION_OPTION, Schema::VERSION - 1 );
		$this->while_fixture_holds(
			'hold-lock.php',
			array( 'schema-upgrade', 'site' ),
			function () {
				$started = microtime( true );
				Schema::upgrade();
				$this->assertLessThan( Schema::UPGRADE_WAIT_SECONDS + 3.0, microtime( true ) - $started, 'a bounded wait' );
				$this->assertSame( Schema::VERSION - 1, (int) get_option( Schema::VERSION_OPTION ), 'no ALTER TABLE while another request runs its own' );
			}
		);
		Schema::upgrade();
		$this->assertSame( Schema::VERSION, (int) get_option( Schema::VERSION_OPTION ) );
	}

	public function test_another_install_on_the_same_database_server_has_locks_of_its_own(): void {
		if ( Lock::uses_sqlite() ) {
			$this->markTestSkipped( 'An SQLite site keeps its lock files beside its own database file' );
		}
		$this->assertSame( 202, $this->hook( 'update', 'jane@example.com', array( 'async' => 'true' ), array( 'X-Test-Queue-Only: 1' ) )['status'] );
		$this->while_fixture_holds(
			'other-install-locks.php',
			array( 'jane@example.com' ),
			function () {
				$lock = new Lock( 'jane@example.com' );
				$this->assertTrue( $lock->acquire( 0.0 ), 'the other install\'s lock on the same email is not this site\'s' );
				$lock->release();
				$this->assertSame( 1, QueueRunner::work(), 'the other install\'s queue workers hold none of this site\'s slots' );
			}
		);
	}

	/**
	 * Another process holding a lock (fixtures/hold-lock.php), until it is killed.
	 *
	 * @param string $key  The lock's key.
	 * @param string $site `site` for this site's own lock (a queue worker slot).
	 * @return resource The process.
	 */
	private function holder( string $key, string $site = '' ) {
		$process = proc_open( array( PHP_BINARY, __DIR__ . '/fixtures/hold-lock.php', $key, $site ), array( array( 'pipe', 'r' ), array( 'pipe', 'w' ), array( 'pipe', 'w' ) ), $pipes );
		$said    = fgets( $pipes[1] );
		$this->assertSame( "held\n", $said, "held\n" === $said ? '' : (string) stream_get_contents( $pipes[2] ) );
		return $process;
	}

	/**
	 * Kills a process with SIGKILL, as a crashed or OOM-killed worker dies, and waits for it.
	 *
	 * @param resource $process The process.
	 */
	private function kill( $process ): void {
		proc_terminate( $process, 9 );
		while ( proc_get_status( $process )['running'] ) {
			usleep( 10000 );
		}
		proc_close( $process );
	}
}
