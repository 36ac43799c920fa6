<?php
/**
 * Demo: shows the WordPress user a webhook made for the email in $argv[1], with the meta of the CRM slug
 * $argv[2] (customer-io or customerly), and the newest row of the webhook log: its outcome and signature check.
 *
 * @package WpfWebhooks
 */

require getenv( 'WPF_WP_DIR' ) . '/wp-load.php';

$user = get_user_by( 'email', $argv[1] );
$slug = $argv[2] ?? 'customer-io';
if ( ! $user ) {
	fwrite( STDERR, "no user with that email\n" );
	exit( 1 );
}
$rows = array(
	'ID'                     => $user->ID,
	'user_login'             => $user->user_login,
	'user_email'             => $user->user_email,
	'roles'                  => implode( ', ', $user->roles ),
	'first_name'             => $user->first_name,
	'last_name'              => $user->last_name,
	'plan (user meta)'       => get_user_meta( $user->ID, 'plan', true ),
	"{$slug}_contact_id"     => get_user_meta( $user->ID, $slug . '_contact_id', true ),
	"{$slug}_tags"           => implode( ', ', (array) get_user_meta( $user->ID, $slug . '_tags', true ) ),
	'user_pass (hash only)'  => substr( $user->user_pass, 0, 12 ) . '…',
);
foreach ( $rows as $name => $value ) {
	printf( "  %-24s %s\n", $name, $value );
}
$logged = WpfWebhooks\Log::query( array( 'per_page' => 1 ) )['rows'][0] ?? null;
if ( null !== $logged ) {
	$verdict = $logged['request']['signature'] ?? array();
	printf( "\n  webhook log: %s → %s, signature %s%s\n", $logged['action'], $logged['code'], $logged['signature'], isset( $verdict['scheme'] ) ? " ({$verdict['scheme']})" : '' );
}
