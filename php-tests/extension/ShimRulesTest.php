<?php
/**
 * Ring 2: the shim applies the core's rules and restates none of them. What it needs of them (codes and their
 * statuses and messages, action aliases, the body limit, the settings' defaults, the not-configured messages,
 * each CRM as it describes itself, the URL schemes of a base-URL override) comes from wpf_webhooks_contract();
 * the one copy the shim keeps, the fallback it reads when the extension is not loaded, is generated from the
 * extension by `make contract` and must be what that prints now.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The shim's PHP restates no rule of the core, and its fallback is the core's.
 */
final class ShimRulesTest extends TestCase {

	const SHIM = __DIR__ . '/../../wp-plugin-shim';

	/**
	 * The one file allowed to hold a copy: the fallback, compared with the extension below.
	 */
	const FALLBACK_FILE = 'includes/contract-fallback.php';

	/**
	 * What writes it.
	 */
	const GENERATOR = __DIR__ . '/../../scripts/php/contract-fallback.php';

	/**
	 * The contract's codes (test_the_codes_are_the_contracts() keeps this list the extension's).
	 */
	const CODES = array( 'ok', 'created', 'updated', 'duplicate', 'queued', 'bad_request', 'forbidden', 'contact_not_found', 'user_not_found', 'payload_too_large', 'crm_error', 'crm_unavailable', 'not_configured', 'extension_missing', 'internal_error' );

	/**
	 * Every PHP file of the shim but the fallback's: path relative to the shim => source.
	 *
	 * @return array<string, string>
	 */
	private static function shim_sources(): array {
		$sources = array();
		$files   = new \RecursiveIteratorIterator( new \RecursiveDirectoryIterator( self::SHIM, \FilesystemIterator::SKIP_DOTS ) );
		foreach ( $files as $file ) {
			$relative = substr( $file->getPathname(), strlen( self::SHIM ) + 1 );
			if ( 'php' === $file->getExtension() && self::FALLBACK_FILE !== $relative ) {
				$sources[ $relative ] = (string) file_get_contents( $file->getPathname() );
			}
		}
		ksort( $sources );
		return $sources;
	}

	/**
	 * The shim's lines that match a pattern, as `file:line: text`.
	 *
	 * @param string $pattern A PCRE pattern.
	 */
	private static function lines_matching( string $pattern ): array {
		$found = array();
		foreach ( self::shim_sources() as $file => $source ) {
			foreach ( explode( "\n", $source ) as $i => $line ) {
				if ( preg_match( $pattern, $line ) ) {
					$found[] = $file . ':' . ( $i + 1 ) . ': ' . trim( $line );
				}
			}
		}
		return $found;
	}

	/**
	 * Asserts that no line of the shim matches a pattern.
	 *
	 * @param string $pattern A PCRE pattern.
	 * @param string $rule    The rule it would restate.
	 * @param string $source  Where the shim gets it from the extension.
	 */
	private function assertNotRestated( string $pattern, string $rule, string $source = 'wpf_webhooks_contract() exports' ): void {
		$found = self::lines_matching( $pattern );
		$this->assertSame( array(), $found, "the shim restates $rule, which $source:\n" . implode( "\n", $found ) );
	}

	public function test_the_shim_restates_no_action_alias(): void {
		$this->assertNotRestated( '/[\'"](add_user|update_user)[\'"]/', 'the action aliases' );
	}

	public function test_the_shim_restates_no_status_of_a_code(): void {
		$codes = implode( '|', self::CODES );
		$this->assertNotRestated( "/['\"]($codes|status)['\"]\\s*=>\\s*(array\\(\\s*)?[1-5]\\d\\d\\b/", 'a code\'s HTTP status' );
		$this->assertNotRestated( '/new\s+Response\(\s*[1-5]\d\d\b/', 'a code\'s HTTP status' );
	}

	public function test_the_shim_restates_no_class_of_a_code(): void {
		$this->assertNotRestated( '/[\'"]crm_[\'"]/', 'which codes are the CRM\'s' );
		$this->assertNotRestated( '/[\'"](forbidden|payload_too_large)[\'"]\s*,\s*[\'"](forbidden|payload_too_large)[\'"]/', 'which codes are refusals' );
		$this->assertNotRestated( '/[\'"]success[\'"]\s*,\s*[\'"]client[\'"]/', 'the classes of codes' );
		$this->assertNotRestated( '/const\s+CODES\b|[\'"]ok[\'"]\s*,\s*[\'"]created[\'"]/', 'the list of codes' );
		$this->assertNotRestated( '/status\W*\s*(<|>=)\s*[345]00\b|\b(FAILED_FROM|REFUSALS)\b/', 'which statuses are failures' );
	}

	public function test_the_shim_restates_no_body_limit(): void {
		$this->assertNotRestated( '/\b65536\b|64\s*\*\s*1024/', 'the body limit' );
	}

	public function test_the_shim_restates_no_setting_default(): void {
		$this->assertNotRestated( '/const\s+DEFAULTS\b/', 'the settings\' defaults' );
		$this->assertNotRestated( '/[\'"]log_(retention_days|max_rows)[\'"]\s*=>\s*\d/', 'the settings\' defaults' );
		$this->assertNotRestated( '/\?[^:]*:\s*[\'"]us[\'"]\s*;|\]\s*=\s*[\'"]us[\'"]\s*;/', 'the default of customerio_region' );
	}

	public function test_the_shim_restates_no_not_configured_message(): void {
		$contract = wpf_webhooks_contract();
		$messages = array_merge( array( $contract['no_crm'] ), array_column( $contract['crms'], 'not_configured' ) );
		$quoted   = implode( '|', array_map( fn( $m ) => preg_quote( $m, '/' ), $messages ) );
		$this->assertNotRestated( "/$quoted|API (key|token) is not set|No CRM is chosen/i", 'the not-configured messages' );
	}

	public function test_the_shim_restates_no_url_scheme_of_a_base_url(): void {
		$this->assertNotRestated( '/[\'"]http[\'"]\s*,\s*[\'"]https[\'"]/', 'the base-URL check' );
	}

	public function test_the_shim_restates_no_redaction_rule(): void {
		$words  = 'pass|secret|token|key|auth';
		$source = 'the extension applies (each decision\'s log_request, wpf_webhooks_redact_text())';
		$this->assertNotRestated( "/\\b($words)\\W{1,6}($words)\\W{1,6}($words)\\b/i", 'the secret-looking keys', $source );
		$this->assertNotRestated( '/\\[redacted\\]/', 'what replaces a secret', $source );
		$this->assertNotRestated( '/\\b4096\\b|4\\s*\\*\\s*1024/', 'the log\'s body excerpt', $source );
		$this->assertNotRestated( '/[\'"](x-cio-delivery-id|x-cio-idempotency-key|webhook-id|user-agent)[\'"]/', 'the log\'s header allow-list', $source );
	}

	public function test_the_codes_are_the_contracts(): void {
		$codes = self::CODES;
		sort( $codes );
		$this->assertSame( $codes, array_keys( wpf_webhooks_contract()['codes'] ) );
	}

	public function test_the_shim_names_no_crm(): void {
		$names = array();
		foreach ( wpf_webhooks_contract()['crms'] as $crm => $about ) {
			array_push( $names, $crm, $about['slug'], $about['name'] );
		}
		foreach ( wpf_webhooks_contract()['settings'] as $setting ) {
			if ( null !== $setting['crm'] ) {
				array_push( $names, $setting['key'], (string) $setting['wpf_option'] );
			}
		}
		$quoted = implode( '|', array_map( fn( $n ) => preg_quote( $n, '/' ), array_filter( array_unique( $names ), 'strlen' ) ) );
		$this->assertNotRestated( "/['\"]($quoted)['\"]/", 'a CRM, its settings or its WP Fusion options (a CRM describes itself in its Rust file)' );
	}

	public function test_the_fallback_is_the_extensions_contract(): void {
		ob_start();
		require self::GENERATOR;
		$expected = (string) ob_get_clean();
		$this->assertSame( $expected, (string) file_get_contents( self::SHIM . '/' . self::FALLBACK_FILE ), 'the fallback is not the extension\'s contract: run `make contract`' );
	}
}
