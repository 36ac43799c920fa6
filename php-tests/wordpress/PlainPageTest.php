<?php
/**
 * A front-end request that is not a webhook pays for the plugin's hook registrations only: no database query,
 * no call to the extension (issue 6). Seen through the probe mu-plugin (php-tests/mu/wpf-test-probe.php).
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * The front page with the plugin active, compared with the same page without it.
 */
final class PlainPageTest extends WebhookTestCase {

	protected function setUp(): void {
		parent::setUp();
		Site::clear_log( 'probe.log' );
	}

	/**
	 * The front page through the probe; a new query string each time, so the rig's page cache never answers.
	 *
	 * @param bool $with_plugin Whether the plugin is loaded for this request.
	 */
	private function front_page( bool $with_plugin ): array {
		$headers = array( 'X-WPF-Test-Probe: 1' );
		if ( ! $with_plugin ) {
			$headers[] = 'X-WPF-Test-Without-Plugin: 1';
		}
		$answer = Site::webhook( array( 'page' => uniqid( 'plain-', true ) ), null, $headers, 'GET' );
		$this->assertSame( 200, $answer['status'], $answer['raw'] );
		$this->assertNotSame( 'HIT', $answer['headers']['x-cache-status'] ?? '' );
		$this->assertStringContainsString( '</html>', $answer['raw'] );
		$lines = Site::json_lines( 'probe.log' );
		$this->assertNotEmpty( $lines, 'the probe recorded nothing: is php-tests/mu installed on the site?' );
		Site::clear_log( 'probe.log' );
		return end( $lines );
	}

	public function test_the_front_page_makes_no_extra_query_and_no_extension_call(): void {
		$this->front_page( true ); // Warm-up: anything WordPress does once (caches, rewrite rules) is done here.
		$this->front_page( false );

		$with    = $this->front_page( true );
		$without = $this->front_page( false );

		$this->assertTrue( $with['plugin_loaded'] );
		$this->assertFalse( $without['plugin_loaded'] );
		$this->assertSame( array(), $with['extension_calls'] );
		$this->assertSame( $without['num_queries'], $with['num_queries'] );
		$this->assertSame( $without['queries'], $with['queries'] );
		foreach ( $with['queries'] as $query ) {
			$this->assertStringNotContainsStringIgnoringCase( 'wpf_webhooks', $query );
		}
	}

	public function test_the_probe_sees_a_webhook_call_the_extension(): void {
		$answer = Site::webhook( array( 'wpf_action' => 'test' ), null, array( 'X-WPF-Access-Key: ' . self::KEY, 'X-WPF-Test-Probe: 1' ) );
		$this->assertAnswer( 200, 'ok', $answer );
		$lines = Site::json_lines( 'probe.log' );
		$this->assertNotEmpty( $lines );
		$probe = end( $lines );
		$this->assertContains( 'wpf_handle_webhook', $probe['extension_calls'] );
		$this->assertNotEmpty( $probe['queries'] );
	}
}
