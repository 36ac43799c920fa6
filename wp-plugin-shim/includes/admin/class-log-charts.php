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
 * Draws what Log::counts() gives, with no script and no outside service. Colour is never alone: each outcome has a
 * pattern of its own (solid, stripes, dots, lines, hatching) in the bars and in the legend, which names each with
 * its total; each bar has its counts in words as its title (for a mouse), and "Show as a table" opens every period
 * with webhooks as numbers, for the keyboard, the eye and screen readers alike.
 */
final class LogCharts {

	/**
	 * One bar's width and the gap after it, in the drawing's units; its height.
	 */
	const BAR    = 10;
	const GAP    = 2;
	const HEIGHT = 100;

	/**
	 * Each outcome's marks over its colour, in a 4 × 4 tile of the drawing's units: success solid, client errors
	 * in diagonal stripes, CRM errors dotted, refused in horizontal lines, internal errors cross-hatched.
	 */
	const MARKS = array(
		'success'  => '',
		'client'   => '<path d="M-1,1 l2,-2 M0,4 l4,-4 M3,5 l2,-2" stroke="#1d2327" stroke-opacity=".55" stroke-width="1"/>',
		'crm'      => '<circle cx="2" cy="2" r="1" fill="#fff" fill-opacity=".85"/>',
		'refused'  => '<path d="M0,1 h4" stroke="#fff" stroke-width="1"/>',
		'internal' => '<path d="M0,0 l4,4 M4,0 l-4,4" stroke="#fff" stroke-opacity=".75" stroke-width=".8"/>',
	);

	/**
	 * Prints one chart, or what `$empty` says when the periods hold no webhook.
	 *
	 * @param string $title  The chart's title.
	 * @param array  $counts Log::counts(): period start => outcome => count, oldest first.
	 * @param string $format The date or time format of a period's label.
	 * @param string $empty  What an empty chart says.
	 * @param string $period What a period is, the table's first heading: "Hour", "Day".
	 */
	public static function render( string $title, array $counts, string $format, string $empty, string $period ): void {
		static $charts = 0;
		$id     = 'wpf-webhooks-chart-' . ++$charts;
		$totals = array_map( 'array_sum', $counts );
		echo '<figure class="wpf-webhooks-chart" id="' . esc_attr( $id ) . '">';
		echo '<figcaption id="' . esc_attr( $id . '-caption' ) . '"><strong>' . esc_html( $title ) . '</strong></figcaption>';
		if ( 0 === array_sum( $totals ) ) {
			echo '<p class="wpf-webhooks-chart-empty">' . esc_html( $empty ) . '</p></figure>';
			return;
		}
		$highest = max( $totals );
		$width   = count( $counts ) * ( self::BAR + self::GAP ) - self::GAP;
		echo '<svg viewBox="0 0 ' . esc_attr( (string) $width ) . ' ' . esc_attr( (string) self::HEIGHT ) . '" preserveAspectRatio="none" role="img" aria-labelledby="' . esc_attr( $id . '-title' ) . '" focusable="false">';
		echo '<title id="' . esc_attr( $id . '-title' ) . '">' . esc_html( $title . ': ' . self::words( self::sums( $counts ) ) ) . '</title>';
		echo '<defs>';
		foreach ( self::sums( $counts ) as $outcome => $count ) {
			printf(
				'<pattern id="%s" patternUnits="userSpaceOnUse" width="4" height="4"><rect width="4" height="4" fill="%s"/>%s</pattern>',
				esc_attr( self::pattern_id( $id, $outcome ) ),
				esc_attr( LogPage::COLOURS[ $outcome ] ),
				self::MARKS[ $outcome ] // phpcs:ignore WordPress.Security.EscapeOutput -- constant markup.
			);
		}
		echo '</defs>';
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
					esc_attr( 'url(#' . self::pattern_id( $id, $outcome ) . ')' ),
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
			printf(
				'<li><svg class="wpf-webhooks-swatch" viewBox="0 0 12 12" aria-hidden="true" focusable="false"><rect x=".5" y=".5" width="11" height="11" fill="url(#%s)" stroke="%s"/></svg>%s</li>',
				esc_attr( self::pattern_id( $id, $outcome ) ),
				esc_attr( LogPage::COLOURS[ $outcome ] ),
				esc_html( self::words( array( $outcome => $count ) ) )
			);
		}
		echo '</ul>';
		self::render_table( $id, $title, $counts, $format, $period );
		echo '</figure>';
	}

	/**
	 * The chart's numbers, a table behind "Show as a table": a row a period with webhooks, a column an outcome
	 * the chart shows, and the total.
	 *
	 * @param string $id     The chart's id.
	 * @param string $title  The chart's title.
	 * @param array  $counts Log::counts().
	 * @param string $format The date or time format of a period's label.
	 * @param string $period What a period is: the first column's heading.
	 */
	private static function render_table( string $id, string $title, array $counts, string $format, string $period ): void {
		$names    = LogPage::outcomes();
		$outcomes = array_keys( self::sums( $counts ) );
		echo '<details class="wpf-webhooks-chart-table"><summary aria-describedby="' . esc_attr( $id . '-caption' ) . '">' . esc_html__( 'Show as a table', 'wpf-webhooks' ) . '</summary>';
		echo '<table class="widefat striped"><caption class="screen-reader-text">' . esc_html( $title ) . '</caption><thead><tr><th scope="col">' . esc_html( $period ) . '</th>';
		foreach ( $outcomes as $outcome ) {
			echo '<th scope="col" class="num">' . esc_html( $names[ $outcome ] ) . '</th>';
		}
		echo '<th scope="col" class="num">' . esc_html__( 'Total', 'wpf-webhooks' ) . '</th></tr></thead><tbody>';
		foreach ( array_filter( $counts ) as $start => $counted ) {
			echo '<tr><th scope="row">' . esc_html( (string) wp_date( $format, $start ) ) . '</th>';
			foreach ( $outcomes as $outcome ) {
				echo '<td class="num">' . esc_html( number_format_i18n( $counted[ $outcome ] ?? 0 ) ) . '</td>';
			}
			echo '<td class="num">' . esc_html( number_format_i18n( array_sum( $counted ) ) ) . '</td></tr>';
		}
		echo '</tbody></table></details>';
	}

	/**
	 * The id of an outcome's pattern in a chart.
	 *
	 * @param string $id      The chart's id.
	 * @param string $outcome The outcome.
	 */
	private static function pattern_id( string $id, string $outcome ): string {
		return $id . '-' . $outcome;
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
