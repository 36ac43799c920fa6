<?php
/**
 * Plugin Name: wpf-webhooks test poison
 * Description: Test sites only. A worker that dies in the middle of a job: when a webhook reaches WP Fusion's tag
 *              actions for the contact poisoned@example.com, the php-fpm worker appends one JSON line to poison.log
 *              beside the mail log and kills its own process with SIGKILL, as a fatal error, the memory limit or the
 *              kernel's OOM killer would end it. Outside php-fpm (the test runner) it only writes the line.
 *
 * @package WpfWebhooks\Tests
 */

defined( 'ABSPATH' ) || exit;

add_action(
	'wpf_tags_modified',
	static function ( $user_id ) {
		$user = get_userdata( (int) $user_id );
		if ( ! $user instanceof WP_User || 'poisoned@example.com' !== strtolower( $user->user_email ) ) {
			return;
		}
		$line = array(
			'pid'  => getmypid(),
			'sapi' => PHP_SAPI,
		);
		file_put_contents( dirname( WPF_TEST_MAIL_LOG ) . '/poison.log', wp_json_encode( $line ) . "\n", FILE_APPEND | LOCK_EX );
		if ( 'fpm-fcgi' === PHP_SAPI ) {
			posix_kill( getmypid(), 9 );
		}
	}
);
