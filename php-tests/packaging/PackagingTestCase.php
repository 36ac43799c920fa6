<?php
/**
 * Packaging tests: what `make dist`, `make install` and `make uninstall` leave behind, looked at with the
 * machine's own tools. This process runs without the extension; the PHP it inspects is the system's, run with
 * its own configuration (no PHP_INI_SCAN_DIR of a caller).
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use PHPUnit\Framework\TestCase;

/**
 * Commands and facts shared by the packaging tests.
 */
abstract class PackagingTestCase extends TestCase {

	const REPO = __DIR__ . '/../..';

	/**
	 * Runs a shell command; its output (stdout and stderr) as one string, and its exit status.
	 *
	 * @param string $command The command.
	 * @return array{0: int, 1: string}
	 */
	protected static function run_command( string $command ): array {
		exec( $command . ' 2>&1', $out, $status );
		return array( $status, implode( "\n", $out ) );
	}

	/**
	 * The output of a command that must succeed.
	 *
	 * @param string $command The command.
	 */
	protected function output( string $command ): string {
		[ $status, $out ] = self::run_command( $command );
		$this->assertSame( 0, $status, "$command: $out" );
		return $out;
	}

	/**
	 * A command of the system's PHP (CLI, or FPM with $binary), as installed, with its own ini scan dir.
	 *
	 * @param string $args   Arguments, already escaped.
	 * @param string $binary The binary.
	 */
	protected function system_php( string $args, string $binary = 'php' ): string {
		return $this->output( 'env -u PHP_INI_SCAN_DIR ' . escapeshellarg( $binary ) . ' ' . $args );
	}

	/**
	 * The php-fpm binary of the PHP that php-config describes.
	 */
	protected function fpm_binary(): string {
		$fpm = '/usr/sbin/php-fpm' . $this->php_version();
		$this->assertFileExists( $fpm );
		return $fpm;
	}

	/**
	 * MAJOR.MINOR of the PHP that php-config describes.
	 */
	protected function php_version(): string {
		return implode( '.', array_slice( explode( '.', trim( $this->output( 'php-config --version' ) ) ), 0, 2 ) );
	}

	/**
	 * Where `make install` puts the extension and its ini.
	 *
	 * @return array{so: string, ini: string, conf: string}
	 */
	protected function install_paths(): array {
		$conf = '/etc/php/' . $this->php_version();
		return array(
			'so'   => trim( $this->output( 'php-config --extension-dir' ) ) . '/wpf_webhooks.so',
			'ini'  => "$conf/mods-available/wpf_webhooks.ini",
			'conf' => $conf,
		);
	}

	/**
	 * The plugin's version, from its main file's header.
	 */
	protected static function plugin_version(): string {
		preg_match( '/^ \* Version: (\S+)$/m', (string) file_get_contents( self::REPO . '/wp-plugin-shim/wpf-webhooks.php' ), $m );
		return $m[1] ?? '';
	}

	/**
	 * The names of the functions the stubs declare.
	 *
	 * @return list<string>
	 */
	protected static function stub_functions(): array {
		preg_match_all( '/^function (\w+)\(/m', (string) file_get_contents( self::REPO . '/stubs/wpf_webhooks.stubs.php' ), $m );
		return $m[1];
	}
}
