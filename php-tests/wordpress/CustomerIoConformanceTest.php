<?php
/**
 * Ring 3: the conformance suite against the Customer.io sandbox.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

/**
 * Customer.io's fixtures: `{"email": …}` bodies, segment ids as tags, Return Password through the Track API.
 */
final class CustomerIoConformanceTest extends ConformanceTestCase {

	protected function crm_settings(): array {
		return self::$sandbox->settings( self::KEY );
	}

	protected function slug(): string {
		return 'customer-io';
	}

	protected function body( string $email ): string {
		return (string) wp_json_encode( array( 'email' => $email ) );
	}

	protected function body_with_copy( string $email, array $copy ): string {
		return (string) wp_json_encode( array( 'email' => $email ) + $copy + array( 'segments' => $copy['tags'] ?? array() ) );
	}

	/**
	 * The first segment id goes in as a JSON number and the others as strings: the App API returns both.
	 */
	protected function seed( string $email, array $attributes, array $tags ): void {
		$segments = array_map( fn( $tag, $i ) => 0 === $i ? (int) $tag : $tag, $tags, array_keys( $tags ) );
		self::$sandbox->put_person( array( 'email' => $email, 'attributes' => $attributes, 'segments' => $segments ) );
	}

	protected function tags(): array {
		return array( array( '11', '42' ), array( '42', '7' ) );
	}

	protected function returned_passwords(): array {
		$writes = array_filter( self::$sandbox->requests(), fn( $r ) => 'PUT' === $r['method'] && str_contains( $r['path'], '/track/api/v1/customers/' ) );
		return array_values( array_map( fn( $r ) => json_decode( $r['body'], true )['wp_password'] ?? '', $writes ) );
	}

	protected function revoke_credentials(): void {
		self::$sandbox->call( 'PUT', '/_sandbox/config', array( 'app_key' => 'rotated', 'track_key' => 'rotated' ) );
	}

	protected function fail_writes( int $status ): void {
		self::$sandbox->fault( array( 'method' => 'PUT', 'path_contains' => '/track/', 'action' => array( 'status' => $status ) ) );
	}
}
