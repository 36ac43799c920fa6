<?php
/**
 * The few rules of GitHub's Markdown that the tests of the docs need (ring 2's DocLabelsTest, ring 3's
 * ReachabilityTest): loaded by both bootstraps.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * GitHub's Markdown, as far as the docs' tests need it.
 */
final class Markdown {

	/**
	 * A text without its fenced code blocks (``` or ~~~, indented in a list item or not).
	 *
	 * @param string $markdown The text.
	 */
	public static function without_fences( string $markdown ): string {
		return (string) preg_replace( '/^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$/ms', '', $markdown );
	}

	/**
	 * The headings' anchors of a Markdown text, as GitHub makes them: lower case, punctuation but - and _ dropped,
	 * spaces to -; a repeated one gets -1, -2, … A `#` line of a code block is no heading.
	 *
	 * @param string $markdown The text.
	 * @return string[]
	 */
	public static function anchors( string $markdown ): array {
		preg_match_all( '/^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/m', self::without_fences( $markdown ), $m );
		$anchors = array();
		foreach ( $m[1] as $heading ) {
			$slug   = str_replace( ' ', '-', (string) preg_replace( '/[^\p{L}\p{N}_\- ]/u', '', mb_strtolower( trim( $heading ) ) ) );
			$anchor = $slug;
			for ( $n = 1; in_array( $anchor, $anchors, true ); $n++ ) {
				$anchor = "$slug-$n";
			}
			$anchors[] = $anchor;
		}
		return $anchors;
	}
}
