<?php
/**
 * Ring 3: WordPress's personal data tools (Tools → Export / Erase Personal Data) and the privacy policy guide, on
 * a person's webhook log rows, queued webhooks and CRM link.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Lock;
use WpfWebhooks\Log;
use WpfWebhooks\Privacy;
use WpfWebhooks\Queue;
use WpfWebhooks\QueueRunner;
use WpfWebhooks\Schema;

/**
 * The plugin's exporters, eraser and suggested policy text, called as WordPress calls them.
 */
final class PrivacyTest extends WebhookTestCase {

	const QUEUE_ONLY = array( 'X-Test-Queue-Only: 1' );

	protected function setUp(): void {
		parent::setUp();
		wp_clear_scheduled_hook( QueueRunner::CRON_HOOK );
	}

	protected function tearDown(): void {
		wp_clear_scheduled_hook( QueueRunner::CRON_HOOK );
		unset( $GLOBALS['current_screen'] );
		parent::tearDown();
	}

	public function test_the_exporters_and_the_eraser_are_registered_as_wordpress_lists_them(): void {
		$exporters = apply_filters( 'wp_privacy_personal_data_exporters', array() );
		$erasers   = apply_filters( 'wp_privacy_personal_data_erasers', array() );
		foreach ( array( Privacy::LOG_EXPORTER, Privacy::QUEUE_EXPORTER, Privacy::LINK_EXPORTER ) as $id ) {
			$this->assertArrayHasKey( $id, $exporters );
			$this->assertNotSame( '', $exporters[ $id ]['exporter_friendly_name'] );
			$this->assertIsCallable( $exporters[ $id ]['callback'] );
		}
		$this->assertArrayHasKey( Privacy::ERASER, $erasers );
		$this->assertNotSame( '', $erasers[ Privacy::ERASER ]['eraser_friendly_name'] );
		$this->assertIsCallable( $erasers[ Privacy::ERASER ]['callback'] );
	}

	public function test_the_log_is_exported_page_by_page_by_email_in_any_case_and_no_one_elses(): void {
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'jane@example.com', array(), array( 'X-CIO-Delivery-Id: dlv-privacy-1' ) ) );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'john.smith@example.com' ) ); // Logged as the CRM has it: John.Smith@Example.com.
		$this->assertAnswer( 202, 'queued', $this->hook( 'update_tags', 'JANE@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		for ( $i = 1; $i <= 2 * Privacy::PER_PAGE + 10; $i++ ) {
			Log::record( array( 'action' => 'update', 'code' => 'updated', 'status' => 200, 'contact' => 0 === $i % 2 ? 'Jane@Example.COM' : 'jane@example.com', 'message' => "jane {$i}" ) );
			Log::record( array( 'action' => 'update', 'code' => 'updated', 'status' => 200, 'contact' => "other{$i}@example.com", 'message' => 'not jane' ) );
		}
		$jane = $this->log_ids_of( 'jane@example.com' );
		$this->assertCount( 2 * Privacy::PER_PAGE + 10 + 2, $jane, 'the two webhooks of jane, in both spellings, and the recorded rows' );

		[ $items, $pages ] = $this->export( Privacy::LOG_EXPORTER, 'jAnE@example.com' );
		$this->assertSame( 3, $pages, 'pages of at most ' . Privacy::PER_PAGE );
		$this->assertSame( $jane, array_map( fn( $item ) => (int) substr( $item['item_id'], strlen( 'wpf-webhooks-log-' ) ), $items ), 'every row of hers once, oldest first' );
		foreach ( $items as $item ) {
			$this->assertSame( 'wpf-webhooks-log', $item['group_id'] );
			$this->assertSame( 'Webhook log', $item['group_label'] );
			$this->assertStringNotContainsString( 'not jane', (string) wp_json_encode( $item ) );
		}
		$first = $this->fields( $items[0] );
		$this->assertSame( array( 'Time', 'Action', 'Contact', 'Result', 'HTTP status', 'Message', 'Delivery key', 'Request (redacted)' ), array_keys( $first ) );
		$row = Log::get( $jane[0] );
		$this->assertSame( \WpfWebhooks\Admin\LogPage::time( $row['created_at'] ), $first['Time'] );
		$this->assertSame( array( 'add', 'jane@example.com', 'created', '200', 'The user was created.', hash( 'sha256', 'dlv-privacy-1' ) ), array( $first['Action'], $first['Contact'], $first['Result'], $first['HTTP status'], $first['Message'], $first['Delivery key'] ) );
		$request = json_decode( $first['Request (redacted)'], true );
		$this->assertSame( $row['request'], $request, 'the request as the log keeps it' );
		$this->assertSame( '[redacted]', $request['query']['access_key'] );
		$queued = $this->fields( $items[1] );
		$this->assertSame( array( 'update_tags', 'queued', '202' ), array( $queued['Action'], $queued['Result'], $queued['HTTP status'] ) );
		$this->assertMatchesRegularExpression( '/^#\d+$/', $queued['Queue job'] );
		$this->assertStringNotContainsString( self::KEY, (string) wp_json_encode( $items ), 'no key' );

		[ $john ] = $this->export( Privacy::LOG_EXPORTER, 'john.smith@example.com' );
		$this->assertCount( 1, $john, 'a row stored as the CRM spells the address is found by the address in lower case' );
		$this->assertSame( 'John.Smith@Example.com', $this->fields( $john[0] )['Contact'] );
		$this->assertSame( array( array(), 1 ), $this->export( Privacy::LOG_EXPORTER, 'nobody@example.com' ) );
	}

	public function test_queued_webhooks_are_exported_waiting_running_and_failed_as_the_log_page_shows_them(): void {
		global $wpdb;
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'jane@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'update', 'Jane@Example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'update_tags', 'jane@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'add', 'ada@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$ids = array_map( 'intval', $wpdb->get_col( 'SELECT id FROM ' . Queue::table() . ' ORDER BY id' ) ); // phpcs:ignore WordPress.DB
		$wpdb->update( Queue::table(), array( 'status' => 'failed', 'attempts' => 6, 'last_code' => 'crm_unavailable', 'last_message' => 'The CRM did not answer.' ), array( 'id' => $ids[1] ) );
		$wpdb->update( Queue::table(), array( 'status' => 'running', 'attempts' => 1 ), array( 'id' => $ids[2] ) );
		$this->push_jobs( 'jane@example.com', Privacy::PER_PAGE );
		$this->push_jobs( 'ada@example.com', 5 );

		[ $items, $pages ] = $this->export( Privacy::QUEUE_EXPORTER, 'JANE@EXAMPLE.COM' );
		$this->assertSame( 2, $pages );
		$this->assertCount( Privacy::PER_PAGE + 3, $items );
		$this->assertSame( array( 'wpf-webhooks-queue-' . $ids[0], 'wpf-webhooks-queue-' . $ids[1], 'wpf-webhooks-queue-' . $ids[2] ), array_slice( array_column( $items, 'item_id' ), 0, 3 ) );
		$this->assertSame( array( 'Queued webhooks' ), array_values( array_unique( array_column( $items, 'group_label' ) ) ) );
		$fields = array_map( array( $this, 'fields' ), array_slice( $items, 0, 3 ) );
		$this->assertSame( array( 'Queued', 'Action', 'Contact', 'Status', 'Attempts' ), array_keys( $fields[0] ), 'no stored request: the log page shows none (the log entry of its arrival holds it)' );
		$this->assertSame( array( 'add', 'jane@example.com', 'Waiting', '0' ), array( $fields[0]['Action'], $fields[0]['Contact'], $fields[0]['Status'], $fields[0]['Attempts'] ) );
		$this->assertSame( array( 'Jane@Example.com', 'Failed', '6', 'crm_unavailable: The CRM did not answer.' ), array( $fields[1]['Contact'], $fields[1]['Status'], $fields[1]['Attempts'], $fields[1]['Last result'] ) );
		$this->assertSame( 'Being processed', $fields[2]['Status'] );
		$this->assertStringNotContainsString( 'ada@', (string) wp_json_encode( $items ) );
		$this->assertSame( array( array(), 1 ), $this->export( Privacy::QUEUE_EXPORTER, 'nobody@example.com' ) );
	}

	public function test_the_crm_link_of_the_users_account_is_exported(): void {
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'jane@example.com' ) );
		$user = $this->user( 'jane@example.com' );
		update_user_meta( $user->ID, 'customer-io_tags', array( 'VIP', 'Buyers' ) );

		[ $items, $pages ] = $this->export( Privacy::LINK_EXPORTER, 'JANE@example.com' );
		$this->assertSame( 1, $pages );
		$this->assertCount( 1, $items );
		$this->assertSame( array( 'wpf-webhooks-crm-link', 'CRM link (wpf-webhooks)', 'wpf-webhooks-crm-link-' . $user->ID ), array( $items[0]['group_id'], $items[0]['group_label'], $items[0]['item_id'] ) );
		$this->assertSame(
			array(
				'Customer.io contact id' => 'jane@example.com',
				'Customer.io tags'       => 'VIP, Buyers',
			),
			$this->fields( $items[0] )
		);
		wp_insert_user( array( 'user_login' => 'ada', 'user_email' => 'ada@example.com', 'user_pass' => wp_generate_password() ) );
		$this->assertSame( array( array(), 1 ), $this->export( Privacy::LINK_EXPORTER, 'ada@example.com' ), 'a user the CRM never linked' );
		$this->assertSame( array( array(), 1 ), $this->export( Privacy::LINK_EXPORTER, 'nobody@example.com' ) );
	}

	public function test_the_eraser_deletes_the_persons_log_rows_and_queued_webhooks_page_by_page_and_nothing_else(): void {
		global $wpdb;
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'jane@example.com' ) );
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'john.smith@example.com' ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'update', 'Jane@Example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		$this->assertAnswer( 202, 'queued', Site::webhook( array( 'wpf_action' => 'update', 'access_key' => self::KEY, 'async' => 'true' ), '{"id":"cio_5eed000000000001"}', self::QUEUE_ONLY ) );
		$this->assertAnswer( 202, 'queued', $this->hook( 'update', 'john.smith@example.com', array( 'async' => 'true' ), self::QUEUE_ONLY ) );
		for ( $i = 1; $i <= Privacy::PER_PAGE + 20; $i++ ) {
			Log::record( array( 'code' => 'updated', 'contact' => 0 === $i % 2 ? 'JANE@example.com' : 'jane@example.com' ) );
		}
		$this->push_jobs( 'jane@example.com', Privacy::PER_PAGE + 5 );
		$wpdb->update( Queue::table(), array( 'status' => 'failed' ), array( 'contact' => 'Jane@Example.com' ) );
		$wpdb->query( $wpdb->prepare( 'UPDATE ' . Queue::table() . " SET status = 'running' WHERE id = %d", max( array_keys( $this->jobs_of( 'jane@example.com' ) ) ) ) ); // phpcs:ignore WordPress.DB
		$jane  = $this->user( 'jane@example.com' );
		$meta  = get_user_meta( $jane->ID );
		$john  = $this->log_ids_of( 'john.smith@example.com' );
		$other = $this->jobs_of( 'cio_5eed000000000001' ) + $this->jobs_of( 'john.smith@example.com' );
		$this->assertCount( 2, $other );

		$eraser  = apply_filters( 'wp_privacy_personal_data_erasers', array() )[ Privacy::ERASER ]['callback'];
		$answers = array();
		for ( $page = 1; $page <= 10; $page++ ) {
			$answers[] = $eraser( 'Jane@EXAMPLE.com', $page );
			$this->assertSame( array( 'items_removed', 'items_retained', 'messages', 'done' ), array_keys( end( $answers ) ) );
			if ( end( $answers )['done'] ) {
				break;
			}
		}
		$this->assertSame( 2, count( $answers ), 'batches of at most ' . Privacy::PER_PAGE . ' rows of each table' );
		$this->assertSame( array( true, true ), array_column( $answers, 'items_removed' ) );
		$this->assertSame( array( false, true ), array_column( $answers, 'items_retained' ), 'her account\'s CRM link is kept' );
		$messages = array_merge( ...array_column( $answers, 'messages' ) );
		$this->assertContains( sprintf( '%d queued webhooks (waiting, being processed or failed) were deleted: they will not run.', Privacy::PER_PAGE ), $messages );
		$this->assertContains( '6 queued webhooks (waiting, being processed or failed) were deleted: they will not run.', $messages );
		$this->assertContains( '1 of them was being processed at that moment: its worker may still finish it and log the result, so erase again in a few minutes.', $messages );
		$this->assertContains( sprintf( '%d webhook log entries were deleted.', Privacy::PER_PAGE ), $messages );
		$this->assertContains( '22 webhook log entries were deleted.', $messages );
		$this->assertContains( 'The user account\'s link to the CRM (its contact id and tags) was kept: it belongs to the account, and deleting the user (Users → Delete) removes it.', $messages );

		$this->assertSame( array(), $this->log_ids_of( 'jane@example.com' ) );
		$this->assertSame( array(), $this->jobs_of( 'jane@example.com' ) );
		$this->assertSame( $john, $this->log_ids_of( 'john.smith@example.com' ), 'other people\'s rows stay' );
		$this->assertSame( $other, $this->jobs_of( 'cio_5eed000000000001' ) + $this->jobs_of( 'john.smith@example.com' ), 'a job naming her by a CRM id is not found by her email, nor anyone else\'s' );
		wp_cache_flush();
		$this->assertEquals( $meta, get_user_meta( $jane->ID ), 'user meta is the account\'s: kept' );

		$again = $eraser( 'jane@example.com', 1 );
		$this->assertSame( array( false, true, true ), array( $again['items_removed'], $again['items_retained'], $again['done'] ) );
		wp_delete_user( $jane->ID );
		$this->assertSame(
			array(
				'items_removed'  => false,
				'items_retained' => false,
				'messages'       => array(),
				'done'           => true,
			),
			$eraser( 'jane@example.com', 1 ),
			'nothing of hers left'
		);
	}

	public function test_an_empty_or_invalid_address_matches_no_row(): void {
		Log::record( array( 'code' => 'bad_request', 'contact' => '' ) );
		$this->push_jobs( '', 1 );
		foreach ( array( '', 'not an email' ) as $email ) {
			$this->assertSame( array( array(), 1 ), $this->export( Privacy::LOG_EXPORTER, $email ) );
			$this->assertSame( array( array(), 1 ), $this->export( Privacy::QUEUE_EXPORTER, $email ) );
			$erased = apply_filters( 'wp_privacy_personal_data_erasers', array() )[ Privacy::ERASER ]['callback']( $email, 1 );
			$this->assertFalse( $erased['items_removed'] );
		}
		$this->assertSame( 1, Log::query()['total'] );
		$this->assertSame( 1, array_sum( Queue::counts() ) );
	}

	public function test_a_database_error_is_the_tools_error_not_an_empty_answer(): void {
		Log::record( array( 'code' => 'ok', 'contact' => 'ida@example.com' ) );
		$this->push_jobs( 'ida@example.com', 1 );
		global $wpdb;
		$quiet = $wpdb->suppress_errors( true ); // The failures are on purpose: not for the PHP error log RequestTest reads.
		foreach ( array( Log::table(), Queue::table() ) as $table ) {
			$fail = static fn( $query ) => str_contains( (string) $query, "FROM {$table} WHERE contact = " ) ? 'SELECT id FROM wpf_webhooks_no_such_table' : $query;
			add_filter( 'query', $fail );
			try {
				$exporter = Log::table() === $table ? Privacy::LOG_EXPORTER : Privacy::QUEUE_EXPORTER;
				$this->assertInstanceOf( \WP_Error::class, apply_filters( 'wp_privacy_personal_data_exporters', array() )[ $exporter ]['callback']( 'ida@example.com', 1 ), $table );
				$this->assertInstanceOf( \WP_Error::class, apply_filters( 'wp_privacy_personal_data_erasers', array() )[ Privacy::ERASER ]['callback']( 'ida@example.com', 1 ), $table );
			} finally {
				remove_filter( 'query', $fail );
			}
		}
		$wpdb->suppress_errors( $quiet );
		$this->assertSame( 1, count( $this->log_ids_of( 'ida@example.com' ) ), 'the log row is still there: the eraser did not say it was done' );
	}

	public function test_the_lookups_use_the_contact_index_of_each_table(): void {
		global $wpdb;
		for ( $i = 1; $i <= 200; $i++ ) {
			Log::record( array( 'code' => 'ok', 'contact' => "other{$i}@example.com" ) );
		}
		$this->push_jobs( 'other@example.com', 200 );
		Log::record( array( 'code' => 'ok', 'contact' => 'ida@example.com' ) );
		$this->push_jobs( 'ida@example.com', 1 );
		$queries = array();
		$capture = function ( $query ) use ( &$queries ) {
			if ( str_starts_with( ltrim( (string) $query ), 'SELECT' ) ) {
				$queries[] = (string) $query;
			}
			return $query;
		};
		add_filter( 'query', $capture );
		try {
			$this->export( Privacy::LOG_EXPORTER, 'ida@example.com' );
			$this->export( Privacy::QUEUE_EXPORTER, 'ida@example.com' );
		} finally {
			remove_filter( 'query', $capture );
		}
		$lookups = array_values( array_filter( $queries, fn( $q ) => str_contains( $q, Log::table() ) || str_contains( $q, Queue::table() ) ) );
		$this->assertCount( 4, $lookups, 'two queries a page: the ids, then their rows' );
		$this->assertCount( 2, preg_grep( '/WHERE id IN \(\d+\) ORDER BY id$/', $lookups ), 'the rows by their ids' );
		$lookups = array_values( preg_grep( '/WHERE contact = /', $lookups ) );
		foreach ( array( Log::table(), Queue::table() ) as $table ) {
			$this->assertContains( 'contact', $this->index_names( $table ) );
			if ( Lock::uses_sqlite() ) {
				$this->assertMatchesRegularExpression( '/USING (COVERING )?INDEX \S*contact\S* \(contact=\?\)/', $this->sqlite_plan( "SELECT id FROM {$table} WHERE contact = 'IDA@example.com' ORDER BY id LIMIT 100 OFFSET 0" ) );
			}
		}
		if ( ! Lock::uses_sqlite() ) {
			foreach ( array( Log::table(), Queue::table() ) as $table ) {
				$wpdb->query( "ANALYZE TABLE {$table}" ); // phpcs:ignore WordPress.DB -- statistics as a table in use has them, not those of its empty start.
			}
			foreach ( $lookups as $query ) {
				$plan = $wpdb->get_row( 'EXPLAIN ' . $query, ARRAY_A ); // phpcs:ignore WordPress.DB
				$this->assertSame( 'contact', $plan['key'], $query );
				$this->assertContains( $plan['type'], array( 'ref', 'range' ), $query );
				$this->assertLessThan( 10, (int) $plan['rows'], 'the rows of the one contact, not the table' );
			}
		}
	}

	public function test_tables_of_schema_7_are_upgraded_with_the_contact_index_and_keep_their_rows(): void {
		global $wpdb;
		$charset = $wpdb->get_charset_collate();
		$log     = Log::table();
		$queue   = Queue::table();
		$wpdb->query( "DROP TABLE {$log}" ); // phpcs:ignore WordPress.DB
		$wpdb->query( "DROP TABLE {$queue}" ); // phpcs:ignore WordPress.DB
		$wpdb->query( "CREATE TABLE {$log} (id bigint(20) unsigned NOT NULL AUTO_INCREMENT, created_at bigint(20) unsigned NOT NULL, action varchar(20) NOT NULL DEFAULT '', contact varchar(254) NOT NULL DEFAULT '', code varchar(32) NOT NULL DEFAULT '', status smallint(5) unsigned NOT NULL DEFAULT 0, duration_ms int(10) unsigned NOT NULL DEFAULT 0, user_id bigint(20) unsigned NULL, delivery_key char(64) NULL, job_id bigint(20) unsigned NULL, signature varchar(16) NOT NULL DEFAULT '', message text NOT NULL, warnings text NOT NULL, request mediumtext NOT NULL, PRIMARY KEY  (id), KEY created_at (created_at), KEY code (code), KEY action (action)) {$charset}" ); // phpcs:ignore WordPress.DB
		$wpdb->query( "CREATE TABLE {$queue} (id bigint(20) unsigned NOT NULL AUTO_INCREMENT, created_at bigint(20) unsigned NOT NULL, run_at bigint(20) unsigned NOT NULL, status varchar(10) NOT NULL DEFAULT 'pending', attempts smallint(5) unsigned NOT NULL DEFAULT 0, lease_until bigint(20) unsigned NOT NULL DEFAULT 0, claimed_by varchar(100) NOT NULL DEFAULT '', action varchar(20) NOT NULL DEFAULT '', contact varchar(254) NOT NULL DEFAULT '', delivery_key char(64) NULL, last_code varchar(32) NOT NULL DEFAULT '', last_message text NULL, request mediumtext NOT NULL, PRIMARY KEY  (id), UNIQUE KEY delivery_key (delivery_key), KEY due (status,run_at)) {$charset}" ); // phpcs:ignore WordPress.DB
		$wpdb->query( "INSERT INTO {$log} (created_at, action, contact, code, status, message, warnings, request) VALUES (" . time() . ", 'add', 'Jane@Example.com', 'created', 200, 'before', '[]', '{}')" ); // phpcs:ignore WordPress.DB
		$wpdb->query( "INSERT INTO {$queue} (created_at, run_at, action, contact, request) VALUES (" . time() . ', ' . time() . ", 'update', 'jane@example.com', '{}')" ); // phpcs:ignore WordPress.DB
		update_option( Schema::VERSION_OPTION, 7 );
		$this->assertNotContains( 'contact', $this->index_names( $log ) );
		$shown = $wpdb->show_errors( true );
		ob_start();
		try {
			Schema::upgrade();
		} finally {
			$output = (string) ob_get_clean();
			$wpdb->show_errors( $shown );
		}
		$this->assertSame( '', $output, 'no database error' );
		$this->assertSame( Schema::VERSION, (int) get_option( Schema::VERSION_OPTION ) );
		foreach ( array( $log, $queue ) as $table ) {
			$this->assertContains( 'contact', $this->index_names( $table ), $table );
		}
		$this->assertSame( array( 'before' ), array_column( Log::query()['rows'], 'message' ) );
		$this->assertCount( 1, $this->export( Privacy::LOG_EXPORTER, 'jane@example.com' )[0] );
		$this->assertCount( 1, $this->export( Privacy::QUEUE_EXPORTER, 'jane@example.com' )[0] );
	}

	/**
	 * On a network each site has its own log and queue, and the tools of one site reach its own rows only.
	 *
	 * @group multisite
	 */
	public function test_on_a_network_each_sites_tools_reach_that_sites_log_and_queue_only(): void {
		$this->assertAnswer( 200, 'created', $this->hook( 'add', 'jane@example.com' ) );
		$this->push_jobs( 'jane@example.com', 1 );
		$second = get_site_by_path( wp_parse_url( getenv( 'WPF_SITE_URL' ), PHP_URL_HOST ) . ':' . wp_parse_url( getenv( 'WPF_SITE_URL' ), PHP_URL_PORT ), '/site2/' );
		$this->assertNotFalse( $second, 'the test network has /site2/' );
		$on_second = function ( callable $call ) use ( $second ) {
			switch_to_blog( (int) $second->blog_id );
			try {
				return $call();
			} finally {
				restore_current_blog();
			}
		};
		$on_second(
			function () {
				Schema::upgrade();
				Log::clear();
				Log::record( array( 'code' => 'updated', 'contact' => 'Jane@example.com', 'message' => 'on the second site' ) );
				$this->push_jobs( 'jane@example.com', 1 );
			}
		);

		try {
			$this->assertSame( array( 'The user was created.' ), array_map( fn( $i ) => $this->fields( $i )['Message'], $this->export( Privacy::LOG_EXPORTER, 'jane@example.com' )[0] ) );
			$erased = apply_filters( 'wp_privacy_personal_data_erasers', array() )[ Privacy::ERASER ]['callback']( 'jane@example.com', 1 );
			$this->assertSame( array( '1 queued webhook (waiting, being processed or failed) was deleted: it will not run.', '1 webhook log entry was deleted.' ), array_slice( $erased['messages'], 0, 2 ) );
			$this->assertSame( array( array(), 1 ), $this->export( Privacy::QUEUE_EXPORTER, 'jane@example.com' ) );

			[ $log, $queue ] = $on_second( fn() => array( $this->export( Privacy::LOG_EXPORTER, 'jane@example.com' )[0], $this->export( Privacy::QUEUE_EXPORTER, 'jane@example.com' )[0] ) );
			$this->assertSame( array( 'on the second site' ), array_map( fn( $i ) => $this->fields( $i )['Message'], $log ), 'the second site\'s rows stay, for its own tools' );
			$this->assertCount( 1, $queue );
		} finally {
			$on_second(
				function () {
					global $wpdb;
					Log::clear();
					$wpdb->query( 'DELETE FROM ' . Queue::table() ); // phpcs:ignore WordPress.DB
				}
			);
		}
	}

	public function test_the_privacy_policy_guide_gets_a_suggested_text_with_the_sites_settings(): void {
		$this->configure( array( 'log_retention_days' => 14, 'log_max_rows' => 2500 ) );
		require_once ABSPATH . 'wp-admin/includes/class-wp-privacy-policy-content.php';
		global $wp_filter;
		$priority = has_action( 'admin_init', array( Privacy::class, 'add_policy_content' ) );
		$this->assertIsInt( $priority, 'hooked on admin_init, where WordPress takes suggested texts' );
		set_current_screen( 'options-privacy' ); // In wp-admin.
		$hooked                  = $wp_filter['admin_init'];
		$wp_filter['admin_init'] = new \WP_Hook(); // Only this plugin's: WordPress's own would ask WordPress.org for updates.
		add_action( 'admin_init', array( Privacy::class, 'add_policy_content' ), $priority );
		try {
			do_action( 'admin_init' );
		} finally {
			$wp_filter['admin_init'] = $hooked; // phpcs:ignore WordPress.WP.GlobalVariablesOverride
		}
		$ours = array_values( array_filter( \WP_Privacy_Policy_Content::get_suggested_policy_text(), fn( $p ) => 'wpf-webhooks' === $p['plugin_name'] ) );
		$this->assertCount( 1, $ours );
		$text = wp_strip_all_tags( $ours[0]['policy_text'] );
		foreach ( array(
			'Customer.io',
			'14 days',
			'2,500',
			'7 days',
			'generated password',
			'contact id',
			'tags',
			'our processor',
			'a CRM id',
		) as $part ) {
			$this->assertStringContainsString( $part, $text );
		}
		$this->assertStringNotContainsString( self::KEY, $ours[0]['policy_text'] );
	}

	/**
	 * Calls an exporter as WordPress does, page after page until it is done.
	 *
	 * @param string $id    The exporter's key.
	 * @param string $email The address asked for.
	 * @return array{0: array[], 1: int} The items of every page, and the number of pages.
	 */
	private function export( string $id, string $email ): array {
		$exporter = apply_filters( 'wp_privacy_personal_data_exporters', array() )[ $id ]['callback'];
		$items    = array();
		for ( $page = 1; $page <= 20; $page++ ) {
			$answer = $exporter( $email, $page );
			$this->assertSame( array( 'data', 'done' ), array_keys( $answer ) );
			$this->assertLessThanOrEqual( Privacy::PER_PAGE, count( $answer['data'] ) );
			$items = array_merge( $items, $answer['data'] );
			if ( $answer['done'] ) {
				return array( $items, $page );
			}
		}
		$this->fail( 'the exporter was never done' );
	}

	/**
	 * An exported item's data, name => value.
	 *
	 * @param array $item The item.
	 * @return array<string, string>
	 */
	private function fields( array $item ): array {
		return array_column( $item['data'], 'value', 'name' );
	}

	/**
	 * Stores jobs for a contact through the queue's own store, as async webhooks would.
	 *
	 * @param string $contact The contact, as a sender named it.
	 * @param int    $count   How many.
	 */
	private function push_jobs( string $contact, int $count ): void {
		for ( $i = 0; $i < $count; $i++ ) {
			$queued = array(
				'action'       => 'update_tags',
				'contact'      => $contact,
				'delivery_key' => null,
				'request'      => array(
					'method' => 'POST',
					'body'   => array( 'email' => $contact ),
				),
			);
			$this->assertSame( 'queued', Queue::push( $queued )[0]->code );
		}
	}

	/**
	 * The ids of the log rows of a contact, in the database's own comparison, oldest first.
	 *
	 * @param string $contact The contact.
	 * @return int[]
	 */
	private function log_ids_of( string $contact ): array {
		global $wpdb;
		return array_map( 'intval', $wpdb->get_col( $wpdb->prepare( 'SELECT id FROM ' . Log::table() . ' WHERE LOWER(contact) = LOWER(%s) ORDER BY id', $contact ) ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * The ids of the jobs of a contact, id => status.
	 *
	 * @param string $contact The contact.
	 * @return array<int, string>
	 */
	private function jobs_of( string $contact ): array {
		global $wpdb;
		return array_column( $wpdb->get_results( $wpdb->prepare( 'SELECT id, status FROM ' . Queue::table() . ' WHERE LOWER(contact) = LOWER(%s) ORDER BY id', $contact ), ARRAY_A ), 'status', 'id' ); // phpcs:ignore WordPress.DB
	}

	/**
	 * The names of a table's indexes.
	 *
	 * @param string $table The table.
	 * @return string[]
	 */
	private function index_names( string $table ): array {
		global $wpdb;
		return array_values( array_unique( array_column( $wpdb->get_results( "SHOW INDEX FROM {$table}", ARRAY_A ), 'Key_name' ) ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * SQLite's plan of a query, asked of the database under the drop-in.
	 *
	 * @param string $sql The query, in SQLite's dialect.
	 */
	private function sqlite_plan( string $sql ): string {
		global $wpdb;
		$plan = $wpdb->dbh->get_connection()->get_pdo()->query( 'EXPLAIN QUERY PLAN ' . $sql )->fetchAll( \PDO::FETCH_COLUMN, 3 );
		return implode( "\n", $plan );
	}
}
