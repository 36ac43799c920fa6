<?php
/**
 * Every WordPress user call the plugin makes: finding the user linked to a contact, creating and updating
 * users, storing tags and firing WP Fusion's actions (CONTRACT §5).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Users, their meta and their tags.
 */
final class UserStore {

	/**
	 * The error code of update() when WordPress (a `can_add_user_to_blog` filter) refused to make the user a
	 * member of this site.
	 */
	const JOIN_REFUSED = 'wpf_webhooks_join_refused';

	/**
	 * The user linked to a contact: by contact id (ContactLinks: the link table, each hit checked against the
	 * contact-id meta; a contact with no link, while the backfill runs, in the meta rows it has not linked yet),
	 * lowest id wins; then by email; case-insensitive. The email lookup uses the users table's index.
	 *
	 * @param string $slug  The CRM's slug.
	 * @param string $email The contact's email.
	 */
	public static function find( string $slug, string $email ): ?\WP_User {
		global $wpdb;
		$id = ContactLinks::find( $slug, $email );
		if ( null !== $id ) {
			$user = get_userdata( $id );
			return $user instanceof \WP_User ? $user : null;
		}
		// Equality only, so the user_email index serves it: WordPress's collations (MariaDB's *_ci, the SQLite
		// drop-in's NOCASE) compare case-insensitively, as core's own email_exists() relies on.
		$lower = strtolower( $email );
		$id    = $wpdb->get_var(
			$wpdb->prepare( "SELECT ID FROM {$wpdb->users} WHERE user_email IN (%s, %s) ORDER BY ID ASC LIMIT 1", $email, $lower )
		);
		$user = null === $id ? false : get_userdata( (int) $id );
		if ( ! $user instanceof \WP_User ) {
			return null;
		}
		ContactLinks::repair( $user->ID, $slug, $email );
		return $user;
	}

	/**
	 * Whether a webhook must leave this user alone: a super admin, or a user with any capability the extension
	 * calls privileged (stored, or granted by a plugin when checked) here or, on a multisite
	 * network (whose users every site shares), on any of the user's own sites, archived ones included; the cost
	 * follows the user's sites, not the network's.
	 *
	 * @param \WP_User $user The user.
	 */
	public static function is_privileged( \WP_User $user ): bool {
		if ( is_super_admin( $user->ID ) || self::privileged_as( $user ) ) {
			return true;
		}
		foreach ( is_multisite() ? array_keys( get_blogs_of_user( $user->ID, true ) ) : array() as $site_id ) {
			if ( self::privileged_as( new \WP_User( $user->ID, '', (int) $site_id ) ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether the user, on the site it was loaded for, holds a privileged capability: stored (any non-empty value,
	 * as WordPress counts it) or granted when checked, through the `user_has_cap` filter of a plugin.
	 *
	 * @param \WP_User $user The user, for one site.
	 */
	private static function privileged_as( \WP_User $user ): bool {
		if ( wpf_webhooks_is_privileged( $user->allcaps ) ) {
			return true;
		}
		foreach ( wpf_webhooks_privileged_capabilities() as $cap ) {
			if ( user_can( $user, $cap ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether, on a multisite network, the user is not a member of this site: the users table is the network's, so
	 * find() can return another site's user, whom this site's webhooks (and so its administrator's CRM) must not
	 * rewrite. One look at the user's own meta (its capabilities key for this site), whatever the network's size.
	 *
	 * @param \WP_User $user The user.
	 */
	public static function is_of_another_site( \WP_User $user ): bool {
		return is_multisite() && ! is_user_member_of_blog( $user->ID );
	}

	/**
	 * Whether `add` may make a user of other sites of the network a member of this one: only where the network's
	 * owner allowed it in wp-config.php (`WPF_WEBHOOKS_JOIN_NETWORK_USERS`). A site's administrator chooses its
	 * CRM and key, and the user's record and meta are the network's: joined, a user gets this site's CRM fields
	 * and tags on every site, which WordPress itself lets no site administrator do.
	 */
	public static function may_join(): bool {
		return defined( 'WPF_WEBHOOKS_JOIN_NETWORK_USERS' ) && WPF_WEBHOOKS_JOIN_NETWORK_USERS;
	}

	/**
	 * Creates the user a plan describes, with its meta and tags, in one transaction.
	 *
	 * @param Plan   $plan  The extension's plan.
	 * @param string $login The login, from free_login().
	 * @return int|\WP_Error The new user's id.
	 */
	public static function create( Plan $plan, string $login ) {
		global $wpdb;
		$create   = $plan->create;
		$userdata = array_merge(
			$plan->core,
			array(
				'user_login' => $login,
				'user_email' => $plan->email,
				'user_pass'  => $create->password,
				'role'       => $create->role ?? '',
			)
		);
		$wpdb->query( 'START TRANSACTION' );
		$user_id = wp_insert_user( $userdata );
		if ( ! is_wp_error( $user_id ) && $user_id < 1 ) {
			// wp_insert_user() returns 0 when its database insert failed (a value too long for its column).
			$user_id = new \WP_Error( 'db_insert_error' );
		}
		if ( is_wp_error( $user_id ) ) {
			$wpdb->query( 'ROLLBACK' );
			return $user_id;
		}
		update_user_meta( $user_id, $plan->slug . '_contact_id', $plan->email );
		foreach ( $plan->meta as $key => $value ) {
			update_user_meta( $user_id, $key, $value );
		}
		if ( null !== $plan->tags ) {
			self::store_tags( $user_id, $plan->slug, $plan->tags );
		}
		$wpdb->query( 'COMMIT' );
		return $user_id;
	}

	/**
	 * Fires the actions of a new user, after its transaction committed.
	 *
	 * @param int  $user_id The user.
	 * @param Plan $plan    The extension's plan.
	 */
	public static function announce_created( int $user_id, Plan $plan ): void {
		if ( null !== $plan->tags ) {
			self::fire_tag_actions( $user_id, array(), $plan->tags );
		}
		do_action( 'wpf_user_imported', $user_id, $plan->public_meta() );
	}

	/**
	 * Updates an existing user in one transaction: makes it a member of this site when it joins (see
	 * is_of_another_site()), links the contact, writes the mapped fields (not for update_tags), stores the tags
	 * (unless the CRM did not give them); then fires the actions. When every value is already stored, nothing is
	 * written and no transaction is opened; the actions fire all the same.
	 *
	 * @param \WP_User     $user The user.
	 * @param Plan         $plan The extension's plan.
	 * @param NewUser|null $join For a user of other sites of the network only: the new user's part of an `add`
	 *                           plan, whose role the user gets on this site.
	 * @return \WP_Error|null WordPress's refusal of the core fields, or JOIN_REFUSED for the membership, when it
	 *                        refused them: then nothing was written and no action fired.
	 */
	public static function update( \WP_User $user, Plan $plan, ?NewUser $join = null ): ?\WP_Error {
		global $wpdb;
		$user_id = $user->ID;
		$old     = self::tags( $user_id, $plan->slug );
		// wp_update_user() rewrites the whole user and a dozen meta values: only when a field really changes.
		$changed = array_filter( $plan->core, fn( $value, $field ) => (string) $user->get( $field ) !== (string) $value, ARRAY_FILTER_USE_BOTH );
		$meta    = $plan->meta; // Not array_merge(): a field named by digits alone is an integer key PHP would renumber.
		$meta[ $plan->slug . '_contact_id' ] = $plan->email;
		$stale   = fn() => array_filter( $meta, fn( $value, $key ) => ! self::is_stored( $user_id, (string) $key, $value ), ARRAY_FILTER_USE_BOTH );
		$tags    = null !== $plan->tags && $plan->tags !== $old;
		if ( null === $join && array() === $changed && array() === $stale() && ! $tags ) {
			self::announce_updated( $user_id, $plan, $old );
			return null;
		}
		$wpdb->query( 'START TRANSACTION' );
		$joined = null === $join ? true : add_user_to_blog( get_current_blog_id(), $user_id, (string) $join->role );
		if ( is_wp_error( $joined ) ) {
			$wpdb->query( 'ROLLBACK' );
			clean_user_cache( $user_id );
			return new \WP_Error( self::JOIN_REFUSED, $joined->get_error_message() );
		}
		if ( array() !== $changed ) {
			$updated = wp_update_user( array_merge( $changed, array( 'ID' => $user_id ) ) );
			if ( is_wp_error( $updated ) ) {
				$wpdb->query( 'ROLLBACK' );
				clean_user_cache( $user_id );
				return $updated;
			}
		}
		// After wp_update_user(): a profile_update hook may have rewritten a mapped key, which the webhook's value
		// then replaces, as before.
		foreach ( $stale() as $key => $value ) {
			update_user_meta( $user_id, (string) $key, $value );
		}
		if ( $tags ) {
			self::store_tags( $user_id, $plan->slug, $plan->tags );
		}
		$wpdb->query( 'COMMIT' );
		self::announce_updated( $user_id, $plan, $old );
		return null;
	}

	/**
	 * Fires the actions of an update, after its transaction committed (or when there was nothing to write).
	 *
	 * @param int      $user_id The user.
	 * @param Plan     $plan    The extension's plan.
	 * @param string[] $old     The tags before.
	 */
	private static function announce_updated( int $user_id, Plan $plan, array $old ): void {
		if ( null !== $plan->tags ) {
			self::fire_tag_actions( $user_id, $old, $plan->tags );
		}
		if ( 'update_tags' !== $plan->action ) {
			do_action( 'wpf_user_updated', $user_id, $plan->public_meta() );
		}
	}

	/**
	 * Whether a meta key holds exactly this value, once, as update_user_meta() would find it (read from the
	 * user's meta cache: no query): then writing it would change nothing.
	 *
	 * @param int    $user_id The user.
	 * @param string $key     The meta key.
	 * @param mixed  $value   The value.
	 */
	private static function is_stored( int $user_id, string $key, $value ): bool {
		return array( $value ) === get_user_meta( $user_id, $key );
	}

	/**
	 * The tags stored for a user.
	 *
	 * @param int    $user_id The user.
	 * @param string $slug    The CRM's slug.
	 * @return string[]
	 */
	public static function tags( int $user_id, string $slug ): array {
		$tags = get_user_meta( $user_id, $slug . '_tags', true );
		return is_array( $tags ) ? array_values( array_map( 'strval', $tags ) ) : array();
	}

	/**
	 * Stores the tags as WP Fusion does: a PHP array of strings, deleted when empty.
	 *
	 * @param int      $user_id The user.
	 * @param string   $slug    The CRM's slug.
	 * @param string[] $tags    The tags.
	 */
	private static function store_tags( int $user_id, string $slug, array $tags ): void {
		if ( array() === $tags ) {
			delete_user_meta( $user_id, $slug . '_tags' );
		} else {
			update_user_meta( $user_id, $slug . '_tags', array_values( array_map( 'strval', $tags ) ) );
		}
	}

	/**
	 * WP Fusion's tag actions: applied and removed when the list changed, modified always.
	 *
	 * @param int      $user_id The user.
	 * @param string[] $old     The tags before.
	 * @param string[] $new     The tags now.
	 */
	private static function fire_tag_actions( int $user_id, array $old, array $new ): void {
		$added   = array_values( array_diff( $new, $old ) );
		$removed = array_values( array_diff( $old, $new ) );
		if ( array() !== $added ) {
			do_action( 'wpf_tags_applied', $user_id, $added );
		}
		if ( array() !== $removed ) {
			do_action( 'wpf_tags_removed', $user_id, $removed );
		}
		do_action( 'wpf_tags_modified', $user_id, array_values( $new ) );
	}

	/**
	 * The first of the extension's logins that WordPress accepts unchanged and nobody has (the email or the
	 * mapped login, then the bounded list of fallbacks), locked until the caller releases it: two contacts whose
	 * CRM gives them the same login, created at once, must not both take it (`user_login` has no unique index,
	 * and WordPress checks it only before its insert). The lock is on the lower-cased login, as the database
	 * compares logins. The caller holds its contact's lock; login locks are taken only after it, one at a
	 * time, so no webhook waits for a contact lock while it holds a login lock, and none can dead-lock.
	 *
	 * @param string[] $candidates The plan's `create.logins`, in order.
	 * @param float    $wait       Longest wait for another webhook that is creating a user with the same login.
	 * @return array{0: string, 1: Lock}|string The login and its lock, to release once the user is created or
	 *                                          given up; or `taken` when every login is taken, `busy` when
	 *                                          another webhook held one longer than the wait.
	 */
	public static function free_login( array $candidates, float $wait ): array|string {
		foreach ( $candidates as $candidate ) {
			$candidate = (string) $candidate;
			if ( ! self::usable_login( $candidate ) ) {
				continue;
			}
			$lock = new Lock( 'login:' . strtolower( $candidate ) );
			if ( ! $lock->acquire( $wait ) ) {
				return 'busy';
			}
			if ( self::usable_login( $candidate ) ) {
				return array( $candidate, $lock );
			}
			$lock->release();
		}
		return 'taken';
	}

	/**
	 * Whether a login is valid as it stands, allowed and free: what wp_insert_user() would refuse is skipped, so
	 * the next candidate is tried (a login a plugin forbids with `illegal_user_logins`, compared in any case, as
	 * WordPress does).
	 *
	 * @param string $login The login.
	 */
	private static function usable_login( string $login ): bool {
		return '' !== $login
			&& strlen( $login ) <= 60
			&& sanitize_user( $login, true ) === $login
			&& ! in_array( strtolower( $login ), array_map( 'strtolower', (array) apply_filters( 'illegal_user_logins', array() ) ), true )
			&& ! username_exists( $login );
	}
}
