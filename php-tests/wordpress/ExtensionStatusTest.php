<?php
/**
 * Ring 3: activation defaults, and the shim's refusal of an extension built for another interface.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Extension;
use WpfWebhooks\Plugin;
use WpfWebhooks\Settings;

/**
 * The plugin and the extension agree, or webhooks are refused.
 */
final class ExtensionStatusTest extends WebhookTestCase {

	public function test_activation_creates_the_settings_with_a_strong_key(): void {
		delete_option( Settings::OPTION );
		Plugin::activate();
		$settings = get_option( Settings::OPTION );
		$this->assertSame( array_keys( Settings::defaults() ), array_keys( $settings ) );
		$this->assertMatchesRegularExpression( '/^[A-Za-z0-9]{40}$/', $settings['access_key'], '≥ 128 random bits, URL-safe' );
		$this->assertSame( array( 'subscriber' ), $settings['allowed_roles'] );
		$this->assertTrue( $settings['return_password'] );
		$key = $settings['access_key'];
		Plugin::activate();
		$this->assertSame( $key, get_option( Settings::OPTION )['access_key'], 'reactivation keeps the key' );
		global $wpdb;
		$this->assertSame( 'no', $wpdb->get_var( $wpdb->prepare( "SELECT autoload FROM {$wpdb->options} WHERE option_name = %s", Settings::OPTION ) ) );
	}

	public function test_activation_schedules_and_deactivation_clears_the_daily_clean_up(): void {
		Plugin::activate();
		$this->assertNotFalse( wp_next_scheduled( \WpfWebhooks\Deliveries::CLEANUP_EVENT ) );
		Plugin::deactivate();
		$this->assertFalse( wp_next_scheduled( \WpfWebhooks\Deliveries::CLEANUP_EVENT ) );
		Plugin::activate();
	}

	public function test_the_matching_extension_is_accepted(): void {
		$this->assertNull( Extension::problem() );
	}

	public function test_an_extension_of_another_interface_is_refused(): void {
		$script = __DIR__ . '/fixtures/expect-interface.php';
		$ext    = (string) getenv( 'WPF_EXTENSION' );
		// `installed`: this process loads the extension through its ini scan dir, which the child inherits.
		$php    = escapeshellarg( PHP_BINARY ) . ( 'installed' === $ext ? '' : ' -d extension=' . escapeshellarg( $ext ) );
		$env    = 'WPF_WP_DIR=' . escapeshellarg( (string) getenv( 'WPF_WP_DIR' ) ) . ' WPF_TEST_KEY=' . escapeshellarg( self::KEY );
		exec( "$env $php " . escapeshellarg( $script ) . ' 999 2>&1', $out, $status );
		$this->assertSame( 0, $status, implode( "\n", $out ) );
		$result = json_decode( (string) end( $out ), true );
		$this->assertSame( 'extension_missing', $result['answer']['code'] ?? null, implode( "\n", $out ) );
		$this->assertFalse( $result['answer']['success'] );
		$this->assertStringContainsString( 'speaks interface ' . wpf_webhooks_build_info()['interface'], $result['problem'] );
		$this->assertStringContainsString( 'needs interface 999', $result['problem'] );
		$this->assertStringContainsString( 'notice-error', $result['notice'] );
	}
}
