<?php
/**
 * What of a webhook's request may be stored in the log (CONTRACT §6).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * The request as the log keeps it: method, query parameters, an allow-list of headers and a body excerpt, with
 * every secret replaced by `[redacted]`: the access key (right or wrong), values under secret-looking keys, the
 * Return Password field and the field mapped to `user_pass`, and every configured credential wherever it appears.
 * (The queue's stored requests are stripped by the extension, `crates/core/src/redact.rs`, by the same rules.)
 */
final class Redactor {

	/**
	 * What replaces a secret.
	 */
	const REDACTED = '[redacted]';

	/**
	 * Keys of the body (at any depth) and of the query string whose values are secret.
	 */
	const SECRET_KEY_PATTERN = '/pass|secret|token|key|auth/i';

	/**
	 * The longest body excerpt stored, in bytes.
	 */
	const BODY_EXCERPT_BYTES = 4096;

	/**
	 * The request headers stored (an allow-list: cookies, Authorization and anything else stay out). The
	 * access key header is stored as present, its value redacted.
	 */
	const HEADERS = array(
		'content-type',
		'content-length',
		'user-agent',
		'x-wpf-access-key',
		'x-cio-delivery-id',
		'x-cio-idempotency-key',
		'webhook-id',
	);

	/**
	 * The request as it may be stored: method, query parameters, the allowed headers and a body excerpt of
	 * at most 4 KiB, with every secret replaced by `[redacted]`.
	 *
	 * @param array $request  `method`, `query` (raw query string), `headers` (lower-case name => value), `body`
	 *                        (string, or null when it was not read), `body_bytes`.
	 * @param array $settings The settings (their credentials are replaced wherever they appear).
	 */
	public static function request( array $request, array $settings ): array {
		$secret_keys = self::secret_body_keys( $settings );
		parse_str( is_string( $request['query'] ?? null ) ? $request['query'] : '', $query );
		$headers = array();
		foreach ( is_array( $request['headers'] ?? null ) ? $request['headers'] : array() as $name => $value ) {
			$name = strtolower( (string) $name );
			if ( in_array( $name, self::HEADERS, true ) ) {
				$headers[ $name ] = 'x-wpf-access-key' === $name ? self::REDACTED : Text::cut( (string) $value, 256 );
			}
		}
		ksort( $headers );
		$body     = $request['body'] ?? null;
		$stored   = array(
			'method'  => strtoupper( Text::cut( (string) ( $request['method'] ?? '' ), 10 ) ),
			'query'   => self::redact_value( $query, $secret_keys ),
			'headers' => $headers,
		);
		$stored  += is_string( $body ) ? self::body_excerpt( $body, $secret_keys, $settings ) : array( 'body' => null );
		$stored['body_bytes'] = (int) ( $request['body_bytes'] ?? ( is_string( $body ) ? strlen( $body ) : 0 ) );
		return self::replace_credentials( $stored, $settings );
	}

	/**
	 * The body as stored: the redacted JSON value when it fits in 4 KiB, else the start of its redacted text
	 * (`body_truncated` true). A body that is not JSON is redacted by pattern (`"key": value`, `key=value`).
	 *
	 * @param string   $body        The raw body.
	 * @param string[] $secret_keys Extra keys whose values are secret (exact, case-insensitive).
	 * @param array    $settings    The settings.
	 */
	private static function body_excerpt( string $body, array $secret_keys, array $settings ): array {
		if ( '' === trim( $body ) ) {
			return array( 'body' => '' );
		}
		$value = json_decode( $body, true, 512, JSON_BIGINT_AS_STRING );
		if ( null !== $value || 'null' === trim( $body ) ) {
			$value = self::redact_value( $value, $secret_keys );
			$text  = Text::json( $value );
			if ( strlen( $text ) <= self::BODY_EXCERPT_BYTES ) {
				return array( 'body' => $value );
			}
		} else {
			$text = self::redact_text( $body, $secret_keys );
		}
		$text = self::without_credentials( $text, $settings );
		if ( strlen( $text ) <= self::BODY_EXCERPT_BYTES ) {
			return array( 'body' => $text );
		}
		return array(
			'body'           => Text::cut( $text, self::BODY_EXCERPT_BYTES ),
			'body_truncated' => true,
		);
	}

	/**
	 * A value with every secret entry replaced, at any depth.
	 *
	 * @param mixed    $value       A decoded JSON value or query parameters.
	 * @param string[] $secret_keys Extra secret keys.
	 * @return mixed
	 */
	private static function redact_value( $value, array $secret_keys ) {
		if ( ! is_array( $value ) ) {
			return $value;
		}
		foreach ( $value as $key => $item ) {
			$value[ $key ] = is_string( $key ) && self::is_secret_key( $key, $secret_keys ) ? self::REDACTED : self::redact_value( $item, $secret_keys );
		}
		return $value;
	}

	/**
	 * Pattern redaction of a body that is not JSON (truncated, invalid, form-encoded): the value after any
	 * secret-looking key, up to the end of the string or field.
	 *
	 * @param string   $text        The body.
	 * @param string[] $secret_keys Extra secret keys.
	 */
	private static function redact_text( string $text, array $secret_keys ): string {
		$extra = '';
		foreach ( $secret_keys as $key ) {
			$extra .= '|' . preg_quote( $key, '/' );
		}
		$word = '(?:pass|secret|token|key|auth)';
		$json = '/("(?:[^"\\\\]*' . $word . '[^"\\\\]*' . $extra . ')"\s*:\s*)(?:"(?:[^"\\\\]|\\\\.)*(?:"|$)|[^,}\]\s]*)/is';
		$form = '/((?:^|[&?;\s])(?:[^&=\s]*' . $word . '[^&=\s]*' . $extra . ')=)[^&;\s]*/is';
		$out  = preg_replace( array( $json, $form ), array( '$1"' . self::REDACTED . '"', '$1' . self::REDACTED ), $text );
		return is_string( $out ) ? $out : '';
	}

	/**
	 * Whether a key's value is secret.
	 *
	 * @param string   $key         The key.
	 * @param string[] $secret_keys Extra secret keys (lower case).
	 */
	private static function is_secret_key( string $key, array $secret_keys ): bool {
		return 1 === preg_match( self::SECRET_KEY_PATTERN, $key ) || in_array( strtolower( $key ), $secret_keys, true );
	}

	/**
	 * The CRM fields that may carry a password besides the pattern: Return Password's field and the field
	 * mapped to `user_pass`.
	 *
	 * @param array $settings The settings.
	 * @return string[] Lower case.
	 */
	private static function secret_body_keys( array $settings ): array {
		$keys = array();
		if ( is_string( $settings['return_password_field'] ?? null ) ) {
			$keys[] = $settings['return_password_field'];
		}
		if ( is_array( $settings['field_map'] ?? null ) && is_string( $settings['field_map']['user_pass'] ?? null ) ) {
			$keys[] = $settings['field_map']['user_pass'];
		}
		return array_values( array_filter( array_map( fn( $k ) => strtolower( trim( $k ) ), $keys ), 'strlen' ) );
	}

	/**
	 * The configured credentials, longest first (so one that contains another is replaced whole).
	 *
	 * @param array $settings The settings.
	 * @return string[]
	 */
	private static function credentials( array $settings ): array {
		$found = array();
		foreach ( wp_list_filter( Contract::settings(), array( 'secret' => true ) ) as $setting ) {
			$value = $settings[ $setting['key'] ] ?? '';
			// Four characters at least: replacing a shorter string everywhere would garble the log, and such a
			// key protects nothing anyway.
			if ( is_string( $value ) && strlen( trim( $value ) ) >= 4 ) {
				$found[] = $value;
				$found[] = trim( $value );
			}
		}
		$found = array_unique( $found );
		usort( $found, fn( $a, $b ) => strlen( $b ) <=> strlen( $a ) );
		return $found;
	}

	/**
	 * Text with every configured credential replaced (defence in depth: they are never meant to be there).
	 *
	 * @param string $text     Text.
	 * @param array  $settings The settings.
	 */
	public static function without_credentials( string $text, array $settings ): string {
		$credentials = self::credentials( $settings );
		return array() === $credentials ? $text : str_replace( $credentials, self::REDACTED, $text );
	}

	/**
	 * A structure with every configured credential replaced in its keys and strings.
	 *
	 * @param mixed $value    Any value.
	 * @param array $settings The settings.
	 * @return mixed
	 */
	private static function replace_credentials( $value, array $settings ) {
		if ( is_string( $value ) ) {
			return self::without_credentials( $value, $settings );
		}
		if ( ! is_array( $value ) ) {
			return $value;
		}
		$out = array();
		foreach ( $value as $key => $item ) {
			$key         = is_string( $key ) ? self::without_credentials( $key, $settings ) : $key;
			$out[ $key ] = self::replace_credentials( $item, $settings );
		}
		return $out;
	}
}
