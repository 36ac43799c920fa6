<?php
/**
 * Ring 3: the contact-link table (CONTRACT §5) — kept in step with the contact-id meta by WordPress's meta and
 * user hooks, verified against the meta before a lookup trusts it, and filled for existing users by a resumable
 * backfill (WP-Cron, the settings page), with lookups correct while it runs.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Admin\SettingsPage;
use WpfWebhooks\Admin\SiteHealth;
use WpfWebhooks\ContactLinks;
use WpfWebhooks\UserStore;

/**
 * Links, their hooks, their backfill, and webhooks through them.
 */
final class ContactLinksTest extends WebhookTestCase {

	const SLUG = 'customer-io';
	const KEY  = 'customer-io_contact_id';

	protected function setUp(): void {
		parent::setUp();
		$this->finish_backfill();
	}

	protected function tearDown(): void {
		$this->finish_backfill();
		parent::tearDown();
	}

	/**
	 * Runs the backfill to its end, from the start.
	 */
	private function finish_backfill(): void {
		ContactLinks::start_backfill();
		while ( ! ContactLinks::backfill_batch() ) {
			continue;
		}
		wp_cache_flush();
	}

	/**
	 * A user whose email is not its contact id (so that the email lookup cannot find it by accident).
	 *
	 * @param string $login The login.
	 */
	private function make_user( string $login ): int {
		$id = wp_insert_user( array( 'user_login' => $login, 'user_email' => $login . '@users.example.org', 'user_pass' => wp_generate_password() ) );
		$this->assertIsInt( $id );
		return $id;
	}

	/**
	 * The user ids linked to a contact id, in the table.
	 *
	 * @param string $contact The contact id.
	 * @return int[]
	 */
	private function linked( string $contact ): array {
		global $wpdb;
		$table = ContactLinks::table();
		return array_map( 'intval', $wpdb->get_col( $wpdb->prepare( "SELECT user_id FROM {$table} WHERE slug = %s AND contact_hash = %s ORDER BY user_id", self::SLUG, ContactLinks::hash( $contact ) ) ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * The user a webhook for this contact would find, by id (0 = none).
	 *
	 * @param string $contact The contact id.
	 */
	private function found( string $contact ): int {
		wp_cache_flush();
		$user = UserStore::find( self::SLUG, $contact );
		return null === $user ? 0 : $user->ID;
	}

	public function test_the_table_follows_meta_written_through_wordpress(): void {
		$id = $this->make_user( 'follow' );
		$this->assertSame( array(), $this->linked( 'Follow@Example.com' ) );
		add_user_meta( $id, self::KEY, 'Follow@Example.com' );
		$this->assertSame( array( $id ), $this->linked( 'follow@example.com' ), 'added, under the lower-cased contact id' );
		update_user_meta( $id, self::KEY, 'moved@example.com' );
		$this->assertSame( array(), $this->linked( 'follow@example.com' ), 'updated: the old link is gone' );
		$this->assertSame( array( $id ), $this->linked( 'moved@example.com' ) );
		delete_user_meta( $id, self::KEY );
		$this->assertSame( array(), $this->linked( 'moved@example.com' ), 'deleted' );
		update_user_meta( $id, self::KEY, 'back@example.com' );
		update_user_meta( $id, 'customerly_contact_id', 'back@example.com' );
		$this->assertSame( array( $id ), $this->linked( 'back@example.com' ) );
		update_user_meta( $id, 'first_name', 'Other keys are ignored' );
		wp_delete_user( $id );
		$this->assertSame( array(), $this->linked( 'back@example.com' ), 'the user was deleted' );
		global $wpdb;
		$this->assertSame( '0', $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . ContactLinks::table() . ' WHERE user_id = %d', $id ) ), 'both CRMs\' links' ); // phpcs:ignore WordPress.DB
	}

	public function test_a_direct_sql_write_is_not_caught_but_a_stale_link_is_verified_and_dropped(): void {
		global $wpdb;
		$id = $this->make_user( 'direct' );
		update_user_meta( $id, self::KEY, 'before@example.com' );
		$wpdb->update( $wpdb->usermeta, array( 'meta_value' => 'after@example.com' ), array( 'user_id' => $id, 'meta_key' => self::KEY ) );
		clean_user_cache( $id );
		$this->assertSame( array( $id ), $this->linked( 'before@example.com' ), 'not caught: the link still names the old contact id' );
		$this->assertSame( array(), $this->linked( 'after@example.com' ), 'not caught: no link for the new one' );

		$this->assertSame( 0, $this->found( 'before@example.com' ), 'the stale link is checked against the meta, and not trusted' );
		$this->assertSame( 0, $this->found( 'after@example.com' ), 'with the backfill complete, a link that no hook saw is not found by contact id' );

		ContactLinks::start_backfill();
		$this->assertSame( $id, $this->found( 'after@example.com' ), 'a re-run of the backfill (Settings → Webhooks) finds it at once' );
		while ( ! ContactLinks::backfill_batch() ) {
			continue;
		}
		$this->assertSame( array( $id ), $this->linked( 'after@example.com' ), 'and links it' );
		$this->assertSame( $id, $this->found( 'after@example.com' ) );
	}

	public function test_a_lookup_checks_a_link_against_the_database_not_a_stale_cache(): void {
		global $wpdb;
		$id = $this->make_user( 'cached' );
		update_user_meta( $id, self::KEY, 'old@example.com' );
		$this->assertSame( array( 'old@example.com' ), get_user_meta( $id, self::KEY ), 'this process caches the old contact id' );
		// Another process (a webhook, WP Fusion) moves the user to another contact: its meta and its link.
		$wpdb->query( $wpdb->prepare( "UPDATE {$wpdb->usermeta} SET meta_value = 'new@example.com' WHERE user_id = %d AND meta_key = %s", $id, self::KEY ) );
		$wpdb->query( $wpdb->prepare( 'UPDATE ' . ContactLinks::table() . ' SET contact_hash = %s WHERE user_id = %d', ContactLinks::hash( 'new@example.com' ), $id ) ); // phpcs:ignore WordPress.DB
		$user = UserStore::find( self::SLUG, 'new@example.com' );
		$this->assertSame( $id, null === $user ? 0 : $user->ID, 'found, although this process\'s cache still says otherwise' );
		$this->assertSame( array( $id ), $this->linked( 'new@example.com' ), 'and the link is kept' );
	}

	public function test_meta_written_before_the_backfill_state_exists_is_linked(): void {
		delete_site_option( ContactLinks::BACKFILL_OPTION );
		$id = $this->make_user( 'early' );
		update_user_meta( $id, self::KEY, 'early@example.com' );
		$this->assertSame( array( $id ), $this->linked( 'early@example.com' ), 'the hooks link whenever the table is there' );
	}

	public function test_a_batch_whose_insert_fails_does_not_move_the_cursor(): void {
		global $wpdb;
		$id = $this->make_user( 'retry' );
		update_user_meta( $id, self::KEY, 'retry@example.com' );
		$wpdb->query( 'DELETE FROM ' . ContactLinks::table() ); // phpcs:ignore WordPress.DB
		ContactLinks::start_backfill();
		$table = ContactLinks::table();
		$break = fn( $query ) => str_starts_with( (string) $query, "INSERT IGNORE INTO {$table}" ) ? 'SELECT * FROM no_such_table_wpf' : $query;
		add_filter( 'query', $break );
		$suppress = $wpdb->suppress_errors( true );
		try {
			ContactLinks::backfill_for( 1.0 );
		} finally {
			$wpdb->suppress_errors( $suppress );
			remove_filter( 'query', $break );
		}
		wp_cache_flush();
		$this->assertFalse( ContactLinks::progress()['finished'], 'the window whose links were not written is still to do' );
		while ( ! ContactLinks::backfill_batch() ) {
			continue;
		}
		$this->assertSame( array( $id ), $this->linked( 'retry@example.com' ) );
	}

	public function test_a_batch_held_elsewhere_makes_the_backfill_wait_its_turn_not_spin(): void {
		$id = $this->make_user( 'busy' );
		update_user_meta( $id, self::KEY, 'busy@example.com' );
		ContactLinks::start_backfill();
		$this->while_fixture_holds(
			'hold-lock.php',
			array( 'contact-links-backfill' ),
			function () {
				$started = microtime( true );
				ContactLinks::backfill_for( 5.0 );
				$this->assertLessThan( 1.0, microtime( true ) - $started, 'another process works it: this one leaves at once' );
			}
		);
	}

	public function test_the_lowest_user_id_wins_when_two_users_share_a_contact_id(): void {
		$first  = $this->make_user( 'first' );
		$second = $this->make_user( 'second' );
		update_user_meta( $second, self::KEY, 'shared@example.com' );
		update_user_meta( $first, self::KEY, 'Shared@Example.com' );
		$this->assertSame( array( $first, $second ), $this->linked( 'shared@example.com' ) );
		$this->assertSame( $first, $this->found( 'SHARED@example.com' ) );
		delete_user_meta( $first, self::KEY );
		$this->assertSame( $second, $this->found( 'shared@example.com' ) );
	}

	public function test_while_the_backfill_runs_a_linked_contact_costs_no_scan_of_the_unlinked_rows(): void {
		global $wpdb;
		$unlinked = $this->make_user( 'unlinked' );
		$linked   = $this->make_user( 'linked' );
		update_user_meta( $unlinked, self::KEY, 'both@example.com' );
		update_user_meta( $unlinked, 'customerly_contact_id', 'alone@example.com' );
		$wpdb->query( 'DELETE FROM ' . ContactLinks::table() ); // phpcs:ignore WordPress.DB -- written before the plugin: meta, no link.
		update_user_meta( $linked, self::KEY, 'both@example.com' );
		ContactLinks::start_backfill();
		$scans = array();
		$watch = function ( $query ) use ( &$scans, $wpdb ) {
			if ( str_contains( (string) $query, "FROM {$wpdb->usermeta} WHERE meta_key = " ) ) {
				$scans[] = $query;
			}
			return $query;
		};
		add_filter( 'query', $watch );
		try {
			$found = $this->found( 'both@example.com' );
			$this->assertSame( array(), $scans, 'no scan of the contact-id rows the backfill has not reached' );
			$user = UserStore::find( 'customerly', 'alone@example.com' );
			$this->assertCount( 1, $scans, 'a contact not in the index is looked for in the unlinked rows' );
		} finally {
			remove_filter( 'query', $watch );
		}
		$this->assertSame( $linked, $found, 'the verified link answers: a contact in the index is not looked for in the unlinked rows (CONTRACT §5)' );
		$this->assertSame( $unlinked, null === $user ? 0 : $user->ID, 'and found there' );

		while ( ! ContactLinks::backfill_batch() ) {
			continue;
		}
		$this->assertSame( $unlinked, $this->found( 'both@example.com' ), 'once both are linked, the lowest user id wins' );
	}

	public function test_the_backfill_runs_in_batches_resumes_reports_progress_and_lookups_stay_right(): void {
		global $wpdb;
		$users = array();
		foreach ( range( 1, 6 ) as $n ) {
			$users[ "old{$n}@example.com" ] = $this->make_user( "old{$n}" );
			update_user_meta( $users[ "old{$n}@example.com" ], self::KEY, "Old{$n}@example.com" );
		}
		$wpdb->query( 'DELETE FROM ' . ContactLinks::table() ); // phpcs:ignore WordPress.DB -- a site switching from WP Fusion: meta, no links.
		ContactLinks::start_backfill();
		$this->assertNotFalse( wp_next_scheduled( ContactLinks::CRON_HOOK ), 'WP-Cron will work it' );
		$progress = ContactLinks::progress();
		$this->assertSame( array( 0, 6, 0, false ), array( $progress['done'], $progress['total'], $progress['percent'], $progress['finished'] ) );
		foreach ( $users as $contact => $id ) {
			$this->assertSame( $id, $this->found( $contact ), "$contact before any batch" );
		}

		$ids    = array_map( 'intval', $wpdb->get_col( $wpdb->prepare( "SELECT umeta_id FROM {$wpdb->usermeta} WHERE meta_key = %s ORDER BY umeta_id", self::KEY ) ) );
		$window = $ids[2] - ContactLinks::progress()['cursor']; // The first three rows.
		$this->assertFalse( ContactLinks::backfill_batch( $window ) );
		wp_cache_flush(); // Another request resumes from the stored cursor.
		$progress = ContactLinks::progress();
		$this->assertSame( array( 3, 6, 50, false ), array( $progress['done'], $progress['total'], $progress['percent'], $progress['finished'] ) );
		$this->assertSame( 3, (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . ContactLinks::table() ) ); // phpcs:ignore WordPress.DB
		foreach ( $users as $contact => $id ) {
			$this->assertSame( $id, $this->found( $contact ), "$contact half-way" );
		}
		$late = $this->make_user( 'late' );
		update_user_meta( $late, self::KEY, 'late@example.com' );
		$this->assertSame( array( $late ), $this->linked( 'late@example.com' ), 'written during the backfill: linked by the hooks' );

		while ( ! ContactLinks::backfill_batch( $window ) ) {
			continue;
		}
		$progress = ContactLinks::progress();
		$this->assertSame( array( 6, 6, 100, true ), array( $progress['done'], $progress['total'], $progress['percent'], $progress['finished'] ) );
		$this->assertFalse( wp_next_scheduled( ContactLinks::CRON_HOOK ), 'unscheduled when done' );
		foreach ( $users as $contact => $id ) {
			$this->assertSame( array( $id ), $this->linked( $contact ) );
			$this->assertSame( $id, $this->found( $contact ) );
		}

		ContactLinks::start_backfill();
		while ( ! ContactLinks::backfill_batch() ) {
			continue;
		}
		$this->assertSame( 7, (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . ContactLinks::table() ), 'a re-run adds nothing twice' ); // phpcs:ignore WordPress.DB
	}

	public function test_wp_cron_finishes_the_backfill(): void {
		$id = $this->make_user( 'cron' );
		update_user_meta( $id, self::KEY, 'cron@example.com' );
		ContactLinks::start_backfill();
		$this->assertFalse( ContactLinks::progress()['finished'] );
		Site::run_cron();
		$this->assertTrue(
			Site::eventually(
				function () {
					wp_cache_flush();
					return ContactLinks::progress()['finished'];
				},
				10
			)
		);
		$this->assertFalse( wp_next_scheduled( ContactLinks::CRON_HOOK ) );
	}

	public function test_webhooks_find_their_user_through_the_links(): void {
		global $wpdb;
		$created = $this->hook( 'add', 'jane@example.com' );
		$this->assertAnswer( 200, 'created', $created );
		$jane = (int) $created['json']['user_id'];
		$this->assertSame( array( $jane ), $this->linked( 'jane@example.com' ), 'the site linked the new user' );
		$this->assertSame( $jane, $this->hook( 'update_tags', 'jane@example.com' )['json']['user_id'] );

		$decoy = $this->make_user( 'decoy' );
		$this->assertLessThan( $decoy, $jane );
		$wpdb->query( $wpdb->prepare( 'UPDATE ' . ContactLinks::table() . ' SET user_id = %d WHERE user_id = %d', $decoy, $jane ) ); // phpcs:ignore WordPress.DB -- a stale link to another user.
		$answer = $this->hook( 'update_tags', 'jane@example.com' );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( $jane, $answer['json']['user_id'], 'the stale link was not trusted' );
		$this->assertSame( array(), get_user_meta( $decoy, 'customer-io_tags' ) );

		$wpdb->query( 'DELETE FROM ' . ContactLinks::table() ); // phpcs:ignore WordPress.DB
		ContactLinks::start_backfill();
		$answer = $this->hook( 'add', 'jane@example.com' );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( $jane, $answer['json']['user_id'], 'found while the backfill runs' );
		$this->assertSame( 3, $this->user_count(), 'the admin, Jane and the decoy: no second Jane' );
	}

	public function test_the_settings_page_and_site_health_show_progress_and_run_it_on_demand(): void {
		add_filter( 'wp_redirect', array( self::class, 'stop_redirect' ) );
		wp_set_current_user( 1 );
		try {
			$id = $this->make_user( 'page' );
			update_user_meta( $id, self::KEY, 'page@example.com' );
			$this->assertSame( 'good', SiteHealth::contact_links_test()['status'] );
			ContactLinks::start_backfill();
			$health = SiteHealth::contact_links_test();
			$this->assertSame( 'recommended', $health['status'] );
			$this->assertStringContainsString( '0 of 1 (0 %)', $health['description'] );
			ob_start();
			SettingsPage::render();
			$page = (string) ob_get_clean();
			$this->assertStringContainsString( '0 of 1 (0 %)', $page );
			$this->assertStringContainsString( 'value="wpf_webhooks_backfill_links"', $page );

			$_REQUEST = array( '_wpnonce' => wp_create_nonce( 'wpf_webhooks_backfill_links' ) );
			try {
				SettingsPage::backfill_links();
				$this->fail( 'no redirect' );
			} catch ( \LogicException $redirect ) {
				$this->assertStringContainsString( 'wpf-notice=links', $redirect->getMessage() );
			}
			wp_cache_flush();
			$this->assertTrue( ContactLinks::progress()['finished'], 'the button ran it' );
			$this->assertSame( 'good', SiteHealth::contact_links_test()['status'] );

			wp_set_current_user( 0 );
			add_filter( 'wp_die_handler', array( self::class, 'die_handler' ) );
			try {
				SettingsPage::backfill_links();
				$this->fail( 'a visitor ran the backfill' );
			} catch ( \RuntimeException $e ) {
				$this->assertSame( 403, $e->getCode() );
			} finally {
				remove_filter( 'wp_die_handler', array( self::class, 'die_handler' ) );
			}
		} finally {
			remove_filter( 'wp_redirect', array( self::class, 'stop_redirect' ) );
			wp_set_current_user( 0 );
			$_REQUEST = array();
		}
	}

	/**
	 * wp_die() as an exception carrying its status.
	 */
	public static function die_handler(): callable {
		return static function ( $message, $title = '', $args = array() ) {
			throw new \RuntimeException( 'wp_die', (int) ( $args['response'] ?? 0 ) );
		};
	}

	/**
	 * The handler redirects and exits: stop it at the redirect.
	 *
	 * @param string $location Where it goes.
	 */
	public static function stop_redirect( string $location ): string {
		throw new \LogicException( $location );
	}
}
