<?php
/**
 * Benchmark site set-up, run through `scripts/wp-env.sh php` (which sets WPF_WP_DIR and WPF_SANDBOX_URL):
 *
 *   configure.php settings       points the plugin at the sandbox's Customer.io (Return Password to
 *                                `wp_password`, first and last name and plan mapped), makes the table the
 *                                floor's `write` variant writes to; prints the access key
 *   configure.php plugin on|off  activates or deactivates the plugin by editing `active_plugins` alone (no
 *                                activation or deactivation hook runs, settings and tables stay)
 *   configure.php facts          prints `name=value` lines: WordPress and PHP versions, the database
 *   configure.php users N        adds N users (`bulk-I@bulk.example`), each with the 14 meta rows WordPress gives a
 *                                subscriber and linked to its Customer.io contact (`customer-io_contact_id`,
 *                                `customer-io_tags`), 1 000 users at a time (multi-row INSERTs; on SQLite prepared
 *                                statements on the drop-in's PDO connection, one transaction): the size of a large
 *                                membership site, for the lookups' cost; the meta is written by SQL, so no
 *                                contact link is made (as on a site switching from WP Fusion)
 *   configure.php backfill FILE  (re)starts the contact links' backfill, creates FILE once it has started (a webhook
 *                                then sees it running), and runs it to its end in this process; prints
 *                                `ROWS SECONDS`: the contact-id rows linked and the time it took
 *
 * @package WpfWebhooks\Bench
 */

require getenv( 'WPF_WP_DIR' ) . '/wp-load.php';

global $wpdb;
$wpf_bench_plugin = 'wpf-webhooks/wpf-webhooks.php';
switch ( $argv[1] ?? '' ) {
	case 'settings':
		$wpf_bench_sandbox  = rtrim( (string) getenv( 'WPF_SANDBOX_URL' ), '/' );
		$wpf_bench_settings = array_merge(
			WpfWebhooks\Settings::get(),
			array(
				'crm'                   => 'customerio',
				'customerio_app_key'    => 'sandbox-app-key',
				'customerio_site_id'    => 'sandbox-site-id',
				'customerio_track_key'  => 'sandbox-track-key',
				'customerio_app_url'    => $wpf_bench_sandbox . '/customerio/us/app/v1',
				'customerio_track_url'  => $wpf_bench_sandbox . '/customerio/us/track/api/v1',
				'return_password'       => true,
				'return_password_field' => 'wp_password',
				'field_map'             => array(
					'first_name' => 'first_name',
					'last_name'  => 'last_name',
					'plan'       => 'plan',
				),
			)
		);
		update_option( WpfWebhooks\Settings::OPTION, $wpf_bench_settings, false );
		$wpdb->query( "CREATE TABLE IF NOT EXISTS {$wpdb->prefix}wpf_bench_writes ( id bigint(20) unsigned NOT NULL AUTO_INCREMENT, created_at bigint(20) NOT NULL, PRIMARY KEY (id) )" ); // phpcs:ignore WordPress.DB
		echo $wpf_bench_settings['access_key'], "\n"; // phpcs:ignore WordPress.Security.EscapeOutput
		break;
	case 'plugin':
		$wpf_bench_active = array_values( array_diff( (array) get_option( 'active_plugins', array() ), array( $wpf_bench_plugin ) ) );
		if ( 'on' === ( $argv[2] ?? '' ) ) {
			$wpf_bench_active[] = $wpf_bench_plugin;
		}
		update_option( 'active_plugins', $wpf_bench_active );
		break;
	case 'users':
		$wpf_bench_count = max( 0, (int) ( $argv[2] ?? 0 ) );
		$wpf_bench_first = 1 + (int) $wpdb->get_var( "SELECT MAX(ID) FROM {$wpdb->users}" ); // phpcs:ignore WordPress.DB
		// The meta rows wp_insert_user() gives a subscriber.
		$wpf_bench_core_meta = array(
			'nickname'              => 'bulk',
			'first_name'            => 'Bulk',
			'last_name'             => 'User',
			'description'           => '',
			'rich_editing'          => 'true',
			'syntax_highlighting'   => 'true',
			'comment_shortcuts'     => 'false',
			'admin_color'           => 'fresh',
			'use_ssl'               => '0',
			'show_admin_bar_front'  => 'true',
			'locale'                => '',
			$wpdb->prefix . 'capabilities' => 'a:1:{s:10:"subscriber";b:1;}',
			$wpdb->prefix . 'user_level'   => '0',
			'dismissed_wp_pointers' => '',
		);
		// On SQLite, through the drop-in's PDO connection: its translation of MySQL queries, in PHP, would take most
		// of an hour for 200 000 users' multi-row INSERTs.
		$wpf_bench_pdo = defined( 'DB_ENGINE' ) && 'sqlite' === DB_ENGINE ? $wpdb->dbh->get_connection()->get_pdo() : null;
		if ( $wpf_bench_pdo ) {
			$wpf_bench_insert_user = $wpf_bench_pdo->prepare( "INSERT INTO {$wpdb->users} (ID, user_login, user_pass, user_nicename, user_email, user_registered, display_name) VALUES (?, ?, ?, ?, ?, ?, ?)" );
			$wpf_bench_insert_meta = $wpf_bench_pdo->prepare( "INSERT INTO {$wpdb->usermeta} (user_id, meta_key, meta_value) VALUES (?, ?, ?)" );
		}
		for ( $wpf_bench_from = 0; $wpf_bench_from < $wpf_bench_count; $wpf_bench_from += 1000 ) {
			$wpf_bench_users = array();
			$wpf_bench_meta  = array();
			for ( $wpf_bench_i = $wpf_bench_from; $wpf_bench_i < min( $wpf_bench_count, $wpf_bench_from + 1000 ); $wpf_bench_i++ ) {
				$wpf_bench_id      = $wpf_bench_first + $wpf_bench_i;
				$wpf_bench_email   = "bulk-$wpf_bench_i@bulk.example";
				$wpf_bench_users[] = array( $wpf_bench_id, $wpf_bench_email, 'x', "bulk-$wpf_bench_i", $wpf_bench_email, '2026-01-01 00:00:00', "Bulk $wpf_bench_i" );
				foreach ( array( 'customer-io_contact_id' => $wpf_bench_email, 'customer-io_tags' => 'a:1:{i:0;s:1:"1";}' ) + $wpf_bench_core_meta as $wpf_bench_key => $wpf_bench_value ) {
					$wpf_bench_meta[] = array( $wpf_bench_id, $wpf_bench_key, $wpf_bench_value );
				}
			}
			if ( $wpf_bench_pdo ) {
				$wpf_bench_pdo->beginTransaction();
				foreach ( $wpf_bench_users as $wpf_bench_row ) {
					$wpf_bench_insert_user->execute( $wpf_bench_row );
				}
				foreach ( $wpf_bench_meta as $wpf_bench_row ) {
					$wpf_bench_insert_meta->execute( $wpf_bench_row );
				}
				$wpf_bench_pdo->commit();
				continue;
			}
			$wpdb->query( "INSERT INTO {$wpdb->users} (ID, user_login, user_pass, user_nicename, user_email, user_registered, display_name) VALUES " . implode( ', ', array_map( fn( $row ) => $wpdb->prepare( '(%d, %s, %s, %s, %s, %s, %s)', $row ), $wpf_bench_users ) ) ); // phpcs:ignore WordPress.DB
			$wpdb->query( "INSERT INTO {$wpdb->usermeta} (user_id, meta_key, meta_value) VALUES " . implode( ', ', array_map( fn( $row ) => $wpdb->prepare( '(%d, %s, %s)', $row ), $wpf_bench_meta ) ) ); // phpcs:ignore WordPress.DB
		}
		printf( "%d\n", (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->users}" ) ); // phpcs:ignore WordPress.DB,WordPress.Security.EscapeOutput
		break;
	case 'backfill':
		$wpf_bench_started = microtime( true );
		WpfWebhooks\ContactLinks::start_backfill();
		touch( (string) ( $argv[2] ?? '' ) );
		while ( true !== WpfWebhooks\ContactLinks::backfill_batch() ) {
			continue;
		}
		printf( "%d %.3f\n", WpfWebhooks\ContactLinks::progress()['done'], microtime( true ) - $wpf_bench_started ); // phpcs:ignore WordPress.Security.EscapeOutput
		break;
	case 'facts':
		printf( "wordpress=%s\nphp=%s\ndatabase=%s %s\n", get_bloginfo( 'version' ), PHP_VERSION, defined( 'DB_ENGINE' ) && 'sqlite' === DB_ENGINE ? 'SQLite' : 'MariaDB', $wpdb->db_server_info() ); // phpcs:ignore WordPress.Security.EscapeOutput
		break;
	default:
		fwrite( STDERR, "usage: configure.php settings | plugin on|off | facts | users N | backfill FILE\n" ); // phpcs:ignore WordPress.WP.AlternativeFunctions
		exit( 2 );
}
