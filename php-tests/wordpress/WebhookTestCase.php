<?php
/**
 * What every ring-3 test starts from: a reset sandbox, settings pointing at it, no users but the admin.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use PHPUnit\Framework\TestCase;
use WpfWebhooks\QueueRunner;
use WpfWebhooks\Schema;
use WpfWebhooks\Settings;

/**
 * Base class of the WordPress ring.
 */
abstract class WebhookTestCase extends TestCase {

	const KEY = 'wp-ring-key-Zq8xV3mN7pL2rT9kW4yB6cD1fG5hJ0s';

	/**
	 * The sandbox CRM the site talks to.
	 *
	 * @var Sandbox
	 */
	protected static Sandbox $sandbox;

	public static function setUpBeforeClass(): void {
		self::$sandbox = new Sandbox( (string) getenv( 'WPF_SANDBOX_URL' ) );
	}

	protected function setUp(): void {
		global $wpdb;
		wp_cache_flush(); // The site's workers changed the database behind this process's caches.
		Schema::upgrade();
		self::$sandbox->reset();
		$this->configure();
		foreach ( $wpdb->get_col( "SELECT ID FROM {$wpdb->users} WHERE ID <> 1" ) as $id ) {
			is_multisite() ? wpmu_delete_user( (int) $id ) : wp_delete_user( (int) $id ); // Users belong to the network.
		}
		$wpdb->query( 'DELETE FROM ' . Schema::table( 'deliveries' ) );
		$wpdb->query( 'DELETE FROM ' . Schema::table( 'queue' ) );
		\WpfWebhooks\Log::clear();
		Site::clear_log( 'mail.log' );
		Site::clear_log( 'actions.log' );
		Site::clear_log( 'jobs.log' );
		wp_cache_flush();
	}

	/**
	 * Settings pointing at the sandbox, Return Password to `wp_password`, plus overrides.
	 *
	 * @param array $overrides Settings to change.
	 */
	protected function configure( array $overrides = array() ): void {
		update_option(
			Settings::OPTION,
			array_merge( Settings::defaults(), self::$sandbox->settings( self::KEY ), array( 'return_password_field' => 'wp_password' ), $overrides )
		);
	}

	/**
	 * Sends a webhook with the right key and, after it, forgets what this process had cached.
	 *
	 * @param string      $action  wpf_action.
	 * @param string|null $email   Body `{"email": …}`; null sends no body.
	 * @param array       $params  More query parameters.
	 * @param array       $headers Extra headers.
	 */
	protected function hook( string $action, ?string $email, array $params = array(), array $headers = array() ): array {
		$body   = null === $email ? null : (string) json_encode( array( 'email' => $email ) );
		$answer = Site::webhook( array_merge( array( 'wpf_action' => $action, 'access_key' => self::KEY ), $params ), $body, $headers );
		wp_cache_flush();
		return $answer;
	}

	/**
	 * Starts a webhook with the right key without waiting for its answer.
	 *
	 * @param string $action wpf_action.
	 * @param string $email  Body `{"email": …}`.
	 */
	protected function start_hook( string $action, string $email ): InFlight {
		return new InFlight( getenv( 'WPF_SITE_URL' ) . '/?wpf_action=' . $action . '&access_key=' . self::KEY, (string) json_encode( array( 'email' => $email ) ) );
	}

	/**
	 * Runs a script of fixtures/ in another PHP process and, once it says it holds what it takes ("held"), calls
	 * $then; the process lets go when its standard input is closed, after $then.
	 *
	 * @param string   $fixture The script's name.
	 * @param string[] $args    Its arguments.
	 * @param callable $then    What to do while it holds.
	 */
	protected function while_fixture_holds( string $fixture, array $args, callable $then ): void {
		$process = proc_open( array_merge( array( PHP_BINARY, __DIR__ . '/fixtures/' . $fixture ), $args ), array( array( 'pipe', 'r' ), array( 'pipe', 'w' ), array( 'pipe', 'w' ) ), $pipes );
		try {
			$said = fgets( $pipes[1] );
			$this->assertSame( "held\n", $said, "held\n" === $said ? '' : (string) stream_get_contents( $pipes[2] ) );
			$then();
		} finally {
			fclose( $pipes[0] );
			fclose( $pipes[1] );
			fclose( $pipes[2] );
			proc_close( $process );
		}
	}

	/**
	 * Asserts an answer's status and code, and the contract's response shape.
	 *
	 * @param int    $status Expected HTTP status.
	 * @param string $code   Expected code.
	 * @param array  $answer The answer.
	 */
	protected function assertAnswer( int $status, string $code, array $answer ): void {
		$this->assertSame( $code, $answer['json']['code'] ?? null, $answer['raw'] );
		$this->assertSame( $status, $answer['status'], $answer['raw'] );
		$this->assertSame( array( 'success', 'code', 'message', 'user_id', 'warnings' ), array_keys( $answer['json'] ) );
		$this->assertSame( $status < 300, $answer['json']['success'] );
		$this->assertStringStartsWith( 'application/json', $answer['headers']['content-type'] ?? '' );
		$this->assertSame( 'no-store', $answer['headers']['cache-control'] ?? '' );
	}

	/**
	 * The user with this email, fresh from the database.
	 *
	 * @param string $email Email.
	 */
	protected function user( string $email ): ?\WP_User {
		wp_cache_flush();
		$user = get_user_by( 'email', $email );
		return $user instanceof \WP_User ? $user : null;
	}

	/**
	 * The Return Password writes the sandbox received.
	 *
	 * @return array[]
	 */
	protected function password_writes(): array {
		return array_values( array_filter( self::$sandbox->requests(), fn( $r ) => 'PUT' === $r['method'] && str_contains( $r['path'], '/track/' ) ) );
	}

	/**
	 * Runs the queue's WP-Cron event on the site now, as if its minute had come, until a condition holds: three
	 * minutes at most, since on SQLite a dead worker's slot is only cleared by the next one that asks for it.
	 *
	 * @param callable $condition Returns true when done.
	 * @return bool Whether it held.
	 */
	protected function run_cron_until( callable $condition ): bool {
		for ( $minute = 0; $minute < 3; $minute++ ) {
			wp_clear_scheduled_hook( QueueRunner::CRON_HOOK );
			QueueRunner::schedule();
			Site::run_cron();
			if ( Site::eventually( $condition, 5 ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * How many users the site has.
	 */
	protected function user_count(): int {
		global $wpdb;
		return (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->users}" );
	}

	/**
	 * A log row of a webhook whose signature the extension judged, as the endpoint records it: a refused one is a
	 * `403 forbidden` with the reason as its message; `''` is a queued webhook's run (checked when it arrived).
	 *
	 * @param string      $status  `verified`, `unsigned`, `unchecked`, `refused` or ''.
	 * @param string|null $scheme  The scheme's name, or null.
	 * @param string|null $reason  Why it was refused, or null.
	 * @param int         $ago     Seconds before now.
	 */
	protected function record_signature( string $status, ?string $scheme = null, ?string $reason = null, int $ago = 0 ): void {
		$refused = 'refused' === $status;
		\WpfWebhooks\Log::record(
			array(
				'created_at' => time() - $ago,
				'action'     => 'add',
				'contact'    => $refused ? '' : 'jane@example.com',
				'code'       => $refused ? 'forbidden' : 'updated',
				'status'     => $refused ? 403 : 200,
				'signature'  => $status,
				'message'    => (string) $reason,
				'request'    => array( 'method' => '' === $status ? 'QUEUE' : 'POST' ) + ( '' === $status ? array() : array( 'signature' => array( 'status' => $status, 'scheme' => $scheme, 'reason' => $reason ) ) ),
			)
		);
	}
}
