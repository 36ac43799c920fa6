<?php
/**
 * Ring 2: the docs name the screens' own words. A label a doc writes in *asterisk italics* is one the plugin
 * shows (a msgid of its translation template, or a text of the extension's contract the settings page shows) or
 * one WordPress shows (WORDPRESS); a path of labels (*Settings → Webhooks → Test connection*) is checked label by
 * label. Emphasis, terms and other products' labels (a CRM's, a CDN's, a security plugin's) are written in
 * _underscore italics_, which render the same and are not checked.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use PHPUnit\Framework\TestCase;

/**
 * Every *label* of the docs against what the plugin and WordPress show.
 */
final class DocLabelsTest extends TestCase {

	const REPO = __DIR__ . '/../..';

	/**
	 * The docs a site owner or a developer reads, besides docs/*.md.
	 */
	const DOCS = array( 'README.md', 'ARCHITECTURE.md', 'SECURITY.md', 'CHANGELOG.md', 'wp-plugin-shim/readme.txt', 'crates/sandbox/README.md', 'fuzz/README.md' );

	/**
	 * WordPress 6.5's own labels that the docs name: menus, screens, tabs, buttons and fields of wp-admin.
	 */
	const WORDPRESS = array(
		'Settings',
		'General',
		'Privacy',
		'Policy Guide',
		'Site Address (URL)',
		'Save Changes',
		'Tools',
		'Site Health',
		'Info',
		'Copy site info to clipboard',
		'Export Personal Data',
		'Erase Personal Data',
		'Users',
		'All Users',
		'Profile',
		'Edit User',
		'Screen Options',
		'Help',
		'Plugins',
		'Add New Plugin',
		'Upload Plugin',
		'Install Now',
		'Activate Plugin',
		'Replace current with uploaded',
		'Network Admin',
		'Sites',
	);

	/**
	 * The texts the plugin shows: the template's msgids and plurals, and the contract's names and labels that the
	 * settings page prints as they are (each CRM's name, its settings' labels and choices, the signature schemes).
	 *
	 * @return array<string, true>
	 */
	private static function shown(): array {
		preg_match_all( '/^msgid(?:_plural)? "(.+)"$/m', (string) file_get_contents( self::REPO . '/wp-plugin-shim/languages/wpf-webhooks.pot' ), $m );
		$contract = wpf_webhooks_contract();
		$options  = array_merge( array(), ...array_map( 'array_values', array_filter( array_column( $contract['settings'], 'options' ) ) ) );
		$texts    = array_merge(
			array_map( 'stripcslashes', $m[1] ),
			array_column( $contract['crms'], 'name' ),
			array_filter( array_column( $contract['settings'], 'label' ), 'strlen' ),
			$options,
			array_column( $contract['signatures'], 'label' ),
			self::WORDPRESS
		);
		return array_fill_keys( $texts, true );
	}

	/**
	 * The labels a Markdown text names: its *asterisk italics* (not **bold**, not `code` nor code blocks, not
	 * _underscore italics_), white space made single spaces. An italic may wrap lines, not paragraphs.
	 *
	 * @param string $markdown The text.
	 * @return string[]
	 */
	public static function labels( string $markdown ): array {
		$text = Markdown::without_fences( $markdown );
		$text = (string) preg_replace( '/(?<=\n\n)(?: {4}|\t)[^\n]*(?:\n(?: {4}|\t)[^\n]*)*/', '', $text );
		$text = (string) preg_replace( '/(`+).+?\1/s', '``', $text );
		preg_match_all( '/(?<![*\w\\\\])\*(?![\s*])((?:(?!\n[ \t]*\n)[^*])+?)(?<![\s\\\\])\*(?![*\w])/u', $text, $m );
		return array_map( fn( string $label ) => (string) preg_replace( '/\s+/', ' ', $label ), $m[1] );
	}

	/**
	 * Whether a label, or each label of a path (`A → B → C`), is one a screen shows: a text as it is; the name a
	 * text begins with, before a colon or a parenthesis (*Advanced*, for "Advanced: API base URLs (proxies, tests)
	 * and log retention"); or a text with placeholders, each filled with a text or a number (*Signature: Refused*).
	 *
	 * @param string              $label The label.
	 * @param array<string, true> $shown The texts shown.
	 */
	public static function is_shown( string $label, array $shown ): bool {
		if ( isset( $shown[ $label ] ) ) {
			return true;
		}
		$parts = explode( ' → ', $label );
		if ( count( $parts ) > 1 ) {
			return array() === array_filter( $parts, fn( string $part ) => ! self::is_shown( $part, $shown ) );
		}
		foreach ( array_keys( $shown ) as $text ) {
			$text = (string) $text;
			if ( preg_match( '/^(.+?)(?::\s| \()/', $text, $lead ) && $lead[1] === $label && ! str_contains( $lead[1], '%' ) ) {
				return true;
			}
			if ( str_contains( $text, '%' ) && self::fills( $text, $label, $shown ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether a label is a text with placeholders (%s, %d, %1$s), each filled with a shown text or a number.
	 *
	 * @param string              $text  The text with placeholders.
	 * @param string              $label The label.
	 * @param array<string, true> $shown The texts shown.
	 */
	private static function fills( string $text, string $label, array $shown ): bool {
		$pieces = preg_split( '/%(?:\d+\$)?[sd]/', str_replace( '%%', '%', $text ) );
		if ( count( $pieces ) < 2 ) {
			return false;
		}
		$pattern = '/^' . implode( '(.+?)', array_map( fn( string $piece ) => preg_quote( $piece, '/' ), $pieces ) ) . '$/u';
		if ( ! preg_match( $pattern, $label, $m ) ) {
			return false;
		}
		foreach ( array_slice( $m, 1 ) as $fill ) {
			if ( ! ctype_digit( $fill ) && ! isset( $shown[ $fill ] ) ) {
				return false;
			}
		}
		return true;
	}

	public function test_every_label_a_doc_names_is_one_the_plugin_or_wordpress_shows(): void {
		$shown   = self::shown();
		$unknown = array();
		foreach ( self::docs() as $doc ) {
			foreach ( self::labels( (string) file_get_contents( self::REPO . '/' . $doc ) ) as $label ) {
				if ( ! self::is_shown( $label, $shown ) ) {
					$unknown[] = "$doc: *$label*";
				}
			}
		}
		$this->assertSame(
			array(),
			array_values( array_unique( $unknown ) ),
			'a *label* the plugin (wp-plugin-shim/languages/wpf-webhooks.pot, the contract) or WordPress (DocLabelsTest::WORDPRESS) does not show: write the screen\'s own words, or _underscores_ for emphasis and other products\' labels'
		);
	}

	/**
	 * The docs checked, as paths in the repository.
	 *
	 * @return string[]
	 */
	private static function docs(): array {
		return array_merge( self::DOCS, array_map( fn( string $file ) => 'docs/' . basename( $file ), glob( self::REPO . '/docs/*.md' ) ) );
	}

	/**
	 * The links of a Markdown text, as their targets: inline ones (`[text](target "title")`) and reference
	 * definitions (`[ref]: target "title"`, which `[text][ref]` uses); not those in code.
	 *
	 * @param string $markdown The text.
	 * @return string[]
	 */
	public static function links( string $markdown ): array {
		$text = (string) preg_replace( '/(`+).+?\1/s', '``', Markdown::without_fences( $markdown ) );
		preg_match_all( '/\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|\'[^\']*\'|\([^)]*\)))?\s*\)/', $text, $inline );
		preg_match_all( '/^ {0,3}\[[^\]]+\]:[ \t]*<?([^\s>]+)>?/m', $text, $defined );
		return array_merge( $inline[1], $defined[1] );
	}

	public function test_every_link_of_a_doc_leads_to_a_file_of_the_repository_and_its_section(): void {
		$broken = array();
		foreach ( array_merge( self::docs(), array( 'BENCHMARKS.md' ) ) as $doc ) {
			foreach ( self::links( (string) file_get_contents( self::REPO . '/' . $doc ) ) as $target ) {
				if ( preg_match( '#^[a-z][a-z0-9+.-]*:#i', $target ) ) {
					continue;
				}
				[ $path, $anchor ] = array_pad( explode( '#', $target, 2 ), 2, '' );
				$file              = '' === $path ? self::REPO . '/' . $doc : realpath( self::REPO . '/' . dirname( $doc ) . '/' . $path );
				if ( false === $file || ! str_starts_with( $file, (string) realpath( self::REPO ) . '/' ) || ( '' !== $anchor && ! in_array( $anchor, Markdown::anchors( (string) file_get_contents( $file ) ), true ) ) ) {
					$broken[] = "$doc: $target";
				}
			}
		}
		$this->assertSame( array(), $broken, 'a link to a file outside the repository, a missing file or a missing section' );
	}

	public function test_the_plugins_readme_names_no_file_outside_the_zip(): void {
		$readme = (string) file_get_contents( self::REPO . '/wp-plugin-shim/readme.txt' );
		$this->assertDoesNotMatchRegularExpression( '#docs/|\.md\b|source repository|github\.com#i', $readme, 'a site owner has the zip only' );
	}

	public function test_a_misspelt_or_invented_label_is_not_shown_and_the_conventions_hold(): void {
		$shown = self::shown();
		foreach ( array( 'Settings → Webhooks', 'Tools → Webhook Logs', 'Settings → Webhooks → Check the webhook URL', 'Advanced', 'in a header', 'Signature: Refused', 'Verified (Customer.io)', 'Customer.io region', 'EU', 'Customerly', 'Tools → Site Health → Info' ) as $label ) {
			$this->assertTrue( self::is_shown( $label, $shown ), $label );
		}
		foreach ( array( 'Tools → Webhook Log', 'Settings → Webhook', 'Setings → Webhooks', 'Regenerate', 'Allowed roles', 'Signature: Refsued', 'Test Connection', 'Advanced settings', 'Webhooks → Settings → Nowhere' ) as $label ) {
			$this->assertFalse( self::is_shown( $label, $shown ), $label );
		}
		$this->assertSame(
			array( 'Tools → Webhook Logs', 'Require signed webhooks', 'Copy' ),
			self::labels( "Open *Tools → Webhook\n  Logs*, tick *Require\nsigned webhooks*; **bold**, _emphasis_, `*code*`, a * b * c, *Copy*.\n\n    *indented code*\n" )
		);
	}

	public function test_the_links_and_anchors_are_read_as_github_reads_them(): void {
		$this->assertSame(
			array( 'a.md', 'b.md#c', 'd.md', 'e.md#f' ),
			self::links( "[a](a.md) [b](b.md#c \"title\") [d][ref] [e][]\n\n```\n[no](code.md)\n```\n\n[ref]: d.md\n[e]: <e.md#f> 'title'\n" )
		);
		$this->assertSame(
			array( 'a-heading', 'a-heading-1', 'reachability-not_json', 'a-heading-2' ),
			Markdown::anchors( "# A heading\n\n## A heading\n\n```sh\n# a comment, no heading\n```\n\n### Reachability: `not_json`\n\n#### A heading ##\n" )
		);
	}
}
