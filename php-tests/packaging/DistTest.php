<?php
/**
 * `make dist`: the plugin zip to upload in wp-admin.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

require_once __DIR__ . '/PackagingTestCase.php';

/**
 * The zip holds the plugin folder as WordPress expects it, with a readme.txt that agrees with the plugin.
 */
final class DistTest extends PackagingTestCase {

	/**
	 * Where the zip is written: a directory of this test's own.
	 *
	 * @var string
	 */
	private static string $dir;

	/**
	 * The zip's file names.
	 *
	 * @var list<string>
	 */
	private static array $files;

	public static function setUpBeforeClass(): void {
		self::$dir = sys_get_temp_dir() . '/wpf-dist-' . bin2hex( random_bytes( 4 ) );
		[ $status, $out ] = self::run_command( 'make -s -C ' . escapeshellarg( self::REPO ) . ' dist DIST_DIR=' . escapeshellarg( self::$dir ) );
		if ( 0 !== $status ) {
			self::fail( "make dist failed: $out" );
		}
		exec( 'unzip -Z1 ' . escapeshellarg( self::zip() ), $names );
		self::$files = $names;
	}

	public static function tearDownAfterClass(): void {
		exec( 'rm -rf ' . escapeshellarg( self::$dir ) );
	}

	private static function zip(): string {
		return self::$dir . '/wpf-webhooks-' . self::plugin_version() . '.zip';
	}

	/**
	 * A file of the zip.
	 *
	 * @param string $name Its name in the zip.
	 */
	private function member( string $name ): string {
		$pipes   = array();
		$process = proc_open( array( 'unzip', '-p', self::zip(), $name ), array( 1 => array( 'pipe', 'w' ) ), $pipes );
		$bytes   = (string) stream_get_contents( $pipes[1] );
		fclose( $pipes[1] );
		$this->assertSame( 0, proc_close( $process ), "unzip -p $name" );
		return $bytes;
	}

	/**
	 * The `Name: value` header fields of a readme.txt or a plugin header.
	 *
	 * @param string $text The text.
	 * @return array<string, string>
	 */
	private static function fields( string $text ): array {
		preg_match_all( '/^(?:[ \t\/*#@]*)([A-Z][A-Za-z ]+):[ \t]*(.+?)[ \t]*$/m', $text, $m, PREG_SET_ORDER );
		$fields = array();
		foreach ( $m as $match ) {
			$fields[ $match[1] ] ??= $match[2];
		}
		return $fields;
	}

	public function test_the_zip_is_named_after_the_version_and_holds_one_plugin_folder(): void {
		$this->assertNotSame( '', self::plugin_version() );
		$this->assertFileExists( self::zip() );
		$this->assertNotEmpty( self::$files );
		foreach ( self::$files as $name ) {
			$this->assertStringStartsWith( 'wpf-webhooks/', $name );
		}
		$this->assertContains( 'wpf-webhooks/wpf-webhooks.php', self::$files );
		$this->assertContains( 'wpf-webhooks/uninstall.php', self::$files );
		$this->assertContains( 'wpf-webhooks/readme.txt', self::$files );
	}

	public function test_the_zip_holds_the_plugins_files_as_they_are_and_no_test_files(): void {
		$test_file = '#(^|/)(tests?|phpunit[^/]*|[^/]*Test\.php|stubs)(/|$)#i';
		$source    = realpath( self::REPO . '/wp-plugin-shim' );
		$files     = new \RecursiveIteratorIterator( new \RecursiveDirectoryIterator( $source, \FilesystemIterator::SKIP_DOTS ) );
		$expected  = array();
		foreach ( $files as $file ) {
			$name = substr( $file->getPathname(), strlen( $source ) + 1 );
			if ( ! str_starts_with( $file->getFilename(), '.' ) && ! preg_match( $test_file, $name ) ) {
				$expected[] = "wpf-webhooks/$name";
			}
		}
		$actual = array_values( array_filter( self::$files, fn( $n ) => ! str_ends_with( $n, '/' ) ) );
		foreach ( $actual as $name ) {
			$this->assertDoesNotMatchRegularExpression( $test_file, $name, 'no test files in the plugin' );
			$this->assertSame( (string) file_get_contents( $source . substr( $name, strlen( 'wpf-webhooks' ) ) ), $this->member( $name ), "$name as in wp-plugin-shim" );
		}
		sort( $expected );
		sort( $actual );
		$this->assertSame( $expected, $actual, 'every file of the plugin' );
	}

	public function test_readme_txt_agrees_with_the_plugin_header(): void {
		$readme = $this->member( 'wpf-webhooks/readme.txt' );
		$header = self::fields( (string) strstr( $this->member( 'wpf-webhooks/wpf-webhooks.php' ), '*/', true ) );
		$fields = self::fields( $readme );
		$this->assertMatchesRegularExpression( '/^=== ' . preg_quote( $header['Plugin Name'], '/' ) . ' ===\n/', $readme );
		$this->assertSame( self::plugin_version(), $header['Version'] );
		$this->assertSame( $header['Version'], $fields['Stable tag'] ?? null, 'Stable tag = the plugin version' );
		$this->assertSame( $header['Requires at least'], $fields['Requires at least'] ?? null );
		$this->assertSame( $header['Requires PHP'], $fields['Requires PHP'] ?? null );
		$this->assertSame( $header['License'], $fields['License'] ?? null );
		$this->assertSame( '6.5', $fields['Tested up to'] ?? null, 'the WordPress the tests run on' );
		foreach ( array( 'Description', 'Installation', 'Frequently Asked Questions', 'Changelog' ) as $section ) {
			$this->assertStringContainsString( "\n== $section ==\n", $readme );
		}
		$this->assertStringContainsString( '= ' . self::plugin_version() . " =\n", $readme, 'a changelog entry for this version' );
	}

	public function test_every_php_file_of_the_zip_parses(): void {
		foreach ( self::$files as $name ) {
			if ( str_ends_with( $name, '.php' ) ) {
				$this->output( 'unzip -p ' . escapeshellarg( self::zip() ) . ' ' . escapeshellarg( $name ) . ' | php -n -l' );
			}
		}
	}
}
