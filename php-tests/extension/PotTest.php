<?php
/**
 * Ring 2: the plugin's translation template is current, and holds the contract's texts the plugin shows.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use PHPUnit\Framework\TestCase;

/**
 * wp-plugin-shim/languages/wpf-webhooks.pot against what `make pot` writes now.
 */
final class PotTest extends TestCase {

	const REPO = __DIR__ . '/../..';

	const POT = self::REPO . '/wp-plugin-shim/languages/wpf-webhooks.pot';

	/**
	 * A .pot without its creation date.
	 *
	 * @param string $file The .pot.
	 */
	private static function dateless( string $file ): string {
		return (string) preg_replace( '/^"POT-Creation-Date: .*\n/m', '', (string) file_get_contents( $file ) );
	}

	/**
	 * The msgids of the committed .pot.
	 */
	private static function msgids(): array {
		preg_match_all( '/^msgid "(.+)"$/m', (string) file_get_contents( self::POT ), $matches );
		return array_map( 'stripcslashes', $matches[1] );
	}

	public function test_the_committed_pot_is_what_make_pot_writes(): void {
		$fresh = sys_get_temp_dir() . '/wpf-pot-' . bin2hex( random_bytes( 4 ) ) . '.pot';
		exec( 'make -s -C ' . escapeshellarg( self::REPO ) . ' pot POT=' . escapeshellarg( $fresh ) . ' 2>&1', $out, $status );
		try {
			$this->assertSame( 0, $status, implode( "\n", $out ) );
			$this->assertSame( self::dateless( $fresh ), self::dateless( self::POT ), 'run make pot and commit wp-plugin-shim/languages/wpf-webhooks.pot' );
		} finally {
			is_file( $fresh ) && unlink( $fresh );
		}
	}

	public function test_the_pot_holds_the_contracts_texts_that_the_plugin_shows(): void {
		$contract = wpf_webhooks_contract();
		$texts    = array_merge(
			array( $contract['no_crm'] ),
			array_column( $contract['codes'], 'message' ),
			array_column( $contract['crms'], 'not_configured' ),
			array_column( $contract['crms'], 'webhook_help' ),
			array_filter( array_column( $contract['settings'], 'help' ), 'strlen' ),
			array_filter( array_column( $contract['settings'], 'label' ), 'strlen' )
		);
		$missing  = array_diff( $texts, self::msgids() );
		$this->assertSame( array(), array_values( $missing ), 'the extension\'s texts, translatable' );
	}

	public function test_plurals_are_plural_forms(): void {
		$pot = (string) file_get_contents( self::POT );
		$this->assertStringContainsString( "msgid \"%s queued webhook was kept as failed.\"\nmsgid_plural \"%s queued webhooks were kept as failed.\"", $pot );
		$this->assertStringContainsString( "msgid \"%s webhook failed in the last 24 hours\"\nmsgid_plural", $pot );
		$this->assertStringContainsString( "msgid \"The queue holds %s webhook, its most", $pot );
		$this->assertStringNotContainsString( 'msgid "%d queued webhooks', $pot, 'no plural sentence without its singular' );
	}
}
