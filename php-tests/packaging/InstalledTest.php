<?php
/**
 * After `make install`: the machine's PHP loads the extension the Debian way (run by scripts/test.sh with
 * --group installed, between its `make install` and `make uninstall`).
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

require_once __DIR__ . '/PackagingTestCase.php';

/**
 * The installed extension, as `php -m`, `php --re`, `php -i` and php-fpm see it.
 *
 * @group installed
 */
final class InstalledTest extends PackagingTestCase {

	public function test_the_files_are_where_debian_keeps_them(): void {
		$paths = $this->install_paths();
		$this->assertFileExists( $paths['so'] );
		$this->assertSame( '0644', substr( sprintf( '%o', fileperms( $paths['so'] ) ), -4 ) );
		$this->assertFileEquals( self::REPO . '/packaging/wpf_webhooks.ini', $paths['ini'] );
		foreach ( array( 'cli', 'fpm' ) as $sapi ) {
			$link = "{$paths['conf']}/$sapi/conf.d/20-wpf_webhooks.ini";
			$this->assertTrue( is_link( $link ), "phpenmod linked $link" );
			$this->assertSame( $paths['ini'], readlink( $link ) );
		}
	}

	public function test_php_m_lists_it_once_and_loads_it_without_a_warning(): void {
		$modules = explode( "\n", $this->system_php( '-m' ) );
		$this->assertSame( 1, count( array_keys( $modules, 'wpf_webhooks', true ) ) );
		$this->assertSame( '', $this->system_php( '-r ' . escapeshellarg( '' ) ), 'no "already loaded" or start-up warning' );
		$this->assertSame( self::plugin_version(), $this->system_php( '-r ' . escapeshellarg( 'echo phpversion("wpf_webhooks");' ) ) );
	}

	public function test_php_re_shows_every_function(): void {
		$re = $this->system_php( '--re wpf_webhooks' );
		$this->assertStringContainsString( 'extension #', $re );
		$this->assertNotEmpty( self::stub_functions() );
		foreach ( self::stub_functions() as $function ) {
			$this->assertStringContainsString( "function $function ]", $re );
		}
	}

	public function test_phpinfo_shows_the_version_the_php_api_and_the_limits(): void {
		$info = $this->system_php( '-i' );
		$this->assertStringContainsString( "wpf_webhooks support => enabled\n", $info );
		$this->assertStringContainsString( 'Version => ' . self::plugin_version() . "\n", $info );
		$this->assertStringContainsString( 'Built for PHP API => ' . trim( $this->output( 'php-config --phpapi' ) ) . "\n", $info );
		$this->assertStringContainsString( "Request body limit => 65536 bytes\n", $info );
		$this->assertStringContainsString( 'INI settings => none', $info );
	}

	public function test_php_fpm_loads_it(): void {
		$this->assertContains( 'wpf_webhooks', explode( "\n", $this->system_php( '-m', $this->fpm_binary() ) ) );
	}
}
