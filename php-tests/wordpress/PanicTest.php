<?php
/**
 * Ring 3, on a site running the test-only `panic-test` build with one php-fpm worker (run by scripts/test.sh
 * with --group panic).
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * A panic inside the extension is contained: a JSON 500, nothing written, and the same worker goes on.
 *
 * @group panic
 */
final class PanicTest extends WebhookTestCase {

	public function test_a_rust_panic_is_a_500_and_the_worker_survives(): void {
		$panic = $this->hook( 'add', 'jane@example.com', array(), array( 'X-WPF-Test-Panic: 1' ) );
		$this->assertAnswer( 500, 'internal_error', $panic );
		$this->assertNull( $panic['json']['user_id'] );
		$this->assertSame( 1, $this->user_count(), 'nothing half-written' );
		$this->assertSame( array(), self::$sandbox->requests(), 'the panic came before any CRM call' );

		$next = $this->hook( 'add', 'jane@example.com' );
		$this->assertAnswer( 200, 'created', $next );
		$this->assertSame( $panic['headers']['x-test-worker-pid'], $next['headers']['x-test-worker-pid'], 'the only worker survived the panic' );
	}
}
