<?php
/**
 * Plugin Name: wpf-webhooks test mail capture
 * Description: Installed by scripts/wp-env.sh into every site it makes (the tests', the demo's, the benchmark's).
 *              Captures every wp_mail() as one JSON line in the file named by the constant WPF_TEST_MAIL_LOG and
 *              sends nothing (there is no mail server).
 *
 * Each line: {"to": [...], "subject": "...", "message": "...", "headers": [...], "attachments": [...], "time": 1.0}
 * "to" and "headers" are always lists (wp_mail accepts a comma-separated string or an array for both).
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Normalise wp_mail's string-or-array arguments to a list of non-empty strings.
 *
 * @param string|string[] $value     What wp_mail() received.
 * @param string          $separator Separator of the string form.
 * @return string[]
 */
function wpf_test_mail_list( $value, $separator ) {
	if ( ! is_array( $value ) ) {
		$value = explode( $separator, (string) $value );
	}
	return array_values( array_filter( array_map( 'trim', array_map( 'strval', $value ) ), 'strlen' ) );
}

add_filter(
	'pre_wp_mail',
	static function ( $return, $atts ) {
		// Another pre_wp_mail filter (e.g. a test's own mu-plugin) already decided: leave it alone.
		if ( null !== $return ) {
			return $return;
		}
		$log  = defined( 'WPF_TEST_MAIL_LOG' ) ? WPF_TEST_MAIL_LOG : WP_CONTENT_DIR . '/mail.log';
		$line = json_encode(
			array(
				'to'          => wpf_test_mail_list( $atts['to'] ?? array(), ',' ),
				'subject'     => (string) ( $atts['subject'] ?? '' ),
				'message'     => (string) ( $atts['message'] ?? '' ),
				'headers'     => wpf_test_mail_list( $atts['headers'] ?? array(), "\n" ),
				'attachments' => wpf_test_mail_list( $atts['attachments'] ?? array(), "\n" ),
				'time'        => microtime( true ),
			),
			JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE
		);
		// One write with LOCK_EX: several php-fpm workers may send mail at the same time.
		if ( false === file_put_contents( $log, $line . "\n", FILE_APPEND | LOCK_EX ) ) {
			return false; // wp_mail() then reports failure, as a real mailer would.
		}
		return true;
	},
	PHP_INT_MAX,
	2
);
