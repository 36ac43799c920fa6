<?php
/**
 * Ring 3, on a site whose PHP has no wpf_webhooks extension (run by scripts/test.sh with --group no-extension
 * against a second site started with WPF_EXTENSION=none, from a PHP process without the extension).
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Log;
use WpfWebhooks\Plugin;

/**
 * Without the extension the plugin refuses webhooks, after checking the key itself, and says why.
 *
 * @group no-extension
 */
final class NoExtensionTest extends WebhookTestCase {

	public function test_this_process_really_has_no_extension(): void {
		$this->assertFalse( extension_loaded( 'wpf_webhooks' ) );
	}

	public function test_a_valid_key_gets_503_extension_missing(): void {
		$this->assertAnswer( 503, 'extension_missing', $this->hook( 'add', 'jane@example.com' ) );
		$this->assertAnswer( 503, 'extension_missing', Site::webhook( array( 'wpf_action' => 'test' ), null, array( 'X-WPF-Access-Key: ' . self::KEY ) ) );
		$this->assertSame( array(), self::$sandbox->requests() );
	}

	public function test_the_log_keeps_only_what_holds_no_secret(): void {
		Log::clear();
		$body = '{"email":"jane@example.com","password":"noext-body-pass-1"}';
		$this->assertAnswer( 503, 'extension_missing', Site::webhook( array( 'wpf_action' => 'add_user', 'access_key' => self::KEY, 'token' => 'noext-query-token-1' ), $body, array( 'X-Api-Key: noext-header-key-1' ) ) );
		$row = Log::query()['rows'][0];
		$this->assertSame( array( 'extension_missing', 'add', '' ), array( $row['code'], $row['action'], $row['contact'] ) );
		$this->assertSame( array( 'method' => 'POST', 'wpf_action' => 'add', 'body_bytes' => strlen( $body ) ), $row['request'], 'no query, headers or body: the plugin has no redaction rule' );
		foreach ( array( self::KEY, 'noext-body-pass-1', 'noext-query-token-1', 'noext-header-key-1', 'jane@' ) as $secret ) {
			$this->assertStringNotContainsString( $secret, (string) wp_json_encode( $row ) );
		}
	}

	public function test_the_webhook_url_check_reaches_the_plugin_and_says_the_extension_is_missing(): void {
		$result = \WpfWebhooks\Admin\Reachability::check();
		$this->assertSame( array( 'recommended', 'answered', 503, 'extension_missing' ), array( $result['status'], $result['outcome'], $result['http'], $result['code'] ) );
		$this->assertStringContainsString( 'extension', $result['message'] );
		$this->assertStringNotContainsString( self::KEY, (string) wp_json_encode( $result ) );
	}

	public function test_the_key_is_still_checked_first(): void {
		foreach ( array( array( 'access_key' => 'nope' ), array(), array( 'access_key' => array( self::KEY ) ) ) as $query ) {
			$this->assertAnswer( 403, 'forbidden', Site::webhook( array_merge( array( 'wpf_action' => 'add' ), $query ), '{}' ) );
		}
		$this->assertAnswer( 413, 'payload_too_large', Site::webhook( array( 'wpf_action' => 'add' ), str_repeat( 'x', 70000 ) ) );
	}

	public function test_administrators_see_a_notice(): void {
		wp_set_current_user( 1 );
		ob_start();
		Plugin::extension_notice();
		$html = (string) ob_get_clean();
		$this->assertStringContainsString( 'notice-error', $html );
		$this->assertStringContainsString( 'extension is not loaded', $html );
		$this->assertStringContainsString( '(PHP ' . PHP_VERSION . ', ' . PHP_SAPI . ')', $html, 'names the PHP that must load it' );
		wp_set_current_user( 0 );
		ob_start();
		Plugin::extension_notice();
		$this->assertSame( '', ob_get_clean(), 'not shown to visitors' );
	}
}
