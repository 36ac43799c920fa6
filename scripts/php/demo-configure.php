<?php
/**
 * Demo: points the plugin at the sandbox's Customer.io ($argv[1] = customerio) or Customerly ($argv[1] =
 * customerly) and prints the access key. For Customer.io it also sets the webhook signing key to the one the
 * sandbox signs its webhooks with (its config's `cio_signing_key`), as a site owner copies the workspace's.
 *
 * Run through `scripts/wp-env.sh php`, which sets WPF_WP_DIR and WPF_SANDBOX_URL.
 *
 * @package WpfWebhooks
 */

require getenv( 'WPF_WP_DIR' ) . '/wp-load.php';

$sandbox = rtrim( (string) getenv( 'WPF_SANDBOX_URL' ), '/' );
$crms    = array(
	'customerio' => array(
		'customerio_app_key'   => 'sandbox-app-key',
		'customerio_site_id'   => 'sandbox-site-id',
		'customerio_track_key' => 'sandbox-track-key',
		'customerio_app_url'   => $sandbox . '/customerio/us/app/v1',
		'customerio_track_url' => $sandbox . '/customerio/us/track/api/v1',
	),
	'customerly' => array(
		'customerly_token'   => 'sandbox-customerly-token',
		'customerly_api_url' => $sandbox . '/customerly/v1',
	),
);
$config = json_decode( (string) file_get_contents( $sandbox . '/_sandbox/config' ), true );

$crms['customerio']['customerio_signing_key'] = (string) ( $config['cio_signing_key'] ?? '' );

$crm = $argv[1] ?? 'customerio';
if ( ! isset( $crms[ $crm ] ) ) {
	fwrite( STDERR, "unknown CRM '$crm': customerio or customerly\n" );
	exit( 2 );
}
$settings = array_merge(
	WpfWebhooks\Settings::get(),
	$crms[ $crm ],
	array(
		'crm'                   => $crm,
		'return_password_field' => 'wp_password',
		'field_map'             => array(
			'first_name' => 'first_name',
			'last_name'  => 'last_name',
			'plan'       => 'plan',
		),
	)
);
update_option( WpfWebhooks\Settings::OPTION, $settings, false );
echo $settings['access_key'], "\n";
