<?php
/**
 * Ring 3: the webhook log — what is recorded, what is never recorded, retention, queries, Tools → Webhook Logs.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Admin\LogPage;
use WpfWebhooks\Log;
use WpfWebhooks\Queue;
use WpfWebhooks\Settings;

/**
 * Thrown by the wp_die handler this test installs.
 */
final class DiedException extends \RuntimeException {
}

/**
 * Thrown by the redirect filter this test installs.
 */
final class RedirectedException extends \RuntimeException {
}

/**
 * The log, through real webhooks and in-process calls of the admin page.
 */
final class LogTest extends WebhookTestCase {

	const SCREEN = 'tools_page_wpf-webhooks-log';

	/**
	 * Filters added by a test, removed after it.
	 *
	 * @var array[]
	 */
	private array $filters = array();

	/**
	 * $_SERVER before the test.
	 *
	 * @var array
	 */
	private array $server = array();

	public static function setUpBeforeClass(): void {
		parent::setUpBeforeClass();
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		require_once ABSPATH . 'wp-admin/includes/class-wp-screen.php';
		require_once ABSPATH . 'wp-admin/includes/screen.php';
		require_once ABSPATH . 'wp-admin/includes/template.php';
		require_once WP_PLUGIN_DIR . '/wpf-webhooks/includes/admin/class-log-page.php';
	}

	protected function setUp(): void {
		parent::setUp();
		Log::clear();
		$this->server = $_SERVER;
	}

	protected function tearDown(): void {
		foreach ( $this->filters as [ $hook, $callback ] ) {
			remove_filter( $hook, $callback, PHP_INT_MAX );
		}
		$this->filters = array();
		wp_set_current_user( 0 );
		$_GET     = array();
		$_POST    = array();
		$_REQUEST = array();
		$_SERVER  = $this->server;
		unset( $GLOBALS['current_screen'], $GLOBALS['hook_suffix'] );
		parent::tearDown();
	}

	public function test_every_webhook_is_logged_once_with_what_it_did(): void {
		$sent = array(
			array( 'add', $this->hook( 'add', 'jane@example.com', array(), array( 'X-CIO-Delivery-Id: dlv-log-1' ) ), 'jane@example.com' ),
			array( 'add', $this->hook( 'add_user', 'Jane@Example.com' ), 'jane@example.com' ),
			array( 'update', $this->hook( 'update_user', 'jane@example.com' ), 'jane@example.com' ),
			array( 'update_tags', $this->hook( 'update_tags', 'nobody@example.com' ), 'nobody@example.com' ), // Failed, and named.
			array( 'add', $this->hook( 'add', 'john.smith@example.com', array( 'role' => 'administrator' ) ), 'John.Smith@Example.com' ), // As the CRM has it.
			array( 'test', $this->hook( 'test', null ), '' ),
			array( 'add', Site::webhook( array( 'wpf_action' => 'add', 'access_key' => 'wrong' ), '{"email":"jane@example.com"}' ), '' ),
			array( '', $this->hook( 'delete', 'jane@example.com' ), '' ),
			array( 'add', Site::webhook( array( 'wpf_action' => 'add', 'access_key' => self::KEY ), str_repeat( 'x', 65537 ) ), '' ),
		);
		$expected = array( 'created', 'updated', 'updated', 'contact_not_found', 'created', 'ok', 'forbidden', 'bad_request', 'payload_too_large' );
		$this->assertSame( $expected, array_map( fn( $s ) => $s[1]['json']['code'], $sent ) );
		$refused = array( 6, 8 );
		$this->assertSame( array( 'forbidden' => 1, 'payload_too_large' => 1 ), Log::refusals_since( time() - DAY_IN_SECONDS ), 'refused before the key was accepted: counted' );

		$logged = array_values( array_diff_key( $sent, array_flip( $refused ) ) );
		$rows   = array_reverse( Log::query( array( 'per_page' => 100 ) )['rows'] );
		$this->assertCount( count( $logged ), $rows, 'one row per webhook whose key was accepted' );
		foreach ( $logged as $i => [ $action, $answer, $contact ] ) {
			$row = $rows[ $i ];
			$this->assertSame( $action, $row['action'], "row $i" );
			$this->assertSame( $contact, $row['contact'], "row $i" );
			$this->assertSame( $answer['json']['code'], $row['code'], "row $i" );
			$this->assertSame( $answer['status'], $row['status'], "row $i" );
			$this->assertSame( $answer['json']['user_id'], $row['user_id'], "row $i" );
			$this->assertSame( $answer['json']['message'], $row['message'], "row $i" );
			$this->assertSame( $answer['json']['warnings'], $row['warnings'], "row $i" );
			$this->assertEqualsWithDelta( time(), $row['created_at'], 60, "row $i" );
			$this->assertLessThan( (int) ceil( $answer['seconds'] * 1000 ) + 50, $row['duration_ms'], "row $i: no longer than the sender waited" );
			$this->assertSame( 'POST', $row['request']['method'] );
		}
		$this->assertSame( hash( 'sha256', 'dlv-log-1' ), $rows[0]['delivery_key'] );
		$this->assertNull( $rows[1]['delivery_key'] );
		$this->assertSame( array( 'role_not_allowed' ), $rows[4]['warnings'] );
		$this->assertSame( array( 'email' => 'jane@example.com' ), $rows[0]['request']['body'] );
		$this->assertSame( 'add', $rows[0]['request']['query']['wpf_action'] );
		$this->assertSame( 'application/json', $rows[0]['request']['headers']['content-type'] );
		$this->assertSame( 'dlv-log-1', $rows[0]['request']['headers']['x-cio-delivery-id'] );
	}

	public function test_a_flood_of_refused_requests_stores_counts_not_requests(): void {
		global $wpdb;
		$before = array( $this->stored_bytes(), $this->sqlite_file_bytes() );
		$body   = (string) wp_json_encode( array( 'email' => 'flood@example.com', 'pad' => str_repeat( 'x', 60 * 1024 ) ) );
		$wrong  = array( 'wpf_action' => 'add', 'access_key' => 'flood-wrong-key', 'junk' => str_repeat( 'q', 1500 ) );
		$sent   = array_merge(
			array_fill( 0, 300, array( $wrong, $body, array( 'User-Agent: flood/' . str_repeat( 'u', 200 ) ) ) ),
			array_fill( 0, 20, array( array( 'wpf_action' => 'update', 'junk' => str_repeat( 'q', 1500 ) ), str_repeat( 'y', 70 * 1024 ) ) )
		);
		$codes = array();
		foreach ( array_chunk( $sent, 20 ) as $chunk ) {
			foreach ( Site::concurrently( $chunk ) as $answer ) {
				$codes[] = $answer['json']['code'] ?? $answer['status'];
			}
		}
		$this->assertSame( array( 'forbidden' => 300, 'payload_too_large' => 20 ), array_count_values( $codes ) );
		wp_cache_flush();
		$growth = array( $this->stored_bytes() - $before[0], $this->sqlite_file_bytes() - $before[1] );
		$this->assertLessThan( 1024, $growth[0] / count( $sent ), "bytes stored per refused request ({$growth[0]} bytes in all)" );
		$this->assertLessThan( 1024, $growth[1] / count( $sent ), "database file growth per refused request ({$growth[1]} bytes in all)" );
		$this->assertSame( 0, Log::query()['total'], 'no log row' );
		$this->assertSame( array( 'forbidden' => 300, 'payload_too_large' => 20 ), Log::refusals_since( time() - HOUR_IN_SECONDS ) );
		$this->assertSame( array(), Log::refusals_since( time() + HOUR_IN_SECONDS ), 'counted in the hour they came' );
		$tables = $wpdb->get_col( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $wpdb->prefix . 'wpf_webhooks_' ) . '%' ) );
		$this->assertContains( \WpfWebhooks\Schema::table( 'refused' ), $tables );
		$this->assertStringNotContainsString( 'flood', $this->dump( $tables ), 'neither body, query nor headers' );
		$this->assertStringContainsString( 'In the last 24 hours, 320 requests to the webhook URL were refused before their access key was accepted (a wrong or missing access key × 300, a body over 64 KiB × 20).', $this->render_page(), 'the log page tells of them' );
	}

	public function test_a_row_cap_under_200_holds_at_every_insert(): void {
		$this->configure( array( 'log_max_rows' => 3 ) );
		for ( $i = 1; $i <= 5; $i++ ) {
			Log::record( array( 'code' => "n{$i}" ) );
		}
		$this->assertSame( array( 'n5', 'n4', 'n3' ), $this->codes(), 'before any daily prune' );
		$this->hook( 'test', null );
		$this->assertSame( array( 'ok', 'n5', 'n4' ), $this->codes(), 'a webhook\'s row too' );
		$this->configure( array( 'log_max_rows' => 0 ) );
		Log::record( array( 'code' => 'n6' ) );
		$this->assertSame( array( 'n6', 'ok', 'n5', 'n4' ), $this->codes(), '0 = no limit' );
	}

	public function test_a_large_cap_is_trimmed_at_one_insert_in_a_hundredth_of_it_not_at_every_one(): void {
		global $wpdb;
		$this->configure( array( 'log_max_rows' => 500 ) );
		$deletes = 0;
		$count   = function ( $query ) use ( &$deletes ) {
			$deletes += (int) str_starts_with( (string) $query, 'DELETE FROM ' . Log::table() );
			return $query;
		};
		add_filter( 'query', $count );
		try {
			for ( $i = 1; $i <= 700; $i++ ) { // At least the last 200 get ids past the cap.
				Log::record( array( 'code' => "n{$i}" ) );
			}
		} finally {
			remove_filter( 'query', $count );
		}
		// The inserts whose id passed the cap (ids are consecutive here: nothing else writes the log meanwhile).
		$past = min( 700, (int) $wpdb->get_var( 'SELECT MAX(id) FROM ' . Log::table() ) - 500 ); // phpcs:ignore WordPress.DB
		// One trim in five of them on average; twice that many, for at least 200 of them: p < 1e-10.
		$this->assertGreaterThan( 0, $deletes );
		$this->assertLessThan( 0.4 * $past, $deletes, "a webhook seldom pays a second write for the cap ($past inserts past it)" );
		$rows = (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . Log::table() ); // phpcs:ignore WordPress.DB
		$this->assertGreaterThanOrEqual( 500, $rows );
		$this->assertLessThanOrEqual( 600, $rows, 'the table stays near its cap (over by 100: p < 1e-9)' );
		Log::prune();
		$this->assertSame( '500', $wpdb->get_var( 'SELECT COUNT(*) FROM ' . Log::table() ), 'the daily prune keeps exactly the cap' ); // phpcs:ignore WordPress.DB
	}

	public function test_the_duration_runs_from_the_request_start_to_the_answer(): void {
		self::$sandbox->latency( 300 );
		$answer = $this->hook( 'update', 'jane@example.com' );
		$row    = Log::query()['rows'][0];
		$this->assertSame( $answer['json']['code'], $row['code'] );
		$this->assertGreaterThanOrEqual( 300, $row['duration_ms'] );
		$this->assertLessThanOrEqual( (int) ceil( $answer['seconds'] * 1000 ), $row['duration_ms'] );
	}

	public function test_keys_passwords_credentials_and_cookies_never_reach_the_log(): void {
		$this->configure( array( 'field_map' => array( 'first_name' => 'first_name', 'user_pass' => 'initial_code' ) ) );
		$body = (string) wp_json_encode(
			array(
				'email'        => 'jane@example.com',
				'password'     => 'body-password-1',
				'api_token'    => 'body-token-1',
				'initial_code' => 'body-initial-code-1',
				'nested'       => array(
					'Secret' => 'body-secret-1',
					'list'   => array( array( 'authCode' => 'body-auth-1' ) ),
				),
				'note'         => 'the key is ' . self::KEY . ', the app key ' . Sandbox::APP_KEY,
			)
		);
		$this->hook( 'add', 'jane@example.com' ); // Creates the user with a generated, returned password.
		Site::webhook( array( 'wpf_action' => 'test' ), '', array( 'X-WPF-Access-Key: ' . self::KEY ) );
		Site::webhook( array( 'wpf_action' => 'test', 'access_key' => 'offered-wrong-key-1' ), '' );
		Site::webhook( array( 'wpf_action' => 'test' ), '', array( 'X-WPF-Access-Key: offered-wrong-key-2' ) );
		Site::webhook( array( 'wpf_action' => 'test', 'access_key' => array( 'offered-wrong-key-3' ) ), '' );
		Site::webhook( array( 'wpf_action' => 'add', 'access_key' => 'offered-wrong-key-4' ), $body );
		Site::webhook(
			array( 'wpf_action' => 'update', 'access_key' => self::KEY, 'token' => 'query-token-1' ),
			$body,
			array( 'Cookie: wordpress_logged_in_x=cookie-secret-1', 'Authorization: Bearer authorization-secret-1', 'X-Api-Key: header-key-1' )
		);
		Site::webhook( array( 'wpf_action' => 'add', 'access_key' => self::KEY ), '{"email":"jane@example.com","password":"truncated-password-1' );

		$passwords = array_map( fn( $w ) => json_decode( $w['body'], true )['wp_password'], $this->password_writes() );
		$this->assertCount( 1, $passwords );
		$dump = $this->dump();
		$this->assertCount( 4, Log::query()['rows'], 'the four requests with a wrong key are only counted' );
		$this->assertSame( array( 'forbidden' => 4 ), Log::refusals_since( time() - DAY_IN_SECONDS ) );
		$needles = array_merge(
			$passwords,
			array(
				self::KEY,
				Sandbox::APP_KEY,
				Sandbox::TRACK_KEY,
				'offered-wrong-key',
				'body-password-1',
				'body-token-1',
				'body-initial-code-1',
				'body-secret-1',
				'body-auth-1',
				'query-token-1',
				'cookie-secret-1',
				'authorization-secret-1',
				'header-key-1',
				'truncated-password-1',
			)
		);
		foreach ( $needles as $needle ) {
			$this->assertStringNotContainsString( $needle, $dump );
		}
		$row = Log::query()['rows'][1];
		$this->assertSame( '[redacted]', $row['request']['query']['access_key'] );
		$this->assertSame( '[redacted]', $row['request']['body']['nested']['list'][0]['authCode'] );
		$this->assertSame( 'the key is [redacted], the app key [redacted]', $row['request']['body']['note'] );
		$this->assertSame( 'jane@example.com', $row['request']['body']['email'], 'what is not secret stays readable' );
		$header = Log::query( array( 'per_page' => 100 ) )['rows'][2];
		$this->assertSame( array( 'wpf_action' => 'test' ), $header['request']['query'] );
		$this->assertSame( '[redacted]', $header['request']['headers']['x-wpf-access-key'] );
	}

	public function test_bodies_that_are_not_json_are_redacted_as_the_extension_says(): void {
		$log = function ( string $body, array $headers = array() ): array {
			Site::webhook( array( 'wpf_action' => 'bogus', 'access_key' => self::KEY ), $body, $headers );
			return Log::query()['rows'][0]['request'];
		};

		$form = $log( 'email=jane%40example.com&user_pass=form-pass-1&apiKey=form-key-1&x=' . self::KEY );
		$this->assertSame( 'email=jane%40example.com&user_pass=[redacted]&apiKey=[redacted]&x=[redacted]', $form['body'] );

		$broken = $log( '{"email":"a@b.c","client_secret":"broken-1","auth":{"x":1},"token":12345,"n":"ok' );
		$this->assertSame( '{"email":"a@b.c","client_secret":"[redacted]","auth":"[redacted]","token":"[redacted]","n":"ok', $broken['body'] );

		$big = $log( (string) wp_json_encode( array( 'a_password' => 'big-pass-1', 'pad' => str_repeat( 'é', 5000 ) ) ) );
		$this->assertTrue( $big['body_truncated'] );
		$this->assertLessThanOrEqual( 4096, strlen( $big['body'] ) );
		$this->assertTrue( mb_check_encoding( $big['body'], 'UTF-8' ), 'not cut inside a character' );
		$this->assertStringStartsWith( '{"a_password":"[redacted]","pad":"éé', $big['body'] );

		$straddling = $log( '', array( 'User-Agent: ' . str_repeat( 'u', 250 ) . self::KEY ) );
		$this->assertSame( str_repeat( 'u', 250 ) . '[redac', $straddling['headers']['user-agent'], 'a credential straddling the header cut is replaced before it' );

		$invalid = $log( "{\"email\":\"\xc3\x28@x.com\",\"pass\":\"invalid-utf8-pass-1\"}" );
		$this->assertSame( "{\"email\":\"\u{fffd}(@x.com\",\"pass\":\"[redacted]\"}", $invalid['body'] );
		$this->assertStringNotContainsString( 'invalid-utf8-pass-1', $this->dump() );
	}

	public function test_a_logging_failure_never_changes_the_answer(): void {
		global $wpdb;
		$wpdb->query( 'DROP TABLE ' . Log::table() );
		update_option( \WpfWebhooks\Schema::VERSION_OPTION, \WpfWebhooks\Schema::VERSION ); // So nothing re-creates it.
		try {
			$this->assertAnswer( 200, 'ok', $this->hook( 'test', null ) );
			$this->assertAnswer( 200, 'created', $this->hook( 'add', 'jane@example.com' ) );
			Log::record( array( 'code' => 'ok' ) ); // Neither throws nor prints.
		} finally {
			delete_option( \WpfWebhooks\Schema::VERSION_OPTION );
			\WpfWebhooks\Schema::upgrade();
		}
		$this->assertSame( 0, Log::query()['total'] );
	}

	public function test_a_log_of_schema_6_is_upgraded_by_its_page_with_the_signature_column_and_keeps_its_rows(): void {
		global $wpdb;
		$table = Log::table();
		$wpdb->query( "DROP TABLE {$table}" ); // phpcs:ignore WordPress.DB
		$wpdb->query( "CREATE TABLE {$table} (id bigint(20) unsigned NOT NULL AUTO_INCREMENT, created_at bigint(20) unsigned NOT NULL, action varchar(20) NOT NULL DEFAULT '', contact varchar(254) NOT NULL DEFAULT '', code varchar(32) NOT NULL DEFAULT '', status smallint(5) unsigned NOT NULL DEFAULT 0, duration_ms int(10) unsigned NOT NULL DEFAULT 0, user_id bigint(20) unsigned NULL, delivery_key char(64) NULL, job_id bigint(20) unsigned NULL, message text NOT NULL, warnings text NOT NULL, request mediumtext NOT NULL, PRIMARY KEY  (id)) {$wpdb->get_charset_collate()}" ); // phpcs:ignore WordPress.DB
		$wpdb->query( "INSERT INTO {$table} (created_at, code, status, message, warnings, request) VALUES (" . time() . ", 'created', 200, 'before', '[]', '{}')" ); // phpcs:ignore WordPress.DB
		update_option( \WpfWebhooks\Schema::VERSION_OPTION, 6 );
		$shown = $wpdb->show_errors( true );
		try {
			$html = $this->render_page( array( 'signature' => 'refused' ) ); // A files-only update: the page upgrades first.
		} finally {
			$wpdb->show_errors( $shown );
		}
		$this->assertStringNotContainsString( 'database error', $html );
		Log::record(
			array(
				'code'      => 'forbidden',
				'status'    => 403,
				'signature' => 'refused',
				'message'   => 'after',
			)
		);
		$rows = Log::query()['rows'];
		$this->assertSame( array( array( 'after', 'refused' ), array( 'before', '' ) ), array_map( fn( $r ) => array( $r['message'], $r['signature'] ), $rows ) );
		$this->assertSame( 1, Log::query( array( 'signature' => 'refused' ) )['total'] );
	}

	public function test_retention_by_age_and_by_count(): void {
		$day = DAY_IN_SECONDS;
		foreach ( array( 40, 31, 29, 1, 0 ) as $age ) {
			Log::record( array( 'code' => "age-$age", 'created_at' => time() - $age * $day - 60 ) );
		}
		$this->configure( array( 'log_retention_days' => 0, 'log_max_rows' => 0 ) );
		Log::prune();
		$this->assertSame( 5, Log::query()['total'], '0 = no limit' );

		$this->configure( array( 'log_retention_days' => 30, 'log_max_rows' => 0 ) );
		Log::prune();
		$this->assertSame( array( 'age-0', 'age-1', 'age-29' ), $this->codes() );

		$this->configure( array( 'log_retention_days' => 0, 'log_max_rows' => 2 ) );
		Log::prune();
		$this->assertSame( array( 'age-0', 'age-1' ), $this->codes(), 'the newest rows are kept' );

		$this->configure();
		$this->assertSame( array( 30, 10000 ), array( Settings::get()['log_retention_days'], Settings::get()['log_max_rows'] ), 'the defaults' );
	}

	public function test_the_daily_prune_is_scheduled_with_the_plugin(): void {
		\WpfWebhooks\Plugin::activate();
		$this->assertNotFalse( wp_next_scheduled( Log::PRUNE_EVENT ) );
		$this->assertTrue( has_action( Log::PRUNE_EVENT ) > 0 );
		\WpfWebhooks\Plugin::deactivate();
		$this->assertFalse( wp_next_scheduled( Log::PRUNE_EVENT ) );
		\WpfWebhooks\Plugin::activate();
	}

	public function test_query_filters_searches_and_pages_newest_first(): void {
		for ( $i = 1; $i <= 25; $i++ ) {
			Log::record(
				array(
					'action'  => 0 === $i % 2 ? 'add' : 'update',
					'code'    => 0 === $i % 5 ? 'forbidden' : 'updated',
					'contact' => "user{$i}@example.com",
					'message' => 7 === $i ? 'a 100% special message' : 'The user was updated.',
				)
			);
		}
		$all = Log::query();
		$this->assertSame( 25, $all['total'] );
		$this->assertCount( 20, $all['rows'], '20 per page by default' );
		$this->assertSame( 'user25@example.com', $all['rows'][0]['contact'], 'newest first' );

		$page = Log::query( array( 'per_page' => 10, 'page' => 3 ) );
		$this->assertSame( array( 'user5@example.com', 'user4@example.com', 'user3@example.com', 'user2@example.com', 'user1@example.com' ), array_column( $page['rows'], 'contact' ) );
		$this->assertSame( 25, $page['total'] );

		$this->assertSame( 5, Log::query( array( 'code' => 'forbidden' ) )['total'] );
		$this->assertSame( 12, Log::query( array( 'action' => 'add' ) )['total'] );
		$both = Log::query( array( 'code' => 'forbidden', 'action' => 'add' ) );
		$this->assertSame( array( 'user20@example.com', 'user10@example.com' ), array_column( $both['rows'], 'contact' ) );
		$this->assertSame( 7, Log::query( array( 'search' => 'user2' ) )['total'], 'user2, user20 … user25' );
		$this->assertSame( array( 'user2@example.com' ), array_column( Log::query( array( 'search' => 'USER2@' ) )['rows'], 'contact' ) );
		$this->assertSame( array( 'user7@example.com' ), array_column( Log::query( array( 'search' => 'special' ) )['rows'], 'contact' ), 'the message is searched too' );
		$this->assertSame( array( 'user7@example.com' ), array_column( Log::query( array( 'search' => '100%' ) )['rows'], 'contact' ), 'LIKE wildcards are literal' );
		$this->assertSame( 0, Log::query( array( 'search' => 'nobody' ) )['total'] );

		$id  = $all['rows'][0]['id'];
		$row = Log::get( $id );
		$this->assertSame( 'user25@example.com', $row['contact'] );
		$this->assertNull( Log::get( $id + 1000 ) );
	}

	public function test_failed_queued_webhooks_are_listed_with_a_retry_button_that_needs_capability_and_nonce(): void {
		global $wpdb;
		$this->assertSame( 202, $this->hook( 'add', 'jane@example.com', array( 'async' => 'true' ), array( 'X-Test-Queue-Only: 1' ) )['status'] );
		$this->assertSame( 202, $this->hook( 'add', 'ada@example.com', array( 'async' => 'true' ), array( 'X-Test-Queue-Only: 1' ) )['status'] );
		$ids = array_map( 'intval', $wpdb->get_col( 'SELECT id FROM ' . Queue::table() . ' ORDER BY id' ) ); // phpcs:ignore WordPress.DB
		$wpdb->update( Queue::table(), array( 'status' => 'failed', 'attempts' => 6, 'last_code' => 'crm_unavailable', 'last_message' => 'The CRM <b>did not answer</b>.' ), array( 'id' => $ids[0] ) );
		$html = $this->render_page();
		$this->assertStringContainsString( '1 waiting, 0 being processed, 1 failed.', $html );
		$this->assertStringContainsString( 'data-job-id="' . $ids[0] . '"', $html );
		$this->assertStringNotContainsString( 'data-job-id="' . $ids[1] . '"', $html, 'only failed jobs get a Retry button' );
		$this->assertStringContainsString( 'The CRM &lt;b&gt;did not answer&lt;/b&gt;.', $html );

		$this->intercept_die_and_redirect();
		$subscriber = wp_insert_user( array( 'user_login' => 'sub', 'user_email' => 'sub@example.com', 'user_pass' => wp_generate_password(), 'role' => 'subscriber' ) );
		wp_set_current_user( $subscriber );
		$this->post( array( 'action' => LogPage::RETRY_ACTION, 'job' => $ids[0], '_wpnonce' => wp_create_nonce( LogPage::RETRY_ACTION ) ) );
		$this->assertDies( 403, fn() => LogPage::retry_jobs() );
		wp_set_current_user( 1 );
		$this->post( array( 'action' => LogPage::RETRY_ACTION, 'job' => $ids[0], '_wpnonce' => wp_create_nonce( LogPage::CLEAR_ACTION ) ) );
		$this->assertDies( 403, fn() => LogPage::retry_jobs() );
		$this->assertSame( 'failed', Queue::get( $ids[0] )->status );

		$this->post( array( 'action' => LogPage::RETRY_ACTION, 'job' => $ids[0], '_wpnonce' => wp_create_nonce( LogPage::RETRY_ACTION ) ) );
		try {
			LogPage::retry_jobs();
			$this->fail( 'no redirect' );
		} catch ( RedirectedException $e ) {
			$this->assertSame( admin_url( 'tools.php?page=wpf-webhooks-log&retried=1' ), $e->getMessage() );
		}
		$this->assertSame( array( 'pending', '0' ), array( Queue::get( $ids[0] )->status, (string) Queue::get( $ids[0] )->attempts ) );
		$this->assertStringContainsString( '1 queued webhook will be tried again.', $this->render_page( array( 'retried' => '1' ) ) );
	}

	public function test_the_clear_handler_needs_the_capability_and_a_valid_nonce(): void {
		Log::record( array( 'code' => 'ok' ) );
		$this->intercept_die_and_redirect();
		$subscriber = wp_insert_user( array( 'user_login' => 'sub', 'user_email' => 'sub@example.com', 'user_pass' => wp_generate_password(), 'role' => 'subscriber' ) );

		wp_set_current_user( $subscriber );
		$this->post( array( '_wpnonce' => wp_create_nonce( LogPage::CLEAR_ACTION ) ) );
		$this->assertDies( 403, fn() => LogPage::clear() );
		$this->assertDies( 403, fn() => LogPage::render() );

		wp_set_current_user( 1 );
		$this->post( array() );
		$this->assertDies( 403, fn() => LogPage::clear() );
		$this->post( array( '_wpnonce' => 'not-a-nonce' ) );
		$this->assertDies( 403, fn() => LogPage::clear() );
		$this->post( array( '_wpnonce' => wp_create_nonce( 'another-action' ) ) );
		$this->assertDies( 403, fn() => LogPage::clear() );
		$this->assertSame( 1, Log::query()['total'], 'nothing cleared' );

		$this->post( array( '_wpnonce' => wp_create_nonce( LogPage::CLEAR_ACTION ) ) );
		try {
			LogPage::clear();
			$this->fail( 'no redirect' );
		} catch ( RedirectedException $e ) {
			$this->assertSame( admin_url( 'tools.php?page=wpf-webhooks-log&cleared=1' ), $e->getMessage() );
		}
		$this->assertSame( 0, Log::query()['total'] );
	}

	public function test_the_page_is_under_tools_for_administrators(): void {
		global $submenu;
		wp_set_current_user( 1 );
		LogPage::register();
		$entries = array_values( array_filter( $submenu['tools.php'] ?? array(), fn( $e ) => 'wpf-webhooks-log' === $e[2] ) );
		$this->assertCount( 1, $entries );
		$this->assertSame( array( 'Webhook Logs', 'manage_options' ), array( $entries[0][0], $entries[0][1] ) );
	}

	public function test_the_extensions_messages_are_shown_translated(): void {
		Log::record( array( 'action' => 'add', 'code' => 'created', 'status' => 200, 'message' => 'The user was created.' ) );
		Log::record( array( 'action' => 'add', 'code' => 'crm_error', 'status' => 502, 'message' => 'a message of no translation' ) );
		$german = static fn( $translation, $text, $domain ) => 'wpf-webhooks' === $domain && 'The user was created.' === $text ? 'Der Benutzer wurde angelegt.' : $translation;
		add_filter( 'gettext', $german, 10, 3 );
		try {
			$html = $this->render_page();
		} finally {
			remove_filter( 'gettext', $german, 10 );
		}
		$this->assertStringContainsString( 'Der Benutzer wurde angelegt.', $html, 'the contract\'s message, in the site\'s language' );
		$this->assertStringContainsString( 'a message of no translation', $html, 'any other as it was stored' );
	}

	public function test_the_list_renders_rows_links_filters_and_escapes(): void {
		$jane = wp_insert_user( array( 'user_login' => 'jane', 'user_email' => 'jane@example.com', 'user_pass' => wp_generate_password() ) );
		Log::record( array( 'action' => 'add', 'code' => 'created', 'status' => 200, 'contact' => 'jane@example.com', 'user_id' => $jane, 'duration_ms' => 1234, 'message' => 'The user was created.' ) );
		Log::record( array( 'action' => 'add', 'code' => 'updated', 'status' => 200, 'contact' => 'gone@example.com', 'user_id' => 987654 ) );
		Log::record( array( 'action' => '', 'code' => 'forbidden', 'status' => 403, 'contact' => '"><script>alert(1)</script>@example.com', 'message' => '<b>bold</b>' ) );
		$ids = array_column( Log::query()['rows'], 'id' );

		$html = $this->render_page();
		foreach ( $ids as $id ) {
			$this->assertStringContainsString( 'data-log-id="' . $id . '"', $html );
		}
		$this->assertSame( 3, substr_count( $html, 'data-log-id=' ) );
		$this->assertMatchesRegularExpression( '/<td class=\'code column-code\'[^>]*><span class="wpf-webhooks-outcome wpf-webhooks-outcome-refused">Refused<\/span> <code>forbidden<\/code>/', $html );
		$this->assertStringContainsString( 'user-edit.php?user_id=' . $jane . '">jane</a>', $html );
		$this->assertStringContainsString( '#987654 (deleted)', $html );
		$this->assertStringContainsString( '1,234 ms', $html );
		$this->assertStringContainsString( 'Entries older than 30 days are deleted daily. The newest 10,000 entries are kept (about 1% more between the daily clean-ups).', $html );
		$this->assertStringContainsString( '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com', $html );
		$this->assertStringNotContainsString( '<script>alert(1)', $html );
		$this->assertStringContainsString( 'name="result"', $html );
		$this->assertStringContainsString( 'name="log_action"', $html );
		$this->assertStringContainsString( 'name="s"', $html );
		$this->assertStringContainsString( 'value="' . LogPage::CLEAR_ACTION . '"', $html );
		$this->assertMatchesRegularExpression( '/admin-post\.php.*?name="_wpnonce" value="([0-9a-f]+)"/s', $html );
		preg_match( '/admin-post\.php.*?name="_wpnonce" value="([0-9a-f]+)"/s', $html, $nonce );
		$this->assertSame( 1, wp_verify_nonce( $nonce[1], LogPage::CLEAR_ACTION ), 'the Clear log form carries its nonce' );
		$this->assertStringContainsString( esc_url( LogPage::url( array( 'log' => $ids[0] ) ) ), $html, 'rows link to their details' );

		$filtered = $this->render_page( array( 'result' => 'forbidden' ) );
		$this->assertSame( 1, substr_count( $filtered, 'data-log-id=' ) );
		$this->assertStringContainsString( '<option value="forbidden" selected=\'selected\'>', $filtered );
		$this->assertSame( 1, substr_count( $this->render_page( array( 's' => 'jane@' ) ), 'data-log-id=' ) );
		$this->assertSame( 2, substr_count( $this->render_page( array( 'log_action' => 'add' ) ), 'data-log-id=' ) );
		$this->assertStringContainsString( 'No webhook matches these filters.', $this->render_page( array( 'result' => 'crm_error' ) ) );
	}

	public function test_the_list_shows_each_webhooks_signature_in_words_and_filters_by_it(): void {
		$this->record_signature( 'verified', 'customerio' );
		$this->record_signature( 'unsigned' );
		$this->record_signature( 'unchecked', 'standard_webhooks' );
		$this->record_signature( 'refused', 'customerio', 'Customer.io signature is 900 s old (at most 300 s)' );
		$this->record_signature( '' );
		$ids = array_reverse( array_column( Log::query()['rows'], 'id' ) );

		$html = $this->render_page();
		$this->assertMatchesRegularExpression( '#<th scope="col" id=\'signature\'[^>]*>Signature</th>#', $html );
		$cells = array();
		foreach ( $ids as $id ) {
			$this->assertSame( 1, preg_match( '#<tr data-log-id="' . $id . '">.*?<td class=\'signature column-signature\'[^>]*>(.*?)</td>#s', $html, $m ), "row $id has a signature cell" );
			$cells[] = trim( wp_strip_all_tags( $m[1] ) );
		}
		$this->assertSame( array( 'Verified (Customer.io)', 'Unsigned', 'Not checked (Standard Webhooks)', 'Refused (Customer.io)', '—' ), $cells, 'words, not colours' );

		$this->assertStringContainsString( 'name="signature"', $html );
		foreach ( array( 'verified' => 'Signature: Verified', 'unsigned' => 'Signature: Unsigned', 'unchecked' => 'Signature: Not checked', 'refused' => 'Signature: Refused' ) as $value => $label ) {
			$this->assertStringContainsString( '<option value="' . $value . '">' . $label . '</option>', $html );
		}
		$refused = $this->render_page( array( 'signature' => 'refused' ) );
		$this->assertSame( 1, substr_count( $refused, 'data-log-id=' ) );
		$this->assertStringContainsString( 'data-log-id="' . $ids[3] . '"', $refused );
		$this->assertStringContainsString( '<option value="refused" selected=\'selected\'>', $refused );
		$this->assertSame( 0, substr_count( $this->render_page( array( 'signature' => 'refused', 'result' => 'updated' ) ), 'data-log-id=' ), 'beside the other filters' );
		$this->assertSame( 5, substr_count( $this->render_page( array( 'signature' => 'bogus' ) ), 'data-log-id=' ), 'an unknown value filters nothing' );
	}

	public function test_the_detail_view_shows_the_signature_verdict(): void {
		$this->record_signature( 'refused', 'customerio', 'Customer.io signature does not match <script>' );
		$this->record_signature( 'verified', 'standard_webhooks' );
		$this->record_signature( '' );
		$ids  = array_reverse( array_column( Log::query()['rows'], 'id' ) );
		$rows = array_map( fn( $id ) => $this->render_page( array( 'log' => (string) $id ) ), $ids );
		$cell = function ( string $html ): string {
			$this->assertSame( 1, preg_match( '#<th scope="row"[^>]*>Signature</th><td>(.*?)</td>#s', $html, $m ), $html );
			return $m[1];
		};
		$this->assertSame( 'Refused (Customer.io): Customer.io signature does not match &lt;script&gt;', $cell( $rows[0] ) );
		$this->assertSame( 'Verified (Standard Webhooks)', $cell( $rows[1] ) );
		$this->assertSame( '— (a queued webhook&#039;s run: its signature was checked when it arrived)', $cell( $rows[2] ) );
	}

	public function test_the_list_pages_by_twenty(): void {
		for ( $i = 1; $i <= 21; $i++ ) {
			Log::record( array( 'code' => 'ok', 'contact' => "c{$i}@example.com" ) );
		}
		$first = $this->render_page();
		$this->assertSame( 20, substr_count( $first, 'data-log-id=' ) );
		$this->assertStringContainsString( '21 items', $first );
		$this->assertStringContainsString( 'c21@example.com', $first );
		$second = $this->render_page( array( 'paged' => '2' ) );
		$this->assertSame( 1, substr_count( $second, 'data-log-id=' ) );
		$this->assertStringContainsString( 'c1@example.com', $second );
	}

	public function test_the_detail_view_shows_every_field_and_the_redacted_request(): void {
		$this->hook( 'add', 'jane@example.com', array( 'role' => 'administrator' ), array( 'X-CIO-Delivery-Id: dlv-detail' ) );
		$row  = Log::query()['rows'][0];
		$html = $this->render_page( array( 'log' => (string) $row['id'] ) );
		$this->assertStringContainsString( 'data-log-id="' . $row['id'] . '"', $html );
		foreach ( array( 'jane@example.com', '<code>created</code>', 'The user was created.', 'role_not_allowed', hash( 'sha256', 'dlv-detail' ), 'user-edit.php?user_id=' . $row['user_id'] ) as $part ) {
			$this->assertStringContainsString( $part, $html );
		}
		$this->assertStringContainsString( "&quot;access_key&quot;: &quot;[redacted]&quot;", $html, 'pretty-printed, escaped' );
		$this->assertStringContainsString( "&quot;body&quot;: {\n        &quot;email&quot;: &quot;jane@example.com&quot;\n    }", $html );
		$this->assertStringNotContainsString( self::KEY, $html );
		$this->assertStringContainsString( 'does not exist', $this->render_page( array( 'log' => (string) ( $row['id'] + 1000 ) ) ) );
	}

	public function test_the_list_tells_outcomes_apart_in_words_with_each_message_and_filters_errors_only(): void {
		update_option( 'date_format', 'j F Y' );
		update_option( 'time_format', 'g:i a' );
		$when = 1767225600 + 13 * HOUR_IN_SECONDS + 5 * MINUTE_IN_SECONDS;
		$rows = array(
			array( 'created', 200, 'success', 'Success', 'The user was created.' ),
			array( 'contact_not_found', 404, 'client', 'Client error', 'The CRM has no contact with this email.' ),
			array( 'crm_unavailable', 503, 'crm', 'CRM error', 'The CRM did not answer in time.' ),
			array( 'forbidden', 403, 'refused', 'Refused', 'Customer.io signature does not match' ),
			array( 'not_configured', 503, 'internal', 'Internal error', 'No CRM is chosen.' ),
		);
		foreach ( $rows as [ $code, $status, , , $message ] ) {
			Log::record( array( 'code' => $code, 'status' => $status, 'message' => $message, 'contact' => 'a.very.long.contact.address@example.com', 'created_at' => $when ) );
		}
		$ids  = array_reverse( array_column( Log::query()['rows'], 'id' ) );
		$html = $this->render_page();
		$this->assertMatchesRegularExpression( '#<th scope="col" id=\'message\'[^>]*>Message</th>#', $html );
		foreach ( $rows as $i => [ $code, , $class, $words, $message ] ) {
			$this->assertSame( 1, preg_match( '#<tr data-log-id="' . $ids[ $i ] . '">(.*?)</tr>#s', $html, $row ), $code );
			$this->assertStringContainsString( '<span class="wpf-webhooks-outcome wpf-webhooks-outcome-' . $class . '">' . $words . '</span>', $row[1], "$code: colour and words" );
			$this->assertStringContainsString( '<code>' . $code . '</code>', $row[1] );
			$this->assertMatchesRegularExpression( '#<td class=\'message column-message\'[^>]*>' . preg_quote( esc_html( $message ), '#' ) . '#', $row[1] );
			$this->assertStringContainsString( '>' . wp_date( 'j F Y g:i a', $when ) . '</a>', $row[1], 'the site\'s date and time format' );
		}
		$this->assertStringNotContainsString( 'break-all', $html, 'no word broken anywhere' );
		$this->assertStringContainsString( 'overflow-wrap:anywhere', $html, 'long tokens may break' );
		$this->assertStringContainsString( '<input type="checkbox" name="errors" id="wpf-webhooks-log-errors" value="1">', $html );

		$errors = $this->render_page( array( 'errors' => '1' ) );
		$this->assertSame( 4, substr_count( $errors, 'data-log-id=' ), 'every status from 400' );
		$this->assertStringNotContainsString( 'data-log-id="' . $ids[0] . '"', $errors );
		$this->assertStringContainsString( 'name="errors" id="wpf-webhooks-log-errors" value="1" checked=\'checked\'', $errors );
		$this->assertSame( 1, substr_count( $this->render_page( array( 'errors' => '1', 'result' => 'forbidden' ) ), 'data-log-id=' ), 'beside the per-code filter' );
		$this->assertSame( array( 'success', 'client', 'crm', 'refused', 'internal' ), array_map( fn( $r ) => Log::outcome( $r[0] ), $rows ) );
		require_once dirname( WPF_WEBHOOKS_FILE ) . '/includes/admin/class-log-charts.php';
		foreach ( array( LogPage::COLOURS, LogPage::outcomes(), \WpfWebhooks\Admin\LogCharts::MARKS ) as $by_class ) {
			$this->assertSame( Log::outcomes(), array_keys( $by_class ), 'a colour, words and a pattern for each class the core exports, in its order' );
		}
	}

	public function test_the_charts_count_webhooks_per_hour_and_day_by_outcome_within_a_bounded_window(): void {
		$this->assertStringContainsString( 'No webhook in the last 24 hours.', $this->render_page(), 'the empty state' );
		$now = time();
		Log::record( array( 'code' => 'created', 'status' => 200, 'created_at' => $now - 60 ) );
		$single = $this->render_page();
		$this->assertStringContainsString( '<svg', $single );
		$this->assertStringContainsString( '1 success', $single, 'a single webhook, in words' );

		Log::record( array( 'code' => 'crm_error', 'status' => 502, 'created_at' => $now - 60 ) );
		Log::record( array( 'code' => 'updated', 'status' => 200, 'created_at' => $now - 3 * DAY_IN_SECONDS ) );
		Log::record( array( 'code' => 'updated', 'status' => 200, 'created_at' => $now - 40 * DAY_IN_SECONDS ) );
		Log::forget_counts(); // Rows logged back in time, which only a test does: a settled quarter gains no row.
		$queries = $this->queries_of(
			function () use ( &$hours, &$days ) {
				$hours = Log::counts( HOUR_IN_SECONDS, 24 );
				$days  = Log::counts( DAY_IN_SECONDS, 30 );
			}
		);
		$this->assertCount( 24, $hours );
		$this->assertCount( 30, $days );
		$this->assertSame( array( 'success' => 1, 'crm' => 1 ), end( $hours ), 'this hour, by outcome' );
		$this->assertSame( 2, array_sum( array_map( 'array_sum', $hours ) ), 'the last 24 hours only' );
		$this->assertSame( 3, array_sum( array_map( 'array_sum', $days ) ), 'the last 30 days only' );
		$queries = array_values( preg_grep( '/FROM ' . preg_quote( Log::table(), '/' ) . ' .*GROUP BY/', $queries ) );
		$this->assertCount( 3, $queries, 'the settled quarters once for both charts, the last half hour for each' );
		foreach ( $queries as $query ) {
			$this->assertMatchesRegularExpression( '/WHERE created_at >= \d+( AND created_at < \d+)? GROUP BY/', $query, 'the created_at index, a bounded window' );
		}
		$queries = $this->queries_of(
			function () use ( &$html ) {
				$html = $this->render_page();
			}
		);
		$this->assertSame( array(), preg_grep( '/FROM ' . preg_quote( Log::table(), '/' ) . ' .*GROUP BY/', $queries ), 'nothing logged since: the counts are not aggregated again' );
		$this->assertStringContainsString( 'Webhooks per hour, last 24 hours', $html );
		$this->assertStringContainsString( 'Webhooks per day, last 30 days', $html );
		$this->assertMatchesRegularExpression( '#<svg[^>]* role="img" aria-labelledby="[^"]+"#', $html );
		$this->assertStringContainsString( '1 success, 1 CRM error', $html );
	}

	public function test_after_a_new_webhook_the_charts_read_the_last_half_hour_of_rows_only(): void {
		$now = time();
		foreach ( array( 5 * DAY_IN_SECONDS, 3 * HOUR_IN_SECONDS, 2 * HOUR_IN_SECONDS ) as $i => $ago ) {
			Log::record( array( 'code' => 0 === $i ? 'created' : 'crm_error', 'status' => 0 === $i ? 200 : 502, 'created_at' => $now - $ago ) );
		}
		Log::counts( HOUR_IN_SECONDS, 24 );
		Log::counts( DAY_IN_SECONDS, 30 );
		Log::record( array( 'code' => 'bad_request', 'status' => 400, 'contact' => 'erase.me@example.com' ) );
		$queries = $this->queries_of(
			function () use ( &$hours, &$days ) {
				$hours = Log::counts( HOUR_IN_SECONDS, 24 );
				$days  = Log::counts( DAY_IN_SECONDS, 30 );
			}
		);
		$aggregates = preg_grep( '/FROM ' . preg_quote( Log::table(), '/' ) . ' .*GROUP BY/', $queries );
		$this->assertNotEmpty( $aggregates );
		foreach ( $aggregates as $query ) {
			$this->assertSame( 1, preg_match( '/created_at >= (\d+)/', $query, $from ), $query );
			$this->assertGreaterThanOrEqual( $now - 2 * Log::SLOT_SECONDS, (int) $from[1], 'the rows of the last half hour at the most: ' . $query );
		}
		$this->assertSame( array( 'client' => 1 ), end( $hours ) );
		$sums = array();
		foreach ( $hours as $outcomes ) {
			foreach ( $outcomes as $outcome => $n ) {
				$sums[ $outcome ] = ( $sums[ $outcome ] ?? 0 ) + $n;
			}
		}
		$this->assertSame( array( 'crm' => 2, 'client' => 1 ), $sums, 'the last 24 hours' );
		$this->assertSame( 4, array_sum( array_map( 'array_sum', $days ) ) );

		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . Log::table() . ' WHERE created_at < %d', $now - DAY_IN_SECONDS ) ); // phpcs:ignore WordPress.DB
		$this->assertSame( 3, array_sum( array_map( 'array_sum', Log::counts( DAY_IN_SECONDS, 30 ) ) ), 'the oldest rows deleted (retention, the cap): aggregated again' );
		$this->assertIsArray( \WpfWebhooks\Privacy::erase( 'erase.me@example.com' ) );
		$this->assertSame( 2, array_sum( array_map( 'array_sum', Log::counts( DAY_IN_SECONDS, 30 ) ) ), 'an erased row is no longer counted' );
	}

	public function test_a_quarter_that_settles_after_a_view_is_still_counted(): void {
		$now = time();
		$now = $now - $now % Log::SLOT_SECONDS + 60;
		Log::record( array( 'code' => 'created', 'status' => 200, 'created_at' => $now - 3 * HOUR_IN_SECONDS ) );
		Log::forget_counts();
		Log::counts( DAY_IN_SECONDS, 30, $now );
		Log::record( array( 'code' => 'crm_error', 'status' => 502, 'created_at' => $now ) );
		$later = Log::counts( DAY_IN_SECONDS, 30, $now + HOUR_IN_SECONDS );
		$this->assertSame( 2, array_sum( array_map( 'array_sum', $later ) ), 'the quarter settled between two views is added' );
	}

	public function test_the_settled_counts_are_stored_only_when_a_quarter_settled_or_they_were_counted_again(): void {
		$now = time();
		$now = $now - $now % Log::SLOT_SECONDS + 60;
		Log::record( array( 'code' => 'created', 'status' => 200, 'created_at' => $now - 3 * HOUR_IN_SECONDS ) );
		Log::forget_counts();
		Log::counts( HOUR_IN_SECONDS, 24, $now );
		Log::counts( DAY_IN_SECONDS, 30, $now );
		Log::record( array( 'code' => 'crm_error', 'status' => 502, 'created_at' => $now ) );
		$stores = 0;
		$count  = function ( $value ) use ( &$stores ) {
			++$stores;
			return $value;
		};
		add_filter( 'pre_set_transient_' . Log::SLOTS_CACHE, $count );
		try {
			Log::counts( HOUR_IN_SECONDS, 24, $now );
			Log::counts( DAY_IN_SECONDS, 30, $now );
			$this->assertSame( 0, $stores, 'a new webhook, no quarter settled: the settled counts are not written again' );
			Log::counts( HOUR_IN_SECONDS, 24, $now + HOUR_IN_SECONDS );
			Log::counts( DAY_IN_SECONDS, 30, $now + HOUR_IN_SECONDS );
			$this->assertSame( 1, $stores, 'quarters settled: written once for both charts' );
		} finally {
			remove_filter( 'pre_set_transient_' . Log::SLOTS_CACHE, $count );
		}
	}

	public function test_counts_a_view_wrote_back_after_an_erasure_are_not_used(): void {
		$now = time();
		Log::record( array( 'code' => 'created', 'status' => 200, 'contact' => 'keep@example.com', 'created_at' => $now - 5 * DAY_IN_SECONDS ) );
		Log::record( array( 'code' => 'created', 'status' => 200, 'contact' => 'erase.me@example.com', 'created_at' => $now - 3 * DAY_IN_SECONDS ) );
		Log::record( array( 'code' => 'created', 'status' => 200, 'contact' => 'keep@example.com', 'created_at' => $now - 2 * DAY_IN_SECONDS ) );
		Log::forget_counts();
		Log::counts( DAY_IN_SECONDS, 30 );
		$stale = array(
			Log::SLOTS_CACHE => get_transient( Log::SLOTS_CACHE ),
			Log::COUNTS_CACHE . DAY_IN_SECONDS . '_30' => get_transient( Log::COUNTS_CACHE . DAY_IN_SECONDS . '_30' ),
		);
		$this->assertIsArray( \WpfWebhooks\Privacy::erase( 'erase.me@example.com' ) );
		foreach ( $stale as $name => $value ) {
			set_transient( $name, $value, DAY_IN_SECONDS ); // A view that read them before the erasure writes them after it.
		}
		$this->assertSame( 2, array_sum( array_map( 'array_sum', Log::counts( DAY_IN_SECONDS, 30 ) ) ) );
	}

	public function test_retention_emptying_the_log_empties_the_charts(): void {
		Log::record( array( 'code' => 'created', 'status' => 200, 'created_at' => time() - 10 * DAY_IN_SECONDS ) );
		Log::forget_counts();
		$this->assertSame( 1, array_sum( array_map( 'array_sum', Log::counts( DAY_IN_SECONDS, 30 ) ) ) );
		$this->configure( array( 'log_retention_days' => 7, 'log_max_rows' => 0 ) );
		Log::prune();
		$this->assertSame( 0, array_sum( array_map( 'array_sum', Log::counts( DAY_IN_SECONDS, 30 ) ) ) );
	}

	public function test_rows_logged_out_of_order_and_trimmed_are_not_counted(): void {
		$now  = time();
		$from = ( new \DateTimeImmutable( '@' . $now ) )->setTimezone( wp_timezone() )->setTime( 0, 0 )->modify( '-29 days' )->getTimestamp();
		Log::record( array( 'code' => 'created', 'status' => 200, 'created_at' => $from + 5 ) ); // Two servers' clocks seconds apart.
		Log::record( array( 'code' => 'created', 'status' => 200, 'created_at' => $from ) );
		Log::forget_counts();
		$this->assertSame( 2, array_sum( array_map( 'array_sum', Log::counts( DAY_IN_SECONDS, 30, $now ) ) ) );
		global $wpdb;
		$wpdb->query( 'DELETE FROM ' . Log::table() . ' ORDER BY id LIMIT 1' ); // phpcs:ignore WordPress.DB -- the row cap trims the oldest.
		$this->assertSame( 1, array_sum( array_map( 'array_sum', Log::counts( DAY_IN_SECONDS, 30, $now ) ) ) );
	}

	public function test_retention_deleting_rows_older_than_the_charts_counts_nothing_again(): void {
		$now = time();
		Log::record( array( 'code' => 'created', 'status' => 200, 'created_at' => $now - 40 * DAY_IN_SECONDS ) );
		Log::record( array( 'code' => 'created', 'status' => 200, 'created_at' => $now - 3 * DAY_IN_SECONDS ) );
		Log::forget_counts();
		Log::counts( DAY_IN_SECONDS, 30 );
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . Log::table() . ' WHERE created_at < %d', $now - 31 * DAY_IN_SECONDS ) ); // phpcs:ignore WordPress.DB
		$queries = $this->queries_of(
			function () use ( &$days ) {
				$days = Log::counts( DAY_IN_SECONDS, 30 );
			}
		);
		$this->assertSame( 1, array_sum( array_map( 'array_sum', $days ) ) );
		foreach ( preg_grep( '/GROUP BY/', $queries ) as $query ) {
			$this->assertSame( 1, preg_match( '/created_at >= (\d+)/', $query, $from ), $query );
			$this->assertGreaterThanOrEqual( $now - 2 * Log::SLOT_SECONDS, (int) $from[1], 'no count from 30 days back: ' . $query );
		}
	}

	public function test_the_charts_tell_outcomes_apart_without_colour_and_show_their_numbers_as_a_table_on_demand(): void {
		require_once dirname( WPF_WEBHOOKS_FILE ) . '/includes/admin/class-log-charts.php';
		$start  = strtotime( '2026-05-01 10:00:00 UTC' );
		$counts = array(
			$start                  => array(),
			$start + HOUR_IN_SECONDS => array( 'success' => 2, 'client' => 1, 'crm' => 1, 'refused' => 1, 'internal' => 1 ),
		);
		ob_start();
		\WpfWebhooks\Admin\LogCharts::render( 'Chart', $counts, 'H:i', 'Nothing.', 'Hour' );
		$html = (string) ob_get_clean();
		ob_start();
		\WpfWebhooks\Admin\LogCharts::render( 'Chart', $counts, 'H:i', 'Nothing.', 'Hour' );
		\WpfWebhooks\Admin\LogCharts::render( 'Chart', $counts, 'H:i', 'Nothing.', 'Hour' );
		preg_match_all( '/ id="([^"]+)"/', (string) ob_get_clean(), $ids );
		$this->assertSame( array_unique( $ids[1] ), $ids[1], 'two charts of as many periods on one page: no id twice (patterns, titles, captions)' );
		$page  = new \DOMDocument();
		libxml_use_internal_errors( true );
		$page->loadHTML( '<?xml encoding="utf-8"?>' . $html );
		libxml_clear_errors();
		$xpath = new \DOMXPath( $page );
		$fills = array();
		foreach ( $xpath->query( '//svg[@role="img"]//rect[title]' ) as $rect ) {
			$this->assertMatchesRegularExpression( '/^url\(#[\w-]+\)$/', $rect->getAttribute( 'fill' ), 'a bar\'s segment is filled with its outcome\'s pattern' );
			$fills[] = $rect->getAttribute( 'fill' );
		}
		$this->assertCount( 5, array_unique( $fills ), 'one pattern an outcome' );
		$shapes = array();
		foreach ( $fills as $fill ) {
			$pattern = $xpath->query( sprintf( '//pattern[@id="%s"]', substr( $fill, 5, -1 ) ) )->item( 0 );
			$this->assertNotNull( $pattern, "$fill is defined" );
			$shapes[] = $page->saveHTML( $pattern->firstChild->nextSibling ?? $pattern->firstChild );
		}
		$this->assertCount( 5, array_unique( $shapes ), 'each outcome\'s pattern has a shape of its own, not only a colour' );
		$swatches = array();
		foreach ( $xpath->query( '//ul[contains(@class, "wpf-webhooks-chart-legend")]/li' ) as $item ) {
			$swatch = $xpath->query( './/svg//rect', $item )->item( 0 );
			$this->assertNotNull( $swatch, 'the legend shows the pattern: ' . $item->textContent );
			$swatches[] = $swatch->getAttribute( 'fill' );
		}
		$this->assertSame( array_values( array_unique( $fills ) ), $swatches, 'the legend\'s patterns are the bars\' in Log::outcomes() order' );
		$details = $xpath->query( '//figure//details[summary]' )->item( 0 );
		$this->assertNotNull( $details, 'the numbers, shown on demand' );
		$this->assertSame( 'Show as a table', trim( $xpath->query( 'summary', $details )->item( 0 )->textContent ) );
		$headers = array_map( fn( $th ) => trim( $th->textContent ), iterator_to_array( $xpath->query( './/table/thead//th[@scope="col"]', $details ) ) );
		$this->assertSame( array( 'Hour', 'Success', 'Client error', 'CRM error', 'Refused', 'Internal error', 'Total' ), $headers );
		$rows = $xpath->query( './/table/tbody/tr', $details );
		$this->assertSame( 1, $rows->length, 'the periods with webhooks' );
		$this->assertSame( '11:00', trim( $xpath->query( 'th[@scope="row"]', $rows->item( 0 ) )->item( 0 )->textContent ) );
		$this->assertSame( array( '2', '1', '1', '1', '1', '6' ), array_map( fn( $td ) => trim( $td->textContent ), iterator_to_array( $xpath->query( 'td', $rows->item( 0 ) ) ) ) );
		$this->assertSame( 0, $xpath->query( '//*[contains(@class, "screen-reader-text")]//table' )->length, 'not a table for screen readers only' );
		$this->assertStringNotContainsString( 'NAN', strtoupper( $html ) );

		ob_start();
		\WpfWebhooks\Admin\LogCharts::render( 'Chart', array( $start => array() ), 'H:i', 'Nothing.', 'Hour' );
		$empty = (string) ob_get_clean();
		$this->assertStringContainsString( 'Nothing.', $empty, 'the empty state in words' );
		$this->assertStringNotContainsString( '<svg', $empty );
		$this->assertStringNotContainsString( '<details', $empty );
	}

	public function test_the_days_of_the_chart_are_the_sites_days_across_a_clock_change(): void {
		update_option( 'timezone_string', 'Europe/Berlin' ); // Summer time from 2026-03-29, 02:00.
		try {
			$at  = static fn( string $local ) => ( new \DateTimeImmutable( $local, wp_timezone() ) )->getTimestamp();
			$now = $at( '2026-04-05 12:00' );
			Log::record( array( 'code' => 'created', 'status' => 200, 'created_at' => $at( '2026-03-28 00:30' ) ) );
			Log::record( array( 'code' => 'crm_error', 'status' => 502, 'created_at' => $at( '2026-03-30 23:30' ) ) );
			$days = Log::counts( DAY_IN_SECONDS, 30, $now );
			$this->assertCount( 30, $days );
			$labels = array_map( fn( $start ) => wp_date( 'Y-m-d H:i', $start ), array_keys( $days ) );
			$this->assertSame( '2026-03-07 00:00', $labels[0], 'each period starts at the site\'s midnight' );
			$this->assertSame( '2026-04-05 00:00', end( $labels ) );
			$this->assertSame( array( '00:00' ), array_values( array_unique( array_map( fn( $label ) => substr( $label, 11 ), $labels ) ) ), 'before the change too' );
			$by_day = array_combine( array_map( fn( $label ) => substr( $label, 0, 10 ), $labels ), array_values( $days ) );
			$this->assertSame( array( 'success' => 1 ), $by_day['2026-03-28'], 'half an hour after midnight, that day' );
			$this->assertSame( array( 'crm' => 1 ), $by_day['2026-03-30'], 'half an hour before midnight, that day' );
			$this->assertSame( 2, array_sum( array_map( 'array_sum', $days ) ) );
			$hours = Log::counts( HOUR_IN_SECONDS, 24, $now );
			$this->assertSame( '2026-04-05 12:00', wp_date( 'Y-m-d H:i', array_key_last( $hours ) ) );
		} finally {
			update_option( 'timezone_string', '' );
			Log::forget_counts();
		}
	}

	public function test_the_list_reads_the_newest_rows_only_whatever_the_log_holds_and_says_so(): void {
		$window = fn() => 5;
		add_filter( 'wpf_webhooks_log_window', $window );
		for ( $i = 1; $i <= 8; $i++ ) {
			Log::record( array( 'code' => 0 === $i % 2 ? 'crm_error' : 'created', 'status' => 0 === $i % 2 ? 502 : 200, 'contact' => "c{$i}@example.com" ) );
		}
		$reads = array();
		$log   = function ( $query ) use ( &$reads ) {
			if ( str_contains( $query, Log::table() ) && str_starts_with( $query, 'SELECT' ) ) {
				$reads[] = $query;
			}
			return $query;
		};
		add_filter( 'query', $log );
		$page = Log::query();
		remove_filter( 'query', $log );
		$this->assertSame( 5, $page['total'], 'the newest five' );
		$this->assertTrue( $page['older'], 'older rows exist' );
		$this->assertSame( 'c8@example.com', $page['rows'][0]['contact'] );
		foreach ( $reads as $query ) {
			$this->assertMatchesRegularExpression( '/ORDER BY id DESC LIMIT 1 OFFSET \d+$|\bid [<>]=? \d+/', $query, 'every read is a bounded range of the primary key: ' . $query );
		}
		$this->assertSame( 3, Log::query( array( 'errors' => true ) )['total'], 'the errors among the newest five (c4, c6, c8)' );
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . Log::table() . ' WHERE contact IN (%s, %s)', 'c6@example.com', 'c7@example.com' ) ); // phpcs:ignore WordPress.DB
		$this->assertSame( array( 'c8@example.com', 'c5@example.com', 'c4@example.com', 'c3@example.com', 'c2@example.com' ), array_column( Log::query()['rows'], 'contact' ), 'the newest five rows, not ids: gaps (an erasure, Galera\'s id steps) are not in the count' );
		$old = $this->render_page( array( 's' => 'c1@example.com' ) );
		$this->assertStringContainsString( 'No webhook matches these filters.', $old );
		$this->assertStringContainsString( '>Export CSV</a>', $old, 'the export the page points to for older rows is there when the list has none of them' );
		$html = $this->render_page();
		$this->assertStringContainsString( 'This list, its filters and its counts cover the newest 5 webhooks of the log; Export CSV has every one.', $html );
		$all = array();
		Log::each( array(), function ( $row ) use ( &$all ) {
			$all[] = $row['contact'];
		} );
		$this->assertCount( 6, $all, 'the export has every row (8 logged, 2 deleted)' );

		remove_filter( 'wpf_webhooks_log_window', $window );
		$this->assertFalse( Log::query()['older'] );
		$this->assertStringNotContainsString( 'This list, its filters', $this->render_page() );
	}

	public function test_the_filtered_log_is_exported_as_csv_in_batches_with_capability_and_nonce(): void {
		$this->hook( 'update_tags', 'nobody@example.com' );
		for ( $i = 1; $i <= 1100; $i++ ) {
			Log::record( array( 'code' => 'crm_error', 'status' => 502, 'contact' => "c{$i}@example.com", 'message' => '=HYPERLINK("x")' ) );
		}
		Log::record( array( 'code' => 'created', 'status' => 200, 'contact' => 'ok@example.com' ) );

		$this->intercept_die_and_redirect();
		$subscriber = wp_insert_user( array( 'user_login' => 'sub', 'user_email' => 'sub@example.com', 'user_pass' => wp_generate_password(), 'role' => 'subscriber' ) );
		wp_set_current_user( $subscriber );
		$this->post( array( '_wpnonce' => wp_create_nonce( LogPage::EXPORT_ACTION ) ) );
		$this->assertDies( 403, fn() => LogPage::export() );
		wp_set_current_user( 1 );
		$this->post( array( '_wpnonce' => wp_create_nonce( LogPage::CLEAR_ACTION ) ) );
		$this->assertDies( 403, fn() => LogPage::export() );

		$html = $this->render_page( array( 'errors' => '1' ) );
		$this->assertSame( 1, preg_match( '#<a class="button" href="([^"]*admin-post\.php[^"]*)">Export CSV</a>#', $html, $link ) );
		parse_str( (string) wp_parse_url( html_entity_decode( $link[1] ), PHP_URL_QUERY ), $args );
		$this->assertSame( array( LogPage::EXPORT_ACTION, '1' ), array( $args['action'], $args['errors'] ), 'the screen\'s filters' );
		$this->assertSame( 1, wp_verify_nonce( $args['_wpnonce'], LogPage::EXPORT_ACTION ) );

		$selects = 0;
		$count   = function ( $query ) use ( &$selects ) {
			$selects += (int) str_starts_with( $query, 'SELECT * FROM ' . Log::table() );
			return $query;
		};
		add_filter( 'query', $count );
		$out = fopen( 'php://memory', 'w+' );
		LogPage::write_csv( LogPage::filters( $args ), $out );
		remove_filter( 'query', $count );
		rewind( $out );
		$lines = array();
		$this->assertSame( "\xEF\xBB\xBF", fread( $out, 3 ), 'a UTF-8 byte order mark, for spreadsheets' );
		while ( false !== ( $line = fgetcsv( $out, 0, ',', '"', '' ) ) ) {
			$lines[] = $line;
		}
		$this->assertSame( array( 'ID', 'Time', 'Action', 'Contact', 'Outcome', 'Result', 'HTTP status', 'Signature', 'Duration (ms)', 'User ID', 'Delivery key', 'Queue job', 'Message', 'Warnings', 'Request (redacted)' ), $lines[0] );
		$this->assertCount( 1102, $lines, 'the header and the errors only' );
		$this->assertSame( array( 'c1100@example.com', 'CRM error', 'crm_error', '502' ), array( $lines[1][3], $lines[1][4], $lines[1][5], $lines[1][6] ), 'newest first' );
		$this->assertSame( "'=HYPERLINK(\"x\")", $lines[1][12], 'no formula for a spreadsheet' );
		$this->assertSame( array( 'nobody@example.com', 'contact_not_found' ), array( $lines[1101][3], $lines[1101][5] ) );
		$this->assertGreaterThanOrEqual( 3, $selects, 'read in batches' );
		$this->assertStringNotContainsString( self::KEY, (string) wp_json_encode( $lines ) );
	}

	public function test_a_failed_queued_webhooks_detail_has_its_retry_button(): void {
		global $wpdb;
		$this->hook( 'add', 'ada@example.com', array( 'async' => 'true' ), array( 'X-Test-Queue-Only: 1' ) );
		$job = (int) $wpdb->get_var( 'SELECT MAX(id) FROM ' . Queue::table() ); // phpcs:ignore WordPress.DB
		$row = Log::query()['rows'][0];
		$this->assertSame( $job, $row['job_id'] );
		$this->assertStringNotContainsString( 'name="wpf-webhooks-retry"', $this->render_page( array( 'log' => (string) $row['id'] ) ), 'not while it waits' );
		$wpdb->update( Queue::table(), array( 'status' => 'failed', 'last_code' => 'crm_error' ), array( 'id' => $job ) );
		$html = $this->render_page( array( 'log' => (string) $row['id'] ) );
		$this->assertMatchesRegularExpression( '#name="action" value="' . LogPage::RETRY_ACTION . '">\s*<input type="hidden" name="job" value="' . $job . '">#', $html );
		$this->assertStringContainsString( 'name="wpf-webhooks-retry"', $html );
	}

	public function test_the_log_links_to_the_settings_page(): void {
		$this->assertStringContainsString( 'href="' . esc_url( admin_url( 'options-general.php?page=wpf-webhooks' ) ) . '">Settings → Webhooks</a>', $this->render_page() );
	}

	/**
	 * Without the extension, the answers the plugin gives itself are logged too, and its refusals counted.
	 *
	 * @group no-extension
	 */
	public function test_answers_without_the_extension_are_logged(): void {
		$this->hook( 'add', 'jane@example.com' );
		Site::webhook( array( 'wpf_action' => 'test', 'access_key' => 'offered-wrong-key-5' ), '' );
		Site::webhook( array( 'wpf_action' => 'add' ), str_repeat( 'x', 70000 ) );
		$rows = Log::query()['rows'];
		$this->assertSame( array( array( 'extension_missing', 503, 'add' ) ), array_map( fn( $r ) => array( $r['code'], $r['status'], $r['action'] ), $rows ) );
		$this->assertSame( array( 'forbidden' => 1, 'payload_too_large' => 1 ), Log::refusals_since( time() - DAY_IN_SECONDS ) );
		$dump = $this->dump();
		$this->assertStringNotContainsString( self::KEY, $dump );
		$this->assertStringNotContainsString( 'offered-wrong-key', $dump );
	}

	/**
	 * Every stored byte of the log's tables (the log and the refused requests' counts), as one string.
	 *
	 * @param string[] $tables Other tables instead.
	 */
	private function dump( array $tables = array() ): string {
		global $wpdb;
		$rows = array();
		foreach ( array() === $tables ? array( Log::table(), Log::refused_table() ) : $tables as $table ) {
			$rows[ $table ] = $wpdb->get_results( 'SELECT * FROM ' . $table, ARRAY_A ); // phpcs:ignore WordPress.DB
		}
		return (string) wp_json_encode( $rows, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
	}

	/**
	 * The size of the site's SQLite database file (0 on MariaDB). Read with stat(): opening the file here would
	 * drop this process's locks on it.
	 */
	private function sqlite_file_bytes(): int {
		$file = getenv( 'WPF_RUN' ) . '/db/.ht.sqlite';
		clearstatcache( true, $file );
		return is_file( $file ) ? (int) filesize( $file ) : 0;
	}

	/**
	 * The bytes of every value in the plugin's tables.
	 */
	private function stored_bytes(): int {
		global $wpdb;
		$bytes = 0;
		foreach ( $wpdb->get_col( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $wpdb->prefix . 'wpf_webhooks_' ) . '%' ) ) as $table ) {
			foreach ( $wpdb->get_results( 'SELECT * FROM ' . $table, ARRAY_N ) as $row ) { // phpcs:ignore WordPress.DB
				$bytes += array_sum( array_map( fn( $value ) => strlen( (string) $value ), $row ) );
			}
		}
		return $bytes;
	}

	/**
	 * The codes of all rows, newest first.
	 *
	 * @return string[]
	 */
	private function codes(): array {
		return array_column( Log::query( array( 'per_page' => 100 ) )['rows'], 'code' );
	}

	/**
	 * The SQL queries a function sends.
	 *
	 * @param callable $fn The function.
	 * @return string[]
	 */
	private function queries_of( callable $fn ): array {
		$queries = array();
		$count   = function ( $query ) use ( &$queries ) {
			$queries[] = $query;
			return $query;
		};
		add_filter( 'query', $count );
		try {
			$fn();
		} finally {
			remove_filter( 'query', $count );
		}
		return $queries;
	}

	/**
	 * The Tools page as an administrator sees it, with these query arguments.
	 *
	 * @param array $query Query arguments besides `page`.
	 */
	private function render_page( array $query = array() ): string {
		wp_set_current_user( 1 );
		$GLOBALS['hook_suffix'] = self::SCREEN;
		set_current_screen( self::SCREEN );
		$_GET                   = array_merge( array( 'page' => 'wpf-webhooks-log' ), $query );
		$_REQUEST               = $_GET;
		$_SERVER['HTTP_HOST']   = (string) wp_parse_url( home_url(), PHP_URL_HOST ) . ':' . wp_parse_url( home_url(), PHP_URL_PORT );
		$_SERVER['REQUEST_URI'] = '/wp-admin/tools.php?' . http_build_query( $_GET );
		ob_start();
		try {
			LogPage::render();
		} finally {
			$html = (string) ob_get_clean();
		}
		return $html;
	}

	/**
	 * Sets the request of a POST to admin-post.php.
	 *
	 * @param array $fields The form's fields besides `action`.
	 */
	private function post( array $fields ): void {
		$_POST    = array_merge( array( 'action' => LogPage::CLEAR_ACTION ), $fields );
		$_REQUEST = $_POST;
	}

	/**
	 * Turns wp_die() and redirects into exceptions for the rest of the test.
	 */
	private function intercept_die_and_redirect(): void {
		$die      = fn() => static function ( $message, $title = '', $args = array() ) {
			throw new DiedException( is_string( $message ) ? $message : '', (int) ( $args['response'] ?? 500 ) );
		};
		$redirect = static function ( $location ) {
			throw new RedirectedException( (string) $location );
		};
		foreach ( array( 'wp_die_handler' => $die, 'wp_redirect' => $redirect ) as $hook => $callback ) {
			add_filter( $hook, $callback, PHP_INT_MAX );
			$this->filters[] = array( $hook, $callback );
		}
	}

	/**
	 * Asserts that a call ends in wp_die() with this status.
	 *
	 * @param int      $status HTTP status.
	 * @param callable $call   The call.
	 */
	private function assertDies( int $status, callable $call ): void {
		try {
			ob_start();
			$call();
			$this->fail( 'wp_die() was not called' );
		} catch ( DiedException $e ) {
			$this->assertSame( $status, $e->getCode() );
		} finally {
			ob_end_clean();
		}
	}
}
