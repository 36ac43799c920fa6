<?php
/**
 * Ring 3: the conformance suite against the Customerly sandbox, with webhook bodies that carry the whole
 * contact (name, attributes, tags) as Customerly's webhooks do: the contact is read from the API all the same.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * The same fixtures, with the other payload shape.
 */
final class CustomerlyEmbeddedConformanceTest extends CustomerlyConformanceTest {

	/**
	 * The contact as the sandbox holds it (email included, as Customerly sends it), embedded in the webhook; an
	 * unknown contact gets the bare email.
	 */
	protected function body( string $email ): string {
		$contact = self::$sandbox->call( 'GET', '/_sandbox/customerly/contacts?email=' . rawurlencode( $email ) );
		if ( ! isset( $contact['email'] ) ) {
			return parent::body( $email );
		}
		$embedded = array(
			'email'      => $contact['email'],
			'name'       => $contact['name'] ?? '',
			'attributes' => $contact['attributes'] ?? array(),
			'tags'       => $contact['tags'] ?? array(),
		);
		return (string) wp_json_encode( array( 'type' => 'user_tagged', 'data' => array( 'user' => array( 'data' => $embedded ) ) ) );
	}
}
