<?php
/**
 * Ring 3: the endpoint's checks, answers and delivery ids over real HTTP.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\ContactLinks;
use WpfWebhooks\Schema;

/**
 * What any sender sees.
 */
final class RequestTest extends WebhookTestCase {

	public function test_test_action_answers_ok_by_get_or_post(): void {
		$this->assertAnswer( 200, 'ok', Site::webhook( array( 'wpf_action' => 'test', 'access_key' => self::KEY ), null, array(), 'GET' ) );
		$this->assertAnswer( 200, 'ok', Site::webhook( array( 'wpf_action' => 'TEST' ), '', array( 'X-WPF-Access-Key: ' . self::KEY ) ) );
		$this->assertSame( array(), self::$sandbox->requests(), 'test touches nothing else' );
	}

	/**
	 * @dataProvider bad_keys
	 */
	public function test_wrong_keys_are_403( array $query, array $headers ): void {
		$answer = Site::webhook( array_merge( array( 'wpf_action' => 'add' ), $query ), '{"email":"jane@example.com"}', $headers );
		$this->assertAnswer( 403, 'forbidden', $answer );
		$this->assertSame( array(), self::$sandbox->requests() );
	}

	public static function bad_keys(): array {
		return array(
			'missing'    => array( array(), array() ),
			'wrong'      => array( array( 'access_key' => 'nope' ), array() ),
			'array'      => array( array( 'access_key' => array( self::KEY ) ), array() ),
			'padded'     => array( array( 'access_key' => ' ' . self::KEY ), array() ),
			'upper case' => array( array( 'access_key' => strtoupper( self::KEY ) ), array() ),
			'header'     => array( array(), array( 'X-WPF-Access-Key: nope' ) ),
		);
	}

	public function test_oversized_bodies_are_413_before_the_key_is_checked(): void {
		$this->assertAnswer( 413, 'payload_too_large', Site::webhook( array( 'wpf_action' => 'add' ), str_repeat( 'x', 65537 ) ) );
		$this->assertAnswer( 413, 'payload_too_large', Site::webhook( array( 'wpf_action' => 'add', 'access_key' => self::KEY ), str_repeat( ' ', 10 * 1024 * 1024 ) ) );
	}

	/**
	 * @dataProvider bad_bodies
	 */
	public function test_malformed_requests_are_400( array $query, ?string $body ): void {
		$answer = Site::webhook( array_merge( array( 'access_key' => self::KEY ), $query ), $body );
		$this->assertAnswer( 400, 'bad_request', $answer );
	}

	public static function bad_bodies(): array {
		return array(
			'unknown action' => array( array( 'wpf_action' => 'delete' ), '{}' ),
			'truncated'      => array( array( 'wpf_action' => 'add' ), '{"email":"jane@' ),
			'array'          => array( array( 'wpf_action' => 'add' ), '[]' ),
			'no identifier'  => array( array( 'wpf_action' => 'add' ), null ),
			'invalid UTF-8'  => array( array( 'wpf_action' => 'add' ), "{\"email\":\"\xc3\x28@x.com\"}" ),
			'deep'           => array( array( 'wpf_action' => 'add' ), str_repeat( '{"a":', 100 ) . '1' . str_repeat( '}', 100 ) ),
		);
	}

	public function test_an_unconfigured_site_is_503(): void {
		$this->configure( array( 'crm' => '' ) );
		$this->assertAnswer( 503, 'not_configured', $this->hook( 'add', 'jane@example.com' ) );
	}

	public function test_a_replayed_delivery_is_answered_duplicate(): void {
		$first = $this->hook( 'add', 'jane@example.com', array(), array( 'X-CIO-Delivery-Id: dlv-123' ) );
		$this->assertAnswer( 200, 'created', $first );
		$again = $this->hook( 'add', 'jane@example.com', array(), array( 'X-CIO-Delivery-Id: dlv-123' ) );
		$this->assertAnswer( 200, 'duplicate', $again );
		$this->assertCount( 1, $this->password_writes() );
		$this->assertAnswer( 200, 'updated', $this->hook( 'add', 'jane@example.com', array(), array( 'X-CIO-Delivery-Id: dlv-124' ) ) );
	}

	public function test_a_failed_delivery_is_not_remembered(): void {
		self::$sandbox->fault( array( 'times' => 6, 'action' => array( 'status' => 503 ) ) ); // Three attempts of each of the two reads.
		$this->assertAnswer( 503, 'crm_unavailable', $this->hook( 'add', 'jane@example.com', array(), array( 'webhook-id: w-1' ) ) );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'jane@example.com', array(), array( 'webhook-id: w-1' ) ) );
	}

	public function test_a_webhook_whose_crm_data_did_not_change_writes_only_its_log_row(): void {
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'jane@example.com' ) );
		foreach ( array( 'update_tags', 'update', 'add' ) as $action ) {
			Site::clear_log( 'queries.log' );
			$this->assertAnswer( 200, 'updated', $this->hook( $action, 'jane@example.com', array(), array( 'X-Test-Query-Log: 1' ) ) );
			$statements = Site::json_lines( 'queries.log' );
			$this->assertNotSame( array(), $statements, 'the observer logged the statements' );
			$writes = array_values(
				array_filter(
					$statements,
					fn( $q ) => 1 === preg_match( '/^(INSERT|UPDATE|DELETE|REPLACE)\b/i', $q ) && ! str_contains( $q, Schema::table( 'log' ) )
				)
			);
			$this->assertSame( array(), $writes, "$action of an unchanged contact writes nothing but the log row" );
			$this->assertSame( array(), preg_grep( '/^(SHOW|DESCRIBE)\b/i', $statements ), "$action asks the database for no table description" );
			$this->assertSame( array(), preg_grep( '/^(START TRANSACTION|BEGIN|COMMIT)\b/i', $statements ), "$action opens no transaction with nothing to write" );
			if ( ! is_multisite() ) {
				$this->assertSame( array(), preg_grep( '/' . ContactLinks::BACKFILL_OPTION . '/', $statements ), "$action reads the backfill's state with the autoloaded options, not with a query of its own" );
			}
		}
	}

	public function test_a_stalled_crm_is_answered_within_four_seconds(): void {
		self::$sandbox->fault( array( 'action' => array( 'delay_ms' => 10000 ) ) );
		$answer = $this->hook( 'add', 'jane@example.com' );
		$this->assertAnswer( 503, 'crm_unavailable', $answer );
		$this->assertLessThan( 4.0, $answer['seconds'], 'Customer.io gives up after about 4 s' );
		$this->assertSame( 1, $this->user_count() );
	}

	public function test_crm_errors_map_to_the_contract(): void {
		self::$sandbox->call( 'PUT', '/_sandbox/config', array( 'app_key' => 'rotated' ) );
		$this->assertAnswer( 502, 'crm_error', $this->hook( 'update', 'jane@example.com' ) );
		self::$sandbox->reset();
		$this->configure( array( 'customerio_app_url' => self::$sandbox->app_url( 'eu' ) ) );
		$this->assertAnswer( 502, 'crm_error', $this->hook( 'update', 'jane@example.com' ) );
		$this->configure();
		self::$sandbox->fault( array( 'action' => array( 'status' => 429, 'headers' => array( 'Retry-After' => '90' ) ) ) );
		$answer = $this->hook( 'update', 'jane@example.com' );
		$this->assertAnswer( 503, 'crm_unavailable', $answer );
		$this->assertSame( '90', $answer['headers']['retry-after'] ?? null );
	}

	public function test_answers_carry_nothing_secret_or_personal(): void {
		$answers = array(
			$this->hook( 'add', 'jane@example.com' ),
			$this->hook( 'add', 'nobody@example.com' ),
			Site::webhook( array( 'wpf_action' => 'add', 'access_key' => 'nope' ), '{"email":"jane@example.com"}' ),
		);
		$password = json_decode( $this->password_writes()[0]['body'], true )['wp_password'];
		foreach ( $answers as $answer ) {
			foreach ( array( self::KEY, Sandbox::APP_KEY, Sandbox::TRACK_KEY, $password, 'jane@', 'nobody@', 'nope' ) as $secret ) {
				$this->assertStringNotContainsString( $secret, $answer['raw'] );
			}
		}
	}

	public function test_webhook_answers_never_come_from_a_page_cache(): void {
		$page = array( 'p' => '1', 'nonce' => uniqid() );
		Site::webhook( $page, null, array(), 'GET' );
		$this->assertSame( 'HIT', Site::webhook( $page, null, array(), 'GET' )['headers']['x-cache-status'] ?? '', 'the site\'s page cache works' );
		$test = array( 'wpf_action' => 'test', 'access_key' => self::KEY );
		$this->assertNotSame( 'HIT', Site::webhook( $test, null, array(), 'GET' )['headers']['x-cache-status'] ?? '' );
		$this->assertNotSame( 'HIT', Site::webhook( $test, null, array(), 'GET' )['headers']['x-cache-status'] ?? '' );
		$this->assertSame( 2, \WpfWebhooks\Log::query( array( 'code' => 'ok' ) )['total'], 'both identical GETs reached the handler' );
	}

	/**
	 * Runs after the hostile requests above: none of them made PHP warn about the plugin's code.
	 */
	public function test_bad_input_raises_no_php_warning_or_notice(): void {
		Site::webhook( array( 'wpf_action' => array( 'add' ), 'access_key' => array( 'x' => self::KEY ), 'role' => array( 'administrator' ) ), "\0\0", array( 'X-WPF-Access-Key: ' . str_repeat( 'k', 5000 ) ) );
		Site::webhook( array( 'wpf_action' => 'add', 'access_key' => self::KEY, 'contact_id' => array( 'a@b.co' ) ), '{"email":["a@b.co"],"id":{"x":1}}', array( 'Content-Type: text/plain' ) );
		$logs = '';
		foreach ( array( 'php-error.log', 'wp-debug.log', 'php-fpm.log' ) as $name ) {
			$logs .= is_file( Site::log_path( $name ) ) ? (string) file_get_contents( Site::log_path( $name ) ) : '';
		}
		$lines = array_filter( explode( "\n", $logs ), fn( $l ) => str_contains( $l, 'wpf-webhooks' ) && ! str_contains( $l, 'WPF_WEBHOOKS_INTERFACE already defined' ) );
		$this->assertSame( array(), array_values( $lines ) );
	}

	public function test_a_page_without_wpf_action_is_left_to_wordpress(): void {
		$answer = Site::webhook( array( 'p' => '1' ), null, array(), 'GET' );
		$this->assertSame( 200, $answer['status'] );
		$this->assertNull( $answer['json'] );
	}
}
