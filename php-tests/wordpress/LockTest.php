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
		$lock = $this->lock_of_a_dead_holder( 'jane@example.com' );
		$this->assertTrue( $lock->acquire( 0.5 ), 'the holder\'s process is gone' );
		$lock->release();
		$this->plant_row( 'jane@example.com', getmypid() . ':alive', time() - 1 );
		$this->assertTrue( $lock->acquire( 0.5 ), 'the holder\'s lease ran out' );
		$lock->release();
		$this->plant_row( 'jane@example.com', getmypid() . ':alive', time() + 60 );
		$this->assertFalse( $lock->acquire( 0.2 ), 'a live holder within its lease keeps it' );
	}

	public function test_a_single_try_takes_over_a_dead_holders_lock(): void {
		$slot = $this->lock_of_a_dead_holder( 'queue-worker-0' );
		$this->assertTrue( $slot->acquire( 0.0 ), 'a queue worker tries its slot once: the dead holder must not cost it the run' );
		$slot->release();
		$this->plant_row( 'queue-worker-0', getmypid() . ':alive', time() + 60 );
		$this->assertFalse( $slot->acquire( 0.0 ) );
	}

	public function test_another_install_on_the_same_database_server_has_locks_of_its_own(): void {
		if ( Lock::uses_sqlite() ) {
			$this->markTestSkipped( 'An SQLite site keeps its lock rows in its own database file' );
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
	 * A lock whose row names a holder process that is gone, within its lease (SQLite only: the test is skipped on
	 * MySQL, which releases GET_LOCK itself when the holder's connection dies).
	 *
	 * @param string $key The lock's key.
	 */
	private function lock_of_a_dead_holder( string $key ): Lock {
		if ( ! Lock::uses_sqlite() ) {
			$this->markTestSkipped( 'MySQL releases GET_LOCK itself when the holder\'s connection dies' );
		}
		$this->plant_row( $key, '2147483646:deadbeef', time() + 60 );
		return new Lock( $key );
	}

	/**
	 * Writes a lock row as another holder would have.
	 *
	 * @param string $key     The locked key.
	 * @param string $owner   pid:token.
	 * @param int    $expires Lease end.
	 */
	private function plant_row( string $key, string $owner, int $expires ): void {
		global $wpdb;
		$wpdb->query( 'DELETE FROM ' . Schema::table( 'locks' ) );
		$wpdb->insert( Schema::table( 'locks' ), array( 'lock_name' => Lock::name( $key ), 'owner' => $owner, 'expires_at' => $expires ) );
	}
}
