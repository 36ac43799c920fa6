<?php
/**
 * Ring 3: `update` and `update_tags`, and the WP Fusion actions they fire.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * Updates of existing users over real HTTP.
 */
final class UpdateTest extends WebhookTestCase {

	/**
	 * A user linked to jane@example.com with tags ["1", "3"].
	 */
	private function jane(): int {
		$id = wp_insert_user( array( 'user_login' => 'jane', 'user_email' => 'jane@example.com', 'user_pass' => wp_generate_password(), 'first_name' => 'Old' ) );
		update_user_meta( $id, 'customer-io_contact_id', 'jane@example.com' );
		update_user_meta( $id, 'customer-io_tags', array( '1', '3' ) );
		return $id;
	}

	public function test_update_tags_stores_the_segments_and_fires_the_tag_actions(): void {
		$id     = $this->jane();
		$answer = $this->hook( 'update_tags', 'jane@example.com' );
		$this->assertAnswer( 200, 'updated', $answer );
		$this->assertSame( $id, $answer['json']['user_id'] );
		$this->assertSame( array( '1', '42' ), get_user_meta( $id, 'customer-io_tags', true ) );
		$this->assertSame( 'Old', get_userdata( $id )->first_name, 'update_tags leaves fields alone' );
		$actions = Site::json_lines( 'actions.log' );
		$this->assertSame( array( 'wpf_tags_applied', 'wpf_tags_removed', 'wpf_tags_modified' ), array_column( $actions, 'action' ) );
		$this->assertSame( array( '42' ), $actions[0]['data'] );
		$this->assertSame( array( '3' ), $actions[1]['data'] );
		$this->assertSame( array( '1', '42' ), $actions[2]['data'] );
		foreach ( $actions as $a ) {
			$this->assertSame( $id, $a['user_id'] );
			$this->assertTrue( $a['WPF_DOING_WEBHOOK'] && $a['DOING_WPF_WEBHOOK'] );
		}
	}

	public function test_unchanged_tags_fire_only_tags_modified(): void {
		$id = $this->jane();
		update_user_meta( $id, 'customer-io_tags', array( '1', '42' ) );
		$this->hook( 'update_tags', 'jane@example.com' );
		$this->assertSame( array( 'wpf_tags_modified' ), array_column( Site::json_lines( 'actions.log' ), 'action' ) );
	}

	public function test_an_empty_tag_list_deletes_the_meta(): void {
		$id = $this->jane();
		self::$sandbox->put_person( array( 'email' => 'jane@example.com', 'segments' => array() ) );
		$this->assertAnswer( 200, 'updated', $this->hook( 'update_tags', 'jane@example.com' ) );
		$this->assertSame( array(), get_user_meta( $id, 'customer-io_tags' ) );
	}

	public function test_update_writes_mapped_fields_and_tags(): void {
		$id = $this->jane();
		$this->configure( array( 'field_map' => array( 'first_name' => 'first_name', 'last_name' => 'last_name', 'plan_level' => 'plan', 'role' => 'plan', 'wp_capabilities' => 'plan' ) ) );
		$answer = $this->hook( 'update', 'jane@example.com', array( 'role' => 'administrator' ) );
		$this->assertAnswer( 200, 'updated', $answer );
		$user = get_userdata( $id );
		$this->assertSame( 'Jane', $user->first_name );
		$this->assertSame( 'Doe', $user->last_name );
		$this->assertSame( 'pro', get_user_meta( $id, 'plan_level', true ) );
		$this->assertSame( array( 'subscriber' ), $user->roles, 'role is never written' );
		$this->assertArrayNotHasKey( 'pro', $user->caps );
		$actions = array_column( Site::json_lines( 'actions.log' ), null, 'action' );
		$this->assertSame( array( 'user_email' => 'jane@example.com', 'first_name' => 'Jane', 'last_name' => 'Doe', 'plan_level' => 'pro' ), $actions['wpf_user_updated']['data'] );
	}

	public function test_update_of_an_unknown_user_is_404_and_creates_nothing(): void {
		foreach ( array( 'update', 'update_tags', 'update_user' ) as $action ) {
			$this->assertAnswer( 404, 'user_not_found', $this->hook( $action, 'jane@example.com' ) );
		}
		$this->assertSame( 1, $this->user_count() );
	}

	public function test_an_unknown_contact_is_404(): void {
		$this->assertAnswer( 404, 'contact_not_found', $this->hook( 'add', 'nobody@example.com' ) );
	}

	public function test_an_id_only_body_is_resolved_through_the_crm(): void {
		$answer = Site::webhook( array( 'wpf_action' => 'add_user', 'access_key' => self::KEY ), '{"id":"cust-1001"}' );
		$this->assertAnswer( 200, 'created', $answer );
		$this->assertNotNull( $this->user( 'id-only@example.com' ) );
		$answer = Site::webhook( array( 'wpf_action' => 'update_tags', 'access_key' => self::KEY, 'contact_id' => 'id-only@example.com' ), '' );
		$this->assertAnswer( 200, 'updated', $answer );
	}
}
