<?php
/**
 * Ring 3: a generated password exists only in the CRM and as WordPress's hash.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

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
		$run   = (string) getenv( 'WPF_RUN' );
		$globs = array( "$run/db/{,.}*", "$run/mariadb/*", "$run/mariadb/*/*", "$run/logs/{,.}*" );
		$files = array_merge( ...array_map( fn( $g ) => glob( $g, GLOB_BRACE ) ?: array(), $globs ) );
		$files = array_values( array_filter( $files, fn( $f ) => is_file( $f ) && 'sandbox.log' !== basename( $f ) ) );
		$this->assertNotEmpty( array_filter( $files, fn( $f ) => str_contains( $f, '.ht.sqlite' ) || str_ends_with( $f, 'wp_users.ibd' ) ), 'the database files are scanned' );
		$this->assertSame( array(), self::files_containing( array_merge( $passwords, array( self::KEY . 'x' ) ), $files ) );
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
		$patterns = (string) tempnam( sys_get_temp_dir(), 'wpf-secrets' );
		file_put_contents( $patterns, implode( "\n", $needles ) . "\n" );
		exec( 'grep -a -l -F -f ' . escapeshellarg( $patterns ) . ' -- ' . implode( ' ', array_map( 'escapeshellarg', $files ) ), $hits );
		unlink( $patterns );
		return array_map( 'basename', $hits );
	}
}
