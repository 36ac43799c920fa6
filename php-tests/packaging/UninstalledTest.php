<?php
/**
 * After `make uninstall`: nothing of the extension is left (run by scripts/test.sh with --group uninstalled).
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

require_once __DIR__ . '/PackagingTestCase.php';

/**
 * The machine's PHP is as it was before `make install`.
 *
 * @group uninstalled
 */
final class UninstalledTest extends PackagingTestCase {

	public function test_php_and_php_fpm_no_longer_load_it(): void {
		$this->assertNotContains( 'wpf_webhooks', explode( "\n", $this->system_php( '-m' ) ) );
		$this->assertNotContains( 'wpf_webhooks', explode( "\n", $this->system_php( '-m', $this->fpm_binary() ) ) );
		$this->assertSame( '', $this->system_php( '-r ' . escapeshellarg( '' ) ), 'no warning about a missing module' );
	}

	public function test_no_file_is_left(): void {
		$paths = $this->install_paths();
		$this->assertFileDoesNotExist( $paths['so'] );
		$this->assertFileDoesNotExist( $paths['ini'] );
		$this->assertSame( array(), glob( "{$paths['conf']}/*/conf.d/*wpf_webhooks*" ), 'no conf.d link' );
		$this->assertSame( array(), glob( '/var/lib/php/modules/' . $this->php_version() . '/*/*/wpf_webhooks' ), 'no phpenmod state' );
		$this->assertSame( array(), glob( '/var/lib/php/modules/' . $this->php_version() . '/registry/wpf_webhooks' ) );
	}
}
