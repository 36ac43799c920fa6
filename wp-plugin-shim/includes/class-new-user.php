<?php
/**
 * The new user of a plan (its `create` part), checked once when it arrives.
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * A new user's data, for when the plan finds no user linked to the contact.
 */
final class NewUser {

	/**
	 * A new user.
	 *
	 * @param string[]    $logins                The logins to try, in order (the email or mapped login, then the
	 *                                           bounded fallbacks).
	 * @param string      $password              Its password (generated, or the CRM's).
	 * @param string|null $return_password_field The CRM field to write a generated password to first, or null.
	 * @param string|null $role                  Its role, or null for none.
	 * @param string[]    $warnings              Warnings for the answer.
	 * @param string[]    $role_warnings         The role's own warnings: the answer's when, on a network, a user
	 *                                           of other sites only joins this one with $role instead.
	 * @param bool        $notify                Whether WordPress's new-user email goes to the user.
	 */
	private function __construct(
		public readonly array $logins,
		public readonly string $password,
		public readonly ?string $return_password_field,
		public readonly ?string $role,
		public readonly array $warnings,
		public readonly array $role_warnings,
		public readonly bool $notify
	) {}

	/**
	 * The `create` part of a plan.
	 *
	 * @param mixed    $create  The plan's `create`.
	 * @param callable $strings Whether a value is a list of strings.
	 * @throws \UnexpectedValueException When it is not of this shape.
	 */
	public static function from_extension( $create, callable $strings ): self {
		$valid = is_array( $create )
			&& $strings( $create['logins'] ?? null ) && array() !== $create['logins']
			&& is_string( $create['password'] ?? null ) && '' !== $create['password']
			&& ( null === ( $create['return_password_field'] ?? null ) || is_string( $create['return_password_field'] ) )
			&& ( null === ( $create['role'] ?? null ) || is_string( $create['role'] ) )
			&& $strings( $create['warnings'] ?? null )
			&& $strings( $create['role_warnings'] ?? null )
			&& is_bool( $create['notify'] ?? null );
		if ( ! $valid ) {
			throw new \UnexpectedValueException( 'The extension gave a new user of an unknown shape.' );
		}
		return new self( $create['logins'], $create['password'], $create['return_password_field'] ?? null, $create['role'] ?? null, $create['warnings'], $create['role_warnings'], $create['notify'] );
	}
}
