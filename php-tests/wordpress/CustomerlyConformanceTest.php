<?php
/**
 * Ring 3: the conformance suite against the Customerly sandbox, with webhook bodies that carry only the
 * contact's email (everything is loaded through the API).
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * Customerly's fixtures: the contact at `data.user.data`, tag names as tags, Return Password through
 * `POST /users`.
 */
class CustomerlyConformanceTest extends ConformanceTestCase {

	const TOKEN = 'sandbox-customerly-token';

	protected function crm_settings(): array {
		return array(
			'crm'                => 'customerly',
			'customerly_token'   => self::TOKEN,
			'customerly_api_url' => self::$sandbox->url . '/customerly/v1',
		);
	}

	protected function slug(): string {
		return 'customerly';
	}

	protected function body( string $email ): string {
		return (string) wp_json_encode( array( 'type' => 'user_tagged', 'data' => array( 'user' => array( 'data' => array( 'email' => $email ) ) ) ) );
	}

	protected function body_with_copy( string $email, array $copy ): string {
		return (string) wp_json_encode( array( 'type' => 'user_tagged', 'data' => array( 'user' => array( 'data' => array( 'email' => $email ) + $copy ) ) ) );
	}

	protected function seed( string $email, array $attributes, array $tags ): void {
		self::$sandbox->call( 'PUT', '/_sandbox/customerly/contacts', array( 'email' => $email, 'kind' => 'user', 'attributes' => $attributes, 'tags' => $tags ) );
	}

	protected function tags(): array {
		return array( array( 'onboarding', 'vip' ), array( 'vip', 'newsletter' ) );
	}

	protected function returned_passwords(): array {
		$writes = array_filter( self::$sandbox->requests(), fn( $r ) => 'POST' === $r['method'] && str_ends_with( $r['path'], '/customerly/v1/users' ) );
		return array_values( array_map( fn( $r ) => json_decode( $r['body'], true )['users'][0]['attributes']['wp_password'] ?? '', $writes ) );
	}

	protected function revoke_credentials(): void {
		self::$sandbox->call( 'PUT', '/_sandbox/config', array( 'customerly_token' => 'rotated' ) );
	}

	protected function fail_writes( int $status ): void {
		self::$sandbox->fault( array( 'method' => 'POST', 'path_contains' => '/customerly/v1/users', 'action' => array( 'status' => $status ) ) );
	}
}
