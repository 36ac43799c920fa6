<?php
/**
 * The extension's plan for a webhook, checked once when it arrives (the `apply` decision of
 * `wpf_handle_webhook()` / `wpf_handle_queued()`; its Rust side is `wire::ToApply` in crates/core/src/webhook.rs).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * What WordPress must do for a webhook that passed every check: find the contact's user (or, for `add`, create
 * one) and write these. Read-only; every field has the type the rest of the shim relies on.
 */
final class Plan {

	/**
	 * A plan.
	 *
	 * @param string       $action       The action, as the extension names it (`add`, `update`, `update_tags`).
	 * @param string|null  $delivery_key The delivery's key, when the sender gave an id.
	 * @param string       $slug         The CRM's WP Fusion slug (`{slug}_contact_id`, `{slug}_tags`).
	 * @param string       $email        The contact id to store: the email as the CRM returns it.
	 * @param string[]|null $tags        The contact's tags; null when the CRM did not say (stored tags stay).
	 * @param array        $core         Core user fields to write (field => value).
	 * @param array        $meta         User meta to write (key => value).
	 * @param NewUser|null $create       For `add`: the user to create when none is linked.
	 */
	private function __construct(
		public readonly string $action,
		public readonly ?string $delivery_key,
		public readonly string $slug,
		public readonly string $email,
		public readonly ?array $tags,
		public readonly array $core,
		public readonly array $meta,
		public readonly ?NewUser $create
	) {}

	/**
	 * The plan in an `apply` decision.
	 *
	 * @param array $decision The extension's decision, `kind` `apply`.
	 * @throws \UnexpectedValueException When the decision is not a plan of this shape (an extension of another
	 *                                   interface would be refused before this).
	 */
	public static function from_extension( array $decision ): self {
		$strings = fn( $list ) => is_array( $list ) && array_is_list( $list ) && array() === array_filter( $list, fn( $v ) => ! is_string( $v ) );
		$valid   = 'apply' === ( $decision['kind'] ?? null )
			&& is_string( $decision['action'] ?? null ) && '' !== $decision['action']
			&& ( null === ( $decision['delivery_key'] ?? null ) || is_string( $decision['delivery_key'] ) )
			&& is_string( $decision['slug'] ?? null ) && '' !== $decision['slug']
			&& is_string( $decision['email'] ?? null ) && '' !== $decision['email']
			&& ( null === ( $decision['tags'] ?? null ) || $strings( $decision['tags'] ) )
			&& is_array( $decision['core'] ?? null )
			&& is_array( $decision['meta'] ?? null );
		if ( ! $valid ) {
			throw new \UnexpectedValueException( 'The extension gave a plan of an unknown shape.' );
		}
		$create = $decision['create'] ?? null;
		return new self(
			$decision['action'],
			$decision['delivery_key'] ?? null,
			$decision['slug'],
			$decision['email'],
			$decision['tags'] ?? null,
			$decision['core'],
			$decision['meta'],
			null === $create ? null : NewUser::from_extension( $create, $strings )
		);
	}

	/**
	 * The fields written, for WP Fusion's actions: never the password.
	 */
	public function public_meta(): array {
		return array( 'user_email' => $this->email ) + $this->core + $this->meta; // Not array_merge(): it renumbers a field named by digits alone.
	}
}
