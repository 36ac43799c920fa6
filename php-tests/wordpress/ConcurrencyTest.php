<?php
/**
 * Ring 3: parallel CRM reads and kept-alive CRM connections, seen from the Customer.io sandbox, and new users of
 * different contacts competing for one login (concurrent deliveries for one contact are part of the conformance
 * suite).
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * How the extension talks to the CRM from several php-fpm workers, and what parallel webhooks create.
 */
final class ConcurrencyTest extends WebhookTestCase {

	public function test_the_two_crm_reads_of_a_webhook_overlap_in_time(): void {
		self::$sandbox->latency( 300 );
		$answer = $this->hook( 'add', 'jane@example.com' );
		$this->assertAnswer( 200, 'created', $answer );
		$reads = array_values( array_filter( self::$sandbox->requests(), fn( $r ) => 'GET' === $r['method'] ) );
		$this->assertCount( 2, $reads );
		$paths = array_map( fn( $r ) => basename( $r['path'] ), $reads );
		sort( $paths );
		$this->assertSame( array( 'attributes', 'segments' ), $paths );
		[ $a, $b ] = $reads;
		$this->assertTrue( $a['started_ms'] < $b['finished_ms'] && $b['started_ms'] < $a['finished_ms'], 'attributes and segments were read at the same time' );
	}

	public function test_two_contacts_mapped_to_one_login_created_at_once_get_two_logins(): void {
		global $wpdb;
		$this->configure( array( 'field_map' => array( 'user_login' => 'username' ) ) );
		$emails = array( 'sam.one@example.com', 'sam.two@example.com' );
		foreach ( $emails as $email ) {
			self::$sandbox->put_person( array( 'email' => $email, 'attributes' => array( 'username' => 'sam' ) ) );
		}
		self::$sandbox->latency( 200 ); // The Return Password write sits between choosing the login and creating the user.
		$requests = array();
		for ( $i = 0; $i < 15; $i++ ) {
			foreach ( $emails as $email ) {
				$requests[] = array( array( 'wpf_action' => 'add', 'access_key' => self::KEY ), (string) wp_json_encode( array( 'email' => $email ) ) );
			}
		}
		$answers = Site::concurrently( $requests );
		wp_cache_flush();
		$codes = array_count_values( array_map( fn( $a ) => $a['json']['code'] ?? $a['raw'], $answers ) );
		ksort( $codes );
		$this->assertSame( array( 'created' => 2, 'updated' => 28 ), $codes );
		$logins = $wpdb->get_col( "SELECT user_login FROM {$wpdb->users} WHERE ID <> 1 ORDER BY user_login" );
		$this->assertCount( 2, $logins );
		$this->assertSame( 'sam', $logins[0], 'one user has the mapped login' );
		$other = $this->user( 'sam.one@example.com' )->user_login === 'sam' ? 'sam.two@example.com' : 'sam.one@example.com';
		$this->assertSame( $other . '-' . substr( hash( 'sha256', $other ), 0, 8 ), $logins[1], 'the other got the fallback' );
		$this->assertCount( 2, $this->password_writes() );
	}

	/**
	 * The sandbox numbers the TCP connections it accepts. A worker keeps its connections between requests
	 * (it may hold several, used in turn), so sooner or later one worker sends two webhooks over one connection;
	 * a worker that opened a connection per webhook would never do so.
	 */
	public function test_a_worker_reuses_its_crm_connection_for_later_webhooks(): void {
		$id = wp_insert_user( array( 'user_login' => 'jane', 'user_email' => 'jane@example.com', 'user_pass' => wp_generate_password() ) );
		$this->assertIsInt( $id );
		$used = array();
		for ( $i = 0; $i < 40; $i++ ) {
			$before = count( self::$sandbox->requests() );
			$answer = $this->hook( 'update_tags', 'jane@example.com' );
			$this->assertAnswer( 200, 'updated', $answer );
			$pid         = $answer['headers']['x-test-worker-pid'];
			$connections = array_column( array_slice( self::$sandbox->requests(), $before ), 'connection' );
			$this->assertCount( 1, $connections );
			if ( in_array( $connections[0], $used[ $pid ] ?? array(), true ) ) {
				return;
			}
			$used[ $pid ][] = $connections[0];
		}
		$this->fail( 'no worker reused a connection in 40 webhooks: ' . wp_json_encode( $used ) );
	}
}
