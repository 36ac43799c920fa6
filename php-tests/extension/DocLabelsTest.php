<?php
/**
 * Ring 2: the docs name the screens' own words. A label a doc writes in *asterisk italics* is one the plugin
 * shows (a msgid of its translation template, or a text of the extension's contract the settings page shows) or
 * one WordPress shows (WORDPRESS). A path of labels (*Settings → Webhooks → Test connection*) is a real one: each
 * step a child of the step before (a menu's screen, a screen's tab, a field's choice), and past one of the
 * plugin's screens, labels of that screen. Emphasis, terms and other products' labels (a CRM's, a CDN's, a
 * security plugin's) are written in _underscore italics_, which render the same and are not checked.
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
	 * WordPress 6.5's paths that the docs name, each step a child of the one before: a menu's screen, a screen's tab.
	 */
	const WORDPRESS_PATHS = array(
		'Settings → General',
		'Settings → Privacy → Policy Guide',
		'Tools → Site Health → Info',
		'Users → All Users',
		'Users → Profile',
		'Plugins → Add New Plugin → Upload Plugin',
		'Network Admin → Sites',
	);

	/**
	 * The menus that WordPress's functions add a screen to: the plugin's screens are read from its calls.
	 */
	const MENUS = array(
		'add_options_page'    => 'Settings',
		'add_management_page' => 'Tools',
		'add_users_page'      => 'Users',
	);

	/**
	 * The settings page's fields and their choices that the docs name as paths (its code does not tell them apart).
	 */
	const CHOICES = array( 'Send the key → in a header' );

	/**
	 * The short names the docs give long labels: the part of a text before its colon or bracket (*Advanced*, for
	 * "Advanced: API base URLs (proxies, tests) and log retention"). Any other such part (a sentence's opening,
	 * "Redirected to") is no label.
	 */
	const SHORT = array( 'Advanced', 'in a header' );

	/**
	 * A placeholder of a translated text: %s, %d, %1$s.
	 */
	const PLACEHOLDER = '/%(?:\d+\$)?[sd]/';

	/**
	 * The texts the plugin shows: the template's msgids and plurals, and the contract's names and labels that the
	 * settings page prints as they are (each CRM's name, its settings' labels and choices, the signature schemes).
	 *
	 * @return array<string, true>
	 */
	private static function shown(): array {
		return array_fill_keys( array_merge( array_keys( self::template() ), self::contract(), self::WORDPRESS ), true );
	}

	/**
	 * The template's msgids and plurals, each with the files that show it (its references). A text of placeholders
	 * and punctuation only ("%1$s (%2$s)") names nothing: it is left out.
	 *
	 * @return array<string, string[]>
	 */
	private static function template(): array {
		$texts = array();
		foreach ( preg_split( '/\n\n+/', (string) file_get_contents( self::REPO . '/wp-plugin-shim/languages/wpf-webhooks.pot' ) ) as $entry ) {
			preg_match( '/^#: (.+)$/m', $entry, $files );
			preg_match_all( '/^msgid(?:_plural)? "(.+)"$/m', $entry, $m );
			foreach ( array_map( fn( string $msgid ) => self::plain( stripcslashes( $msgid ) ), $m[1] ) as $text ) {
				if ( preg_match( '/[\p{L}\p{N}]/u', (string) preg_replace( self::PLACEHOLDER, '', $text ) ) ) {
					$texts[ $text ] = array_merge( $texts[ $text ] ?? array(), explode( ' ', $files[1] ?? '' ) );
				}
			}
		}
		return $texts;
	}

	/**
	 * The contract's texts that the settings page prints as they are.
	 *
	 * @return string[]
	 */
	private static function contract(): array {
		$contract = wpf_webhooks_contract();
		return array_merge(
			array_column( $contract['crms'], 'name' ),
			array_filter( array_column( $contract['settings'], 'label' ), 'strlen' ),
			array_merge( array(), ...array_map( 'array_values', array_filter( array_column( $contract['settings'], 'options' ) ) ) ),
			array_column( $contract['signatures'], 'label' )
		);
	}

	/**
	 * The plugin's screens, as their paths (*Settings → Webhooks*), each with the texts it shows: its menu and title
	 * from its add_*_page() call, its texts those of the template from its file's family (class-log-page.php:
	 * includes/admin/class-log-*.php); the settings page also prints the contract's.
	 *
	 * @return array<string, array<string, true>>
	 */
	private static function screens(): array {
		static $screens = null;
		if ( null !== $screens ) {
			return $screens;
		}
		$screens = array();
		foreach ( glob( self::REPO . '/wp-plugin-shim/includes/admin/*.php' ) as $file ) {
			preg_match_all( '/\b(' . implode( '|', array_keys( self::MENUS ) ) . ')\(\s*(?:esc_html)?__\(\s*\'([^\']+)\'/', (string) file_get_contents( $file ), $calls, PREG_SET_ORDER );
			foreach ( $calls as [ , $function, $title ] ) {
				$family = '#^includes/admin/' . preg_quote( (string) preg_replace( '/page\.php$/', '', basename( $file ) ), '#' ) . '#';
				$texts  = array_keys( array_filter( self::template(), fn( array $files ) => array() !== preg_grep( $family, $files ) ) );
				$texts  = array_merge( $texts, 'class-settings-page.php' === basename( $file ) ? self::contract() : array() );
				$screens[ self::MENUS[ $function ] . ' → ' . $title ] = array_fill_keys( $texts, true );
			}
		}
		return $screens;
	}

	/**
	 * The steps of a path that may follow each other, as `parent → child`: WordPress's paths, the plugin's screens
	 * under their menus, the settings page's choices under their fields.
	 *
	 * @return array<string, true>
	 */
	private static function steps(): array {
		$steps = array();
		foreach ( array_merge( self::WORDPRESS_PATHS, array_keys( self::screens() ), self::CHOICES ) as $path ) {
			$parts = explode( ' → ', $path );
			foreach ( array_slice( $parts, 1, null, true ) as $i => $part ) {
				$steps[ $parts[ $i - 1 ] . ' → ' . $part ] = true;
			}
		}
		return $steps;
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
	 * Whether a label is one a screen shows: a text as it is; a text with placeholders, each filled with a text or a
	 * number (*Signature: Refused*, *more than 100,000*); a SHORT name; or a path (`A → B → C`) whose steps are
	 * shown and follow each other. Curly quotes count as straight ones.
	 *
	 * @param string              $label The label.
	 * @param array<string, true> $shown The texts shown.
	 */
	public static function is_shown( string $label, array $shown ): bool {
		$label = self::plain( $label );
		if ( isset( $shown[ $label ] ) ) {
			return true;
		}
		$steps = explode( ' → ', $label );
		if ( count( $steps ) > 1 ) {
			return self::is_path( $steps, $shown );
		}
		foreach ( array_keys( $shown ) as $text ) {
			$text = (string) $text;
			if ( in_array( $label, self::SHORT, true ) && preg_match( '/^(.+?)(?::\s| \()/', $text, $lead ) && $lead[1] === $label ) {
				return true;
			}
			if ( str_contains( $text, '%' ) && self::fills( $text, $label, $shown ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether each step of a path is shown and a child of the step before (steps()); past a plugin's screen, each
	 * is a label of that screen (*Settings → Webhooks → Test connection*).
	 *
	 * @param string[]            $steps The path's steps.
	 * @param array<string, true> $shown The texts shown.
	 */
	private static function is_path( array $steps, array $shown ): bool {
		$screen = null;
		foreach ( $steps as $i => $step ) {
			if ( null !== $screen ) {
				if ( ! self::is_shown( $step, self::screens()[ $screen ] ) ) {
					return false;
				}
				continue;
			}
			$pair = $i > 0 ? $steps[ $i - 1 ] . ' → ' . $step : null;
			if ( ! self::is_shown( $step, $shown ) || ( null !== $pair && ! isset( self::steps()[ $pair ] ) ) ) {
				return false;
			}
			$screen = isset( self::screens()[ (string) $pair ] ) ? $pair : null;
		}
		return true;
	}

	/**
	 * Whether a label is a text with placeholders (%s, %d, %1$s), each filled with a shown text or a number as a
	 * screen prints it (7, 1500, 100,000).
	 *
	 * @param string              $text  The text with placeholders.
	 * @param string              $label The label.
	 * @param array<string, true> $shown The texts shown.
	 */
	private static function fills( string $text, string $label, array $shown ): bool {
		$pieces = preg_split( self::PLACEHOLDER, str_replace( '%%', '%', $text ) );
		if ( count( $pieces ) < 2 ) {
			return false;
		}
		$pattern = '/^' . implode( '(.+?)', array_map( fn( string $piece ) => preg_quote( $piece, '/' ), $pieces ) ) . '$/u';
		if ( ! preg_match( $pattern, $label, $m ) ) {
			return false;
		}
		foreach ( array_slice( $m, 1 ) as $fill ) {
			if ( ! preg_match( '/^(?:\d+|\d{1,3}(?:,\d{3})+)$/', $fill ) && ! isset( $shown[ $fill ] ) ) {
				return false;
			}
		}
		return true;
	}

	/**
	 * A text with its curly quotes straight, as the template writes them.
	 *
	 * @param string $text The text.
	 */
	private static function plain( string $text ): string {
		return str_replace( array( '‘', '’', '“', '”' ), array( "'", "'", '"', '"' ), $text );
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
		$shown  = self::shown();
		$shows  = array(
			'Settings → Webhooks',
			'Tools → Webhook Logs',
			'Settings → Webhooks → Check the webhook URL',
			'Settings → Webhooks → Test connection',
			'Tools → Webhook Logs → Export CSV',
			'Settings → Privacy → Policy Guide',
			'Tools → Site Health → Info',
			'Users → Profile',
			'Send the key → in a header',
			'Advanced',
			'in a header',
			'Signature: Refused',
			'Customer.io region',
			'EU',
			'Customerly',
			'more than 100,000',
			'more than 7',
			'Don’t write the password back',
		);
		$hidden = array(
			'Tools → Webhook Log',
			'Settings → Webhook',
			'Setings → Webhooks',
			'Regenerate',
			'Allowed roles',
			'Signature: Refsued',
			'Test Connection',
			'Advanced settings',
			'Webhooks → Settings → Nowhere',
			// A path is a menu's real parent → child, not its words in any order.
			'Settings → Webhook Logs',
			'Tools → Webhooks',
			'Webhooks → Tools → Settings',
			'Users → General',
			'Tools → Webhook Logs → Test connection',
			'Test connection → Settings → Webhooks',
			'Settings → Webhooks → Export CSV',
			// A text of placeholders and punctuation names nothing.
			'CRM (CRM)',
			'Settings: Webhooks',
			'Verified (Customer.io)',
			// A number is one as the page prints it.
			'more than 100,00',
			'more than 1,0000',
			// The part of a text before its colon or bracket is no label, but for the docs' short names.
			'Redirected to',
			'The worker died',
			'Empty',
		);
		$this->assertSame( array(), array_values( array_filter( $shows, fn( string $label ) => ! self::is_shown( $label, $shown ) ) ), 'shown, yet refused' );
		$this->assertSame( array(), array_values( array_filter( $hidden, fn( string $label ) => self::is_shown( $label, $shown ) ) ), 'not shown, yet accepted' );
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
