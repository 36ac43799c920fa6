<?php
/**
 * Ring 3: a generated password exists only in the CRM and as WordPress's hash; a queued webhook's passwords
 * and credentials are stored nowhere.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Queue;
use WpfWebhooks\Settings;

/**
 * Byte scans of everything the site wrote.
 */
final class SecretsTest extends WebhookTestCase {

	/**
	 * The CRM credentials are settings and live in the options table; what must be nowhere are the generated
	 * passwords and the keys senders offered.
	 */
	public function test_generated_passwords_and_keys_appear_nowhere_but_as_a_hash(): void {
		$this->hook( 'add', 'jane@example.com', array( 'send_notification' => '1' ) );
		$this->hook( 'add', 'john.smith@example.com' );
		$this->hook( 'add', 'jane@example.com' );
		Site::webhook( array( 'wpf_action' => 'add', 'access_key' => self::KEY . 'x' ), '{"email":"jane@example.com"}' );
		$passwords = array_map( fn( $w ) => json_decode( $w['body'], true )['wp_password'], $this->password_writes() );
		$this->assertCount( 2, $passwords );
		foreach ( array( 'jane@example.com', 'john.smith@example.com' ) as $i => $login ) {
			$user = wp_authenticate( $login, $passwords[ $i ] );
			$this->assertInstanceOf( \WP_User::class, $user );
			$this->assertStringStartsWith( '$P$', $user->user_pass, 'stored as a phpass hash' );
		}
		$files = array_merge( self::database_files(), self::log_files() );
		$this->assertNotEmpty( array_filter( $files, fn( $f ) => str_contains( $f, '.ht.sqlite' ) || str_ends_with( $f, 'wp_users.ibd' ) ), 'the database files are scanned' );
		$this->assertSame( array(), self::files_containing( array_merge( $passwords, array( self::KEY . 'x' ) ), $files ) );
	}

	/**
	 * A queued webhook's body may carry passwords (the Return Password field, the field mapped to `user_pass`)
	 * and credentials: none of them is stored, neither when the webhook is queued nor after its job ran, for
	 * either CRM.
	 */
	public function test_queued_webhooks_store_no_password_or_credential_from_their_body(): void {
		global $wpdb;
		$crms = array(
			'customerio' => fn( array $secret ) => array( 'email' => 'jane@example.com' ) + $secret + array( 'attributes' => $secret ),
			'customerly' => fn( array $secret ) => array(
				'type' => 'user_tagged',
				'data' => array( 'user' => array( 'data' => array( 'email' => 'jane@example.com', 'attributes' => $secret ) + $secret ) ),
			),
		);
		$logs_before = array_map( 'filesize', array_combine( self::log_files(), self::log_files() ) );
		foreach ( $crms as $crm => $body ) {
			$this->configure( $this->crm_settings( $crm ) + array( 'field_map' => array( 'first_name' => 'first_name', 'user_pass' => 'chosen_word' ) ) );
			$credential = 'customerly' === $crm ? CustomerlyConformanceTest::TOKEN : self::$sandbox->settings( self::KEY )['customerio_app_key'];
			$passwords  = array( 'returned-' . wp_generate_password( 20, false ), 'mapped-' . wp_generate_password( 20, false ), 'plain-' . wp_generate_password( 20, false ) );
			$secret     = array(
				'wp_password' => $passwords[0],
				'chosen_word' => $passwords[1],
				'password'    => $passwords[2],
				'access_key'  => self::KEY,
				'note'        => 'key ' . self::KEY . ', credential ' . $credential,
			);
			$answer     = Site::webhook( array( 'wpf_action' => 'add', 'access_key' => self::KEY, 'async' => 'true' ), (string) wp_json_encode( $body( $secret ) ), array( 'X-Test-Queue-Only: 1' ) );
			$this->assertAnswer( 202, 'queued', $answer );
			$this->assertStoredNowhere( $passwords, array( self::KEY, $credential ), $logs_before, "$crm, queued" );
			$this->assertTrue( $this->run_cron_until( fn() => 0 === (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . Queue::table() ) ), "$crm: the job ran" ); // phpcs:ignore WordPress.DB
			$user = $this->user( 'jane@example.com' );
			$this->assertNotNull( $user, "$crm: the job created the user" );
			foreach ( $passwords as $password ) {
				$this->assertFalse( wp_check_password( $password, $user->user_pass, $user->ID ), "$crm: the body's password was not used" );
			}
			$this->assertStoredNowhere( $passwords, array( self::KEY, $credential ), $logs_before, "$crm, worked" );
			wp_delete_user( $user->ID );
		}
	}

	/**
	 * The signing secrets live in the settings only: not in the log (a body quoting them included), the queue,
	 * the deliveries or any log file, whether the signature was verified, refused or queued.
	 */
	public function test_signing_secrets_are_stored_only_in_the_settings(): void {
		$logs_before = array_map( 'filesize', array_combine( self::log_files(), self::log_files() ) );
		$secrets     = array( Sandbox::CIO_SIGNING_KEY, Sandbox::STANDARD_WEBHOOKS_SECRET, substr( Sandbox::STANDARD_WEBHOOKS_SECRET, strlen( 'whsec_' ) ) );
		$this->configure(
			array(
				'customerio_signing_key'   => $secrets[0],
				'standard_webhooks_secret' => $secrets[1],
			)
		);
		$body  = (string) wp_json_encode(
			array(
				'email' => 'jane@example.com',
				'note'  => "keys {$secrets[0]} and {$secrets[1]}",
			)
		);
		$query = array(
			'wpf_action' => 'add',
			'access_key' => self::KEY,
		);
		$codes = array();
		foreach ( array( array( 'customerio', array(), array() ), array( 'standard_webhooks', array( 'async' => 'true' ), array() ), array( 'customerio', array(), array( 'secret' => 'wrong' ) ) ) as [ $sign, $params, $options ] ) {
			$codes[] = Site::signed_webhook( self::$sandbox, $query + $params, $body, $sign, $options + array( 'headers' => array( 'X-Test-Queue-Only' => '1' ) ) )['json']['code'] ?? null;
		}
		$this->assertSame( array( 'created', 'queued', 'forbidden' ), $codes );
		$this->assertStoredNowhere( array(), $secrets, $logs_before, 'signed webhooks' );
	}

	/**
	 * Settings for one CRM, pointing at the sandbox.
	 *
	 * @param string $crm `customerio` or `customerly`.
	 */
	private function crm_settings( string $crm ): array {
		return 'customerio' === $crm ? array( 'crm' => 'customerio' ) : array(
			'crm'                => 'customerly',
			'customerly_token'   => CustomerlyConformanceTest::TOKEN,
			'customerly_api_url' => self::$sandbox->url . '/customerly/v1',
		);
	}

	/**
	 * Asserts that the passwords are in no file of the database and no log, and that neither they nor the
	 * credentials are in any table (a dump of every row: the files of MariaDB may lag behind its memory) but
	 * the settings' own option, nor in what the logs gained during this test (earlier tests' requests, sent
	 * with the key in their URLs, may be in them).
	 *
	 * @param string[]           $passwords   Strings that must be nowhere.
	 * @param string[]           $credentials Strings that must be only in the settings.
	 * @param array<string, int> $logs_before Each log's size when the test began.
	 * @param string             $when        For the failure message.
	 */
	private function assertStoredNowhere( array $passwords, array $credentials, array $logs_before, string $when ): void {
		global $wpdb;
		$this->assertSame( array(), self::files_containing( $passwords, self::database_files() ), "$when: database files" );
		$this->assertSame( array(), self::files_containing( $passwords, self::log_files() ), "$when: logs" );
		foreach ( self::log_files() as $log ) {
			$added = (string) file_get_contents( $log, false, null, $logs_before[ $log ] ?? 0 );
			foreach ( $credentials as $credential ) {
				$this->assertStringNotContainsString( $credential, $added, "$when: " . basename( $log ) );
			}
		}
		$tables = $wpdb->get_col( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $wpdb->prefix ) . '%' ) );
		$this->assertContains( Queue::table(), $tables );
		$this->assertContains( \WpfWebhooks\Log::table(), $tables );
		foreach ( $tables as $table ) {
			$rows = $wpdb->get_results( "SELECT * FROM {$table}", ARRAY_A ); // phpcs:ignore WordPress.DB
			foreach ( $rows as $row ) {
				if ( $wpdb->options === $table && Settings::OPTION === $row['option_name'] ) {
					continue;
				}
				$text = implode( "\n", array_map( 'strval', $row ) );
				foreach ( array_merge( $passwords, $credentials ) as $needle ) {
					$this->assertStringNotContainsString( $needle, $text, "$when: $table" );
				}
			}
		}
	}

	/**
	 * The files of the database: the SQLite file (and its journal) or MariaDB's data directory.
	 *
	 * @return string[]
	 */
	private static function database_files(): array {
		$run   = (string) getenv( 'WPF_RUN' );
		$globs = array( "$run/db/{,.}*", "$run/mariadb/*", "$run/mariadb/*/*" );
		$files = array_merge( ...array_map( fn( $g ) => glob( $g, GLOB_BRACE ) ?: array(), $globs ) );
		return array_values( array_filter( $files, 'is_file' ) );
	}

	/**
	 * The site's logs (nginx, php-fpm, PHP's error log, the test observer's), but the sandbox CRM's own.
	 *
	 * @return string[]
	 */
	private static function log_files(): array {
		$files = glob( getenv( 'WPF_RUN' ) . '/logs/{,.}*', GLOB_BRACE ) ?: array();
		return array_values( array_filter( $files, fn( $f ) => is_file( $f ) && 'sandbox.log' !== basename( $f ) ) );
	}

	/**
	 * The files holding any of the strings. grep reads them in its own process: opening and closing the
	 * SQLite file here would drop this process's POSIX locks on it and break its own database connection.
	 *
	 * @param string[] $needles Strings to look for.
	 * @param string[] $files   Files to read.
	 * @return string[] Base names of the files that hold one.
	 */
	private static function files_containing( array $needles, array $files ): array {
		if ( array() === $needles ) {
			return array(); // grep reads an empty pattern as one that every line holds.
		}
		$patterns = (string) tempnam( sys_get_temp_dir(), 'wpf-secrets' );
		file_put_contents( $patterns, implode( "\n", $needles ) . "\n" );
		exec( 'grep -a -l -F -f ' . escapeshellarg( $patterns ) . ' -- ' . implode( ' ', array_map( 'escapeshellarg', $files ) ), $hits );
		unlink( $patterns );
		return array_map( 'basename', $hits );
	}
}
