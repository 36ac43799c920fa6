<?php
/**
 * The webhook log's charts: webhooks per period by outcome, stacked bars in inline SVG, with their words.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks\Admin;

use WpfWebhooks\Log;

defined( 'ABSPATH' ) || exit;

/**
 * Draws what Log::counts() gives, with no script and no outside service. Colour is never alone: each bar has its
 * counts in words as its title, the legend names each colour with its total, and a table for screen readers
 * lists every period with webhooks.
 */
final class LogCharts {

	/**
	 * One bar's width and the gap after it, in the drawing's units; its height.
	 */
	const BAR    = 10;
	const GAP    = 2;
	const HEIGHT = 100;

	/**
	 * Prints one chart, or what `$empty` says when the periods hold no webhook.
	 *
	 * @param string $title  The chart's title.
	 * @param array  $counts Log::counts(): period start => outcome => count, oldest first.
	 * @param string $format The date or time format of a period's label.
	 * @param string $empty  What an empty chart says.
	 */
	public static function render( string $title, array $counts, string $format, string $empty ): void {
		$id     = 'wpf-webhooks-chart-' . count( $counts );
		$totals = array_map( 'array_sum', $counts );
		echo '<figure class="wpf-webhooks-chart" id="' . esc_attr( $id ) . '">';
		echo '<figcaption><strong>' . esc_html( $title ) . '</strong></figcaption>';
		if ( 0 === array_sum( $totals ) ) {
			echo '<p class="wpf-webhooks-chart-empty">' . esc_html( $empty ) . '</p></figure>';
			return;
		}
		$highest = max( $totals );
		$width   = count( $counts ) * ( self::BAR + self::GAP ) - self::GAP;
		echo '<svg viewBox="0 0 ' . esc_attr( (string) $width ) . ' ' . esc_attr( (string) self::HEIGHT ) . '" preserveAspectRatio="none" role="img" aria-labelledby="' . esc_attr( $id . '-title' ) . '" focusable="false">';
		echo '<title id="' . esc_attr( $id . '-title' ) . '">' . esc_html( $title . ': ' . self::words( self::sums( $counts ) ) ) . '</title>';
		$x = 0;
		foreach ( $counts as $start => $outcomes ) {
			$y = self::HEIGHT;
			foreach ( $outcomes as $outcome => $count ) {
				$height = self::HEIGHT * $count / $highest;
				$y     -= $height;
				printf(
					'<rect x="%d" y="%s" width="%d" height="%s" fill="%s"><title>%s</title></rect>',
					(int) $x,
					esc_attr( (string) round( $y, 2 ) ),
					(int) self::BAR,
					esc_attr( (string) round( $height, 2 ) ),
					esc_attr( LogPage::COLOURS[ $outcome ] ),
					esc_html( wp_date( $format, $start ) . ': ' . self::words( $outcomes ) )
				);
			}
			$x += self::BAR + self::GAP;
		}
		echo '</svg>';
		echo '<div class="wpf-webhooks-chart-axis" aria-hidden="true"><span>' . esc_html( (string) wp_date( $format, (int) array_key_first( $counts ) ) ) . '</span><span>';
		/* translators: %s: the number of webhooks of the fullest period */
		echo esc_html( sprintf( _n( 'tallest bar: %s webhook', 'tallest bar: %s webhooks', $highest, 'wpf-webhooks' ), number_format_i18n( $highest ) ) );
		echo '</span><span>' . esc_html( (string) wp_date( $format, (int) array_key_last( $counts ) ) ) . '</span></div>';
		echo '<ul class="wpf-webhooks-chart-legend">';
		foreach ( self::sums( $counts ) as $outcome => $count ) {
			echo '<li><span class="wpf-webhooks-swatch" style="background:' . esc_attr( LogPage::COLOURS[ $outcome ] ) . '"></span>' . esc_html( self::words( array( $outcome => $count ) ) ) . '</li>';
		}
		echo '</ul>';
		echo '<table class="screen-reader-text"><caption>' . esc_html( $title ) . '</caption><tbody>';
		foreach ( array_filter( $counts ) as $start => $outcomes ) {
			echo '<tr><th scope="row">' . esc_html( (string) wp_date( $format, $start ) ) . '</th><td>' . esc_html( self::words( $outcomes ) ) . '</td></tr>';
		}
		echo '</tbody></table></figure>';
	}

	/**
	 * Every period's counts added up, by outcome, in Log::outcomes() order.
	 *
	 * @param array $counts Log::counts().
	 * @return array<string, int>
	 */
	private static function sums( array $counts ): array {
		$sums = array_fill_keys( Log::outcomes(), 0 );
		foreach ( $counts as $outcomes ) {
			foreach ( $outcomes as $outcome => $count ) {
				$sums[ $outcome ] += $count;
			}
		}
		return array_filter( $sums );
	}

	/**
	 * Counts by outcome in words: "2 successes, 1 CRM error".
	 *
	 * @param array<string, int> $outcomes Outcome => count.
	 */
	public static function words( array $outcomes ): string {
		$plurals = array(
			/* translators: %s: a number of webhooks */
			'success'  => _n_noop( '%s success', '%s successes', 'wpf-webhooks' ),
			/* translators: %s: a number of webhooks */
			'client'   => _n_noop( '%s client error', '%s client errors', 'wpf-webhooks' ),
			/* translators: %s: a number of webhooks */
			'crm'      => _n_noop( '%s CRM error', '%s CRM errors', 'wpf-webhooks' ),
			/* translators: %s: a number of webhooks */
			'refused'  => _n_noop( '%s refused', '%s refused', 'wpf-webhooks' ),
			/* translators: %s: a number of webhooks */
			'internal' => _n_noop( '%s internal error', '%s internal errors', 'wpf-webhooks' ),
		);
		$words   = array();
		foreach ( $outcomes as $outcome => $count ) {
			$words[] = sprintf( translate_nooped_plural( $plurals[ $outcome ], $count, 'wpf-webhooks' ), number_format_i18n( $count ) );
		}
		/* translators: the separator between counts, e.g. "2 successes, 1 CRM error" */
		return implode( __( ', ', 'wpf-webhooks' ), $words );
	}
}
