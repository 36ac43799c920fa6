<?php
/**
 * Text helpers the plugin's stores share.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * JSON as the plugin stores it, and text cut to a column's width.
 */
final class Text {

	/**
	 * JSON text as stored: UTF-8 kept readable, invalid bytes replaced.
	 *
	 * @param mixed $value Any value.
	 */
	public static function json( $value ): string {
		$json = wp_json_encode( $value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE );
		return is_string( $json ) ? $json : 'null';
	}

	/**
	 * At most $bytes bytes of a string, not cutting a UTF-8 character.
	 *
	 * @param string $text  Text.
	 * @param int    $bytes Longest length.
	 */
	public static function cut( string $text, int $bytes ): string {
		if ( strlen( $text ) <= $bytes ) {
			return $text;
		}
		$cut = substr( $text, 0, $bytes );
		// Drop a trailing partial character: continuation bytes, then the lead byte they belonged to.
		$end = strlen( $cut );
		while ( $end > 0 && 0x80 === ( ord( $cut[ $end - 1 ] ) & 0xC0 ) ) {
			--$end;
		}
		if ( $end > 0 && ord( $cut[ $end - 1 ] ) >= 0xC0 ) {
			$lead = ord( $cut[ $end - 1 ] );
			$need = $lead >= 0xF0 ? 4 : ( $lead >= 0xE0 ? 3 : 2 );
			if ( strlen( $cut ) - ( $end - 1 ) < $need ) {
				$cut = substr( $cut, 0, $end - 1 );
			}
		}
		return $cut;
	}
}
