<?php
/**
 * Ring 2: the extension's PHP functions, called directly, with good and bad arguments.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The PHP-facing surface of libwpf_webhooks.so.
 */
final class ExtensionTest extends TestCase {

	const KEY = 'ext-test-key-0123456789-0123456789-abcdefgh';

	/**
	 * The sandbox CRM, started once for the class.
	 *
	 * @var Sandbox
	 */
	private static Sandbox $sandbox;

	public static function setUpBeforeClass(): void {
		self::$sandbox = Sandbox::start( getenv( 'WPF_SANDBOX_BIN' ) ?: dirname( __DIR__, 2 ) . '/target/release/wpf-sandbox' );
	}

	public static function tearDownAfterClass(): void {
		self::$sandbox->stop();
	}

	protected function setUp(): void {
		self::$sandbox->reset();
	}

	/**
	 * The site array the shim would pass.
	 *
	 * @param array $settings Settings overrides.
	 */
	private function site( array $settings = array() ): array {
		return array(
			'settings'     => array_merge( self::$sandbox->settings( self::KEY ), array( 'return_password_field' => 'wp_password' ), $settings ),
			'roles'        => array(
				'administrator' => array( 'name' => 'Administrator', 'capabilities' => array( 'manage_options' => true ) ),
				'subscriber'    => array( 'name' => 'Subscriber', 'capabilities' => array( 'read' => true ) ),
			),
			'default_role' => 'subscriber',
			'started_at'   => microtime( true ),
		);
	}

	/**
	 * A request array.
	 *
	 * @param string $query   Query string.
	 * @param string $body    Body.
	 * @param array  $headers Headers.
	 */
	private function request( string $query, string $body = '', array $headers = array() ): array {
		return array( 'query' => $query, 'body' => $body, 'headers' => $headers );
	}

	public function test_the_module_describes_itself(): void {
		$this->assertContains( 'wpf_webhooks', get_loaded_extensions() );
		$functions = get_extension_funcs( 'wpf_webhooks' );
		$all = array( 'wpf_handle_webhook', 'wpf_webhooks_signing', 'wpf_return_password', 'wpf_webhooks_build_info', 'wpf_webhooks_generate_key', 'wpf_test_connection', 'wpf_webhooks_key_bits', 'wpf_webhooks_field_problem', 'wpf_webhooks_privileged_roles', 'wpf_webhooks_is_privileged', 'wpf_webhooks_privileged_capabilities' );
		foreach ( $all as $f ) {
			$this->assertContains( $f, $functions );
		}
		$info = wpf_webhooks_build_info();
		$this->assertSame( array( 'git_revision', 'interface', 'php_api', 'profile', 'version' ), array_keys( $info ) );
		ob_start();
		phpinfo( INFO_GENERAL );
		$this->assertStringContainsString( 'PHP Extension => ' . $info['php_api'], (string) ob_get_clean(), 'built for this PHP API' );
		$shim = (string) file_get_contents( dirname( __DIR__, 2 ) . '/wp-plugin-shim/wpf-webhooks.php' );
		$this->assertMatchesRegularExpression( "/define\\( 'WPF_WEBHOOKS_INTERFACE', {$info['interface']} \\);/", $shim );
		$this->assertMatchesRegularExpression( "/\\* Version: " . preg_quote( $info['version'], '/' ) . '\n/', $shim );
		$this->assertSame( phpversion( 'wpf_webhooks' ), $info['version'] );
	}

	public function test_phpinfo_has_a_section(): void {
		ob_start();
		phpinfo( INFO_MODULES );
		$text = (string) ob_get_clean();
		$this->assertStringContainsString( 'wpf_webhooks support => enabled', $text );
		$this->assertStringContainsString( 'Shim interface version => ' . wpf_webhooks_build_info()['interface'], $text );
		$this->assertStringContainsString( 'Git revision => ' . wpf_webhooks_build_info()['git_revision'], $text );
		$this->assertStringContainsString( 'Built for PHP API => ' . wpf_webhooks_build_info()['php_api'], $text );
		// The contract's limits, for a host admin: 64 KiB bodies, and a webhook answered within Customer.io's 4 s.
		$this->assertStringContainsString( 'Request body limit => 65536 bytes', $text );
		$this->assertMatchesRegularExpression( '/^CRM budget per webhook => (\d+) ms$/m', $text );
		preg_match( '/^CRM budget per webhook => (\d+) ms$/m', $text, $budget );
		$this->assertLessThan( 4000, (int) $budget[1] );
		$this->assertStringContainsString( 'INI settings => none', $text );
		$this->assertSame( array(), ini_get_all( 'wpf_webhooks' ), 'no INI entries' );
	}

	public function test_generated_keys_are_long_url_safe_and_unique(): void {
		$keys = array();
		for ( $i = 0; $i < 200; $i++ ) {
			$key = wpf_webhooks_generate_key();
			$this->assertMatchesRegularExpression( '/^[A-Za-z0-9]{40}$/', $key );
			$keys[ $key ] = true;
		}
		$this->assertCount( 200, $keys );
	}

	public function test_test_action_needs_only_the_key(): void {
		$answer = wpf_handle_webhook( $this->request( 'wpf_action=test&access_key=' . self::KEY ), $this->site( array( 'crm' => '' ) ) );
		$this->assertSame( array( 'code' => 'ok', 'contact' => null, 'kind' => 'respond', 'message' => 'the access key is valid', 'retry_after' => null, 'status' => 200 ), array_diff_key( $answer, array( 'log_request' => true ) ) );
		$this->assertSame( array( 'reason' => null, 'scheme' => null, 'status' => 'unsigned' ), $answer['log_request']['signature'] );
		$answer = wpf_handle_webhook( $this->request( 'wpf_action=test', '', array( 'x-wpf-access-key' => self::KEY ) ), $this->site() );
		$this->assertSame( 'ok', $answer['code'] );
	}

	/**
	 * @dataProvider bad_keys
	 */
	public function test_wrong_keys_are_forbidden( string $query, array $headers ): void {
		$answer = wpf_handle_webhook( $this->request( 'wpf_action=test&' . $query, '', $headers ), $this->site() );
		$this->assertSame( 403, $answer['status'] );
		$this->assertSame( 'forbidden', $answer['code'] );
	}

	public static function bad_keys(): array {
		return array(
			'missing'        => array( '', array() ),
			'wrong'          => array( 'access_key=nope', array() ),
			'array'          => array( 'access_key[]=' . self::KEY, array() ),
			'padded'         => array( 'access_key=' . self::KEY . '%20', array() ),
			'nul inside'     => array( 'access_key=' . substr( self::KEY, 0, 5 ) . '%00' . substr( self::KEY, 5 ), array() ),
			'other case'     => array( 'access_key=' . strtoupper( self::KEY ), array() ),
			'prefix'         => array( 'access_key=' . substr( self::KEY, 0, -1 ), array() ),
			'wrong header'   => array( '', array( 'x-wpf-access-key' => 'nope' ) ),
		);
	}

	public function test_an_unset_key_lets_nobody_in(): void {
		$answer = wpf_handle_webhook( $this->request( 'wpf_action=test&access_key=' ), $this->site( array( 'access_key' => '' ) ) );
		$this->assertSame( 'forbidden', $answer['code'] );
	}

	/**
	 * @dataProvider bad_requests
	 */
	public function test_bad_requests_are_refused_with_the_contract_status( string $query, string $body, int $status, string $code ): void {
		$answer = wpf_handle_webhook( $this->request( $query, $body ), $this->site() );
		$this->assertSame( $status, $answer['status'], $answer['message'] );
		$this->assertSame( $code, $answer['code'] );
	}

	public static function bad_requests(): array {
		$key = 'access_key=' . self::KEY;
		return array(
			'body over 64 KiB'     => array( "wpf_action=add&$key", str_repeat( ' ', 65537 ), 413, 'payload_too_large' ),
			'too large beats key'  => array( 'wpf_action=add&access_key=x', str_repeat( ' ', 65537 ), 413, 'payload_too_large' ),
			'no action'            => array( $key, '', 400, 'bad_request' ),
			'unknown action'       => array( "wpf_action=delete&$key", '', 400, 'bad_request' ),
			'action as array'      => array( "wpf_action[]=add&$key", '', 400, 'bad_request' ),
			'truncated JSON'       => array( "wpf_action=add&$key", '{"email":', 400, 'bad_request' ),
			'JSON array'           => array( "wpf_action=add&$key", '["a@b.co"]', 400, 'bad_request' ),
			'invalid UTF-8'        => array( "wpf_action=add&$key", "{\"email\":\"\xff@b.co\"}", 400, 'bad_request' ),
			'too deep'             => array( "wpf_action=add&$key", str_repeat( '[', 65 ) . str_repeat( ']', 65 ), 400, 'bad_request' ),
			'10000 deep'           => array( "wpf_action=add&$key", str_repeat( '[', 10000 ) . str_repeat( ']', 10000 ), 400, 'bad_request' ),
			'no identifier'        => array( "wpf_action=add&$key", '{}', 400, 'bad_request' ),
			'not an email'         => array( "wpf_action=add&$key", '{"email":"jane"}', 400, 'bad_request' ),
			'email as number'      => array( "wpf_action=add&$key", '{"email":42}', 400, 'bad_request' ),
			'id ..'                => array( "wpf_action=add&$key", '{"id":".."}', 400, 'bad_request' ),
			'cio_id .'             => array( "wpf_action=add&$key", '{"cio_id":"."}', 400, 'bad_request' ),
			'contact_id ..'        => array( "wpf_action=update&$key&contact_id=..", '', 400, 'bad_request' ),
			'unknown contact'      => array( "wpf_action=add&$key", '{"email":"nobody@example.com"}', 404, 'contact_not_found' ),
		);
	}

	public function test_missing_configuration_is_503(): void {
		$key    = 'access_key=' . self::KEY;
		$answer = wpf_handle_webhook( $this->request( "wpf_action=add&$key", '{"email":"jane@example.com"}' ), $this->site( array( 'crm' => '' ) ) );
		$this->assertSame( array( 503, 'not_configured' ), array( $answer['status'], $answer['code'] ) );
		$answer = wpf_handle_webhook( $this->request( "wpf_action=add&$key", '{"email":"jane@example.com"}' ), $this->site( array( 'customerio_app_key' => '' ) ) );
		$this->assertSame( 'not_configured', $answer['code'] );
	}

	public function test_the_shims_plan_reads_every_plan_the_extension_makes_and_nothing_else(): void {
		defined( 'ABSPATH' ) || define( 'ABSPATH', '/' );
		require_once dirname( __DIR__, 2 ) . '/wp-plugin-shim/includes/class-new-user.php';
		require_once dirname( __DIR__, 2 ) . '/wp-plugin-shim/includes/class-plan.php';
		$add  = wpf_handle_webhook( $this->request( 'wpf_action=add&access_key=' . self::KEY, '{"email":"jane@example.com"}', array( 'x-cio-delivery-id' => 'd-2' ) ), $this->site() );
		$plan = \WpfWebhooks\Plan::from_extension( $add );
		$this->assertSame( array( 'add', 'customer-io', 'jane@example.com', array( '1', '42' ) ), array( $plan->action, $plan->slug, $plan->email, $plan->tags ) );
		$this->assertSame( hash( 'sha256', 'd-2' ), $plan->delivery_key );
		$this->assertSame( 'jane@example.com', $plan->create->logins[0] );
		$this->assertSame( 'wp_password', $plan->create->return_password_field );
		$this->assertSame( array( 'user_email' => 'jane@example.com', 'first_name' => 'Jane', 'last_name' => 'Doe' ), $plan->public_meta() );
		$tags = \WpfWebhooks\Plan::from_extension( wpf_handle_webhook( $this->request( 'wpf_action=update_tags&access_key=' . self::KEY, '{"email":"jane@example.com"}' ), $this->site() ) );
		$this->assertSame( array( 'update_tags', null, array(), null ), array( $tags->action, $tags->delivery_key, $tags->core, $tags->create ) );
		$broken = array(
			'not a plan'      => array( 'kind' => 'respond' ) + $add,
			'action not text' => array( 'action' => array( 'add' ) ) + $add,
			'no email'        => array( 'email' => '' ) + $add,
			'tags not text'   => array( 'tags' => array( 1 ) ) + $add,
			'no logins'       => array( 'create' => array( 'logins' => array() ) + $add['create'] ) + $add,
			'notify as text'  => array( 'create' => array( 'notify' => 'yes' ) + $add['create'] ) + $add,
		);
		foreach ( $broken as $why => $decision ) {
			try {
				\WpfWebhooks\Plan::from_extension( $decision );
				$this->fail( "accepted: {$why}" );
			} catch ( \UnexpectedValueException $e ) {
				$this->assertStringNotContainsString( 'jane', $e->getMessage(), 'no contact data in the message' );
			}
		}
	}

	public function test_add_returns_a_plan(): void {
		$answer = wpf_handle_webhook(
			$this->request( 'wpf_action=add&access_key=' . self::KEY . '&role=administrator&send_notification=true', '{"email":"JANE@example.com"}', array( 'x-cio-delivery-id' => 'd-1' ) ),
			$this->site()
		);
		$this->assertSame( 'apply', $answer['kind'] );
		$this->assertSame( 'add', $answer['action'] );
		$this->assertSame( 'customer-io', $answer['slug'] );
		$this->assertSame( 'jane@example.com', $answer['email'] );
		$this->assertSame( array( '1', '42' ), $answer['tags'] );
		$this->assertSame( array( 'first_name' => 'Jane', 'last_name' => 'Doe' ), $answer['core'] );
		$this->assertSame( array(), $answer['meta'] );
		$this->assertSame( hash( 'sha256', 'd-1' ), $answer['delivery_key'] );
		$create = $answer['create'];
		$this->assertCount( 11, $create['logins'], 'the email, then ten fallbacks' );
		$this->assertSame( 'jane@example.com', $create['logins'][0] );
		$this->assertMatchesRegularExpression( '/^jane@example\.com-([0-9a-f]{8})$/', $create['logins'][1] );
		$this->assertSame( $create['logins'][1] . '-10', $create['logins'][10], 'a short email needs no cut for its suffix' );
		$this->assertMatchesRegularExpression( '/^[A-Za-z0-9]{24}$/', $create['password'] );
		$this->assertSame( 'wp_password', $create['return_password_field'] );
		$this->assertSame( 'subscriber', $create['role'] );
		$this->assertSame( array( 'role_not_allowed' ), $create['warnings'] );
		$this->assertTrue( $create['notify'] );
	}

	public function test_a_signature_is_checked_over_the_exact_bytes_received(): void {
		$key  = 'cio-signing-key-' . bin2hex( random_bytes( 8 ) );
		$site = $this->site( array( 'customerio_signing_key' => $key ) );
		$body = "{ \"email\" : \"jane@example.com\", \"note\": \"caf\u{e9}\\u00e9\" }\n";
		$ts   = (string) time();
		$sign = fn( string $signed_body, string $at ) => array(
			'x-cio-timestamp' => $at,
			'x-cio-signature' => hash_hmac( 'sha256', "v0:{$at}:{$signed_body}", $key ),
		);
		$query = 'wpf_action=test&access_key=' . self::KEY;
		$this->assertSame( array( 'reason' => null, 'scheme' => 'customerio', 'status' => 'verified' ), wpf_handle_webhook( $this->request( $query, $body, $sign( $body, $ts ) ), $site )['log_request']['signature'] );
		$reencoded = (string) json_encode( json_decode( $body ) );
		foreach ( array( 'a re-encoded body' => $sign( $reencoded, $ts ), 'a stale one' => $sign( $body, (string) ( time() - 301 ) ) ) as $what => $headers ) {
			$answer = wpf_handle_webhook( $this->request( $query, $body, $headers ), $site );
			$this->assertSame( array( 403, 'refused' ), array( $answer['status'], $answer['log_request']['signature']['status'] ), $what );
			$this->assertStringNotContainsString( $headers['x-cio-signature'], (string) json_encode( $answer ), $what );
		}
		$this->assertSame(
			array(
				'armed'    => array( 'customerio' ),
				'problems' => array(),
				'required' => false,
				'schemes'  => array( 'customerio', 'standard_webhooks' ),
			),
			wpf_webhooks_signing( $site['settings'] )
		);
		$broken = wpf_webhooks_signing( array( 'crm' => 'customerly', 'customerio_signing_key' => $key, 'require_signature' => true, 'standard_webhooks_secret' => 'whsec_%%%' ) );
		$this->assertSame( array( array( 'standard_webhooks' ), array(), false ), array( $broken['schemes'], $broken['armed'], $broken['required'] ), "another CRM's key arms nothing" );
		$this->assertSame( array( 'require_signature', 'standard_webhooks_secret' ), array_keys( $broken['problems'] ) );
	}

	public function test_async_is_queued_and_its_stored_request_decided_later(): void {
		$queued = wpf_handle_webhook(
			$this->request( 'wpf_action=add&async=true&access_key=' . self::KEY, '{"email":"jane@example.com"}', array( 'x-wpf-access-key' => self::KEY, 'webhook-id' => 'w-1', 'cookie' => 'c=1' ) ),
			$this->site()
		);
		$this->assertSame( array( 'action', 'contact', 'delivery_key', 'kind', 'log_request', 'request' ), array_keys( $queued ) );
		$this->assertSame( array( 'queue', 'add', hash( 'sha256', 'w-1' ), 'jane@example.com' ), array( $queued['kind'], $queued['action'], $queued['delivery_key'], $queued['contact'] ) );
		$this->assertSame( array( 'body' => '{"email":"jane@example.com"}', 'headers' => array( 'webhook-id' => 'w-1', 'x-wpf-delivery-key' => hash( 'sha256', 'w-1' ) ), 'query' => 'wpf_action=add&async=true' ), $queued['request'] );
		$this->assertSame( array(), self::$sandbox->requests() );
		$this->assertSame( 'forbidden', wpf_handle_webhook( $queued['request'], $this->site() )['code'] );
		$plan = wpf_handle_queued( $queued['request'], $this->site() );
		$this->assertSame( array( 'apply', 'jane@example.com' ), array( $plan['kind'], $plan['email'] ) );
		$this->assertSame( 'bad_request', wpf_handle_queued( array(), array() )['code'] );
	}

	public function test_every_decision_carries_the_request_as_the_log_keeps_it(): void {
		$body    = (string) json_encode(
			array(
				'email'       => 'jane@example.com',
				'wp_password' => 'returned-pw-1',
				'nested'      => array( array( 'apiToken' => 'token-1' ) ),
				'note'        => 'the key ' . self::KEY,
			)
		);
		$headers = array( 'x-wpf-access-key' => self::KEY, 'x-cio-delivery-id' => 'd-3', 'cookie' => 'c=cookie-1', 'authorization' => 'Bearer auth-1', 'content-type' => 'application/json' );
		$logged  = array(
			'respond' => wpf_handle_webhook( array( 'method' => 'post' ) + $this->request( 'wpf_action=bogus&password=q-1&access_key=' . self::KEY, $body, $headers ), $this->site() ),
			'apply'   => wpf_handle_webhook( array( 'method' => 'post' ) + $this->request( 'wpf_action=add&password=q-1&access_key=' . self::KEY, $body, $headers ), $this->site() ),
			'queue'   => wpf_handle_webhook( array( 'method' => 'post' ) + $this->request( 'wpf_action=add&password=q-1&async=1&access_key=' . self::KEY, $body, $headers ), $this->site() ),
		);
		foreach ( $logged as $kind => $decision ) {
			$this->assertSame( $kind, $decision['kind'] );
			$log = $decision['log_request'];
			$this->assertSame( array( 'body', 'body_bytes', 'headers', 'method', 'query', 'signature' ), array_keys( $log ), $kind );
			$this->assertSame( 'POST', $log['method'] );
			$this->assertEqualsCanonicalizing( array( 'wpf_action', 'password', 'access_key' ), array_values( array_diff( array_keys( $log['query'] ), array( 'async' ) ) ) );
			$this->assertSame( array( '[redacted]', '[redacted]' ), array( $log['query']['password'], $log['query']['access_key'] ) );
			$this->assertSame( array( 'content-type' => 'application/json', 'x-cio-delivery-id' => 'd-3', 'x-wpf-access-key' => '[redacted]' ), $log['headers'], 'the allow-list' );
			$this->assertSame( array( 'email' => 'jane@example.com', 'nested' => array( array( 'apiToken' => '[redacted]' ) ), 'note' => 'the key [redacted]', 'wp_password' => '[redacted]' ), $log['body'] );
			$this->assertSame( strlen( $body ), $log['body_bytes'] );
			$this->assertStringNotContainsString( self::KEY, (string) json_encode( $log ) );
		}
		$later = wpf_handle_queued( $logged['queue']['request'], $this->site() );
		$this->assertSame( 'apply', $later['kind'] );
		$this->assertSame( 'QUEUE', $later['log_request']['method'] );
		$this->assertEquals( array( 'wpf_action' => 'add', 'async' => '1' ), $later['log_request']['query'] );
		$this->assertSame( array( 'email' => 'jane@example.com', 'nested' => array( array() ) ), $later['log_request']['body'], 'the stored copy, which has no secret left' );

		$long = wpf_handle_webhook( $this->request( 'wpf_action=add&access_key=' . self::KEY, '{"email":"jane@example.com","secret":"s-1","pad":"' . str_repeat( 'x', 5000 ) ), $this->site() )['log_request'];
		$this->assertTrue( $long['body_truncated'] );
		$this->assertStringStartsWith( '{"email":"jane@example.com","secret":"[redacted]","pad":"xxx', $long['body'], 'not JSON (cut short): redacted by pattern' );
		$this->assertLessThanOrEqual( 4096, strlen( $long['body'] ) );
	}

	public function test_redact_text_replaces_credentials_and_secret_values(): void {
		$site = $this->site( array( 'field_map' => array( 'user_pass' => 'initial_code' ) ) );
		$this->assertSame( 'The CRM said: bad key [redacted] for [redacted]', wpf_webhooks_redact_text( 'The CRM said: bad key ' . self::KEY . ' for ' . $site['settings']['customerio_app_key'], $site ) );
		$this->assertSame( 'token=[redacted]&initial_code=[redacted]&x=1 {"wp_password": "[redacted]"}', wpf_webhooks_redact_text( 'token=t-1&initial_code=c-1&x=1 {"wp_password": "p-1"}', $site ) );
		$this->assertSame( 'WordPress refused to update the user (invalid_user_url); nothing was changed.', wpf_webhooks_redact_text( 'WordPress refused to update the user (invalid_user_url); nothing was changed.', $site ) );
		$this->assertSame( 'no settings, no credential: key', wpf_webhooks_redact_text( 'no settings, no credential: key', array() ) );
	}

	public function test_update_tags_reads_segments_only(): void {
		$answer = wpf_handle_webhook( $this->request( 'wpf_action=update_tags&access_key=' . self::KEY, '{"email":"john.smith@example.com"}' ), $this->site() );
		$this->assertSame( array( '7' ), $answer['tags'] );
		$this->assertNull( $answer['create'] );
		$paths = array_column( self::$sandbox->requests(), 'path' );
		$this->assertCount( 1, $paths );
		$this->assertStringEndsWith( '/segments', $paths[0] );
	}

	public function test_return_password_writes_and_reports(): void {
		$ok = wpf_return_password( $this->site(), 'jane@example.com', 'wp_password', 'pw-ABC-123' );
		$this->assertSame( 'ok', $ok['code'] );
		$put = self::$sandbox->requests()[0];
		$this->assertSame( 'PUT', $put['method'] );
		$this->assertEquals( array( 'wp_password' => 'pw-ABC-123', '_update' => true ), json_decode( $put['body'], true ) );

		self::$sandbox->fault( array( 'method' => 'PUT', 'action' => array( 'status' => 401 ) ) );
		$refused = wpf_return_password( $this->site(), 'jane@example.com', 'wp_password', 'pw-ABC-123' );
		$this->assertSame( array( 502, 'crm_error' ), array( $refused['status'], $refused['code'] ) );
		$this->assertStringNotContainsString( 'pw-ABC-123', json_encode( $refused ) );
	}

	public function test_a_crm_answering_with_another_or_a_malformed_email_links_nobody(): void {
		$cases = array(
			array( 'mallory@example.com', '{"email":"jane@example.com"}' ),
			array( 'not-an-email', '{"email":"jane@example.com"}' ),
			array( 'not-an-email', '{"id":"cust-1001"}' ),
		);
		foreach ( $cases as list( $returned, $body ) ) {
			self::$sandbox->reset();
			$customer = array( 'customer' => array( 'identifiers' => array( 'email' => $returned ), 'attributes' => array( 'email' => $returned ) ) );
			self::$sandbox->fault( array( 'path_contains' => '/attributes', 'action' => array( 'status' => 200, 'body' => json_encode( $customer ) ) ) );
			$answer = wpf_handle_webhook( $this->request( 'wpf_action=add&access_key=' . self::KEY, $body ), $this->site() );
			$this->assertSame( array( 502, 'crm_error' ), array( $answer['status'] ?? null, $answer['code'] ?? $answer['kind'] ), "$returned $body" );
		}
		self::$sandbox->reset();
		$plan = wpf_handle_webhook( $this->request( 'wpf_action=update&access_key=' . self::KEY, '{"email":"JANE@EXAMPLE.COM"}' ), $this->site() );
		$this->assertSame( array( 'apply', 'jane@example.com' ), array( $plan['kind'], $plan['email'] ), 'any case, stored as the CRM spells it' );
	}

	public function test_proxies_come_from_the_site_owner_never_from_the_environment(): void {
		$dead  = 'http://' . $this->dead_loopback_address();
		$env   = array_diff_key( getenv(), array_flip( array( 'NO_PROXY', 'no_proxy' ) ) );
		$env   = array_merge( $env, array_fill_keys( array( 'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy' ), $dead ) );
		$query = 'wpf_action=update_tags&access_key=' . self::KEY;
		$plan  = $this->handle_in_a_new_php( $env, $this->request( $query, '{"email":"jane@example.com"}' ), $this->site() );
		$this->assertSame( array( 'apply', array( '1', '42' ) ), array( $plan['code'] ?? $plan['kind'], $plan['tags'] ?? null ), 'HTTP_PROXY and the like are ignored' );

		$proxied = $this->handle_in_a_new_php( getenv(), $this->request( $query, '{"email":"jane@example.com"}' ), $this->site() + array( 'proxy' => $dead ) );
		$this->assertSame( 'crm_unavailable', $proxied['code'] ?? $proxied['kind'], 'the proxy the site owner set is used' );
		$this->assertCount( 1, self::$sandbox->requests(), 'and only that call went past it' );
	}

	/**
	 * A loopback address where nothing listens.
	 */
	private function dead_loopback_address(): string {
		$server  = stream_socket_server( 'tcp://127.0.0.1:0' );
		$address = stream_socket_get_name( $server, false );
		fclose( $server );
		return $address;
	}

	/**
	 * Runs wpf_handle_webhook() in a new PHP process with this environment (the extension reads it when it
	 * first calls a CRM), and returns its answer.
	 *
	 * @param array $env     The child's environment.
	 * @param array $request The request array.
	 * @param array $site    The site array.
	 */
	private function handle_in_a_new_php( array $env, array $request, array $site ): array {
		$maps = (string) file_get_contents( '/proc/self/maps' );
		$this->assertSame( 1, preg_match( '#\s(/\S+/libwpf_webhooks\.so)$#m', $maps, $m ), 'the loaded extension' );
		$code    = 'echo json_encode( wpf_handle_webhook( json_decode( $argv[1], true ), json_decode( $argv[2], true ) ) );';
		$command = array( PHP_BINARY, '-d', 'extension=' . $m[1], '-r', $code, json_encode( $request ), json_encode( $site ) );
		$process = proc_open( $command, array( 1 => array( 'pipe', 'w' ), 2 => array( 'pipe', 'w' ) ), $pipes, null, $env );
		$out     = stream_get_contents( $pipes[1] );
		$err     = stream_get_contents( $pipes[2] );
		proc_close( $process );
		$answer = json_decode( (string) $out, true );
		$this->assertIsArray( $answer, $out . $err );
		return $answer;
	}

	public function test_crm_outage_is_503_with_retry_after(): void {
		self::$sandbox->fault( array( 'action' => array( 'status' => 429, 'headers' => array( 'Retry-After' => '120' ) ) ) );
		$answer = wpf_handle_webhook( $this->request( 'wpf_action=update&access_key=' . self::KEY, '{"email":"jane@example.com"}' ), $this->site() );
		$this->assertSame( array( 503, 'crm_unavailable', 120 ), array( $answer['status'], $answer['code'], $answer['retry_after'] ) );
	}

	public function test_connection_checks_report_what_works_and_what_does_not(): void {
		$ok = wpf_test_connection( $this->site() );
		$this->assertSame( 'ok', $ok['code'], $ok['message'] );
		$this->assertStringContainsString( 'Track API credentials work', $ok['message'] );
		$bad = wpf_test_connection( $this->site( array( 'customerio_app_key' => 'wrong-key-123' ) ) );
		$this->assertSame( array( 502, 'crm_error' ), array( $bad['status'], $bad['code'] ) );
		$this->assertStringNotContainsString( 'wrong-key-123', $bad['message'] );
		$down = wpf_test_connection( $this->site( array( 'customerio_app_url' => 'http://127.0.0.1:9/v1' ) ) );
		$this->assertSame( 'crm_unavailable', $down['code'] );
		$this->assertSame( 'not_configured', wpf_test_connection( $this->site( array( 'crm' => '' ) ) )['code'] );
	}

	public function test_policy_helpers_for_the_settings_page(): void {
		$this->assertLessThan( 128, wpf_webhooks_key_bits( 'a1b2c3d4' ) );
		$this->assertGreaterThanOrEqual( 128, wpf_webhooks_key_bits( wpf_webhooks_generate_key() ) );
		$this->assertNull( wpf_webhooks_field_problem( 'billing_phone' ) );
		foreach ( array( 'role', 'ID', 'meta_input', 'wp_capabilities', 'wp_user_level', 'user_email', 'customerly_tags' ) as $field ) {
			$this->assertIsString( wpf_webhooks_field_problem( $field ), $field );
		}
		$roles = array(
			'administrator' => array( 'name' => 'Administrator', 'capabilities' => array( 'read' => true ) ),
			'editor'        => array( 'name' => 'Editor', 'capabilities' => array( 'unfiltered_html' => true ) ),
			'subscriber'    => array( 'name' => 'Subscriber', 'capabilities' => array( 'read' => true, 'edit_users' => false ) ),
		);
		$this->assertEqualsCanonicalizing( array( 'administrator', 'editor' ), wpf_webhooks_privileged_roles( $roles ) );
		$this->assertFalse( wpf_webhooks_is_privileged( array( 'read' => true, 'subscriber' => true, 'install_plugins' => '0', 'edit_files' => '' ) ) );
		$this->assertTrue( wpf_webhooks_is_privileged( array( 'read' => true, 'install_plugins' => 'false' ) ), 'any non-empty value grants, as in WordPress' );
		$this->assertTrue( wpf_webhooks_is_privileged( array( 'manage_network_users' => 1 ) ) );
		$this->assertTrue( wpf_webhooks_is_privileged( array( 'administrator' => true ) ) );
		$named = wpf_webhooks_privileged_capabilities();
		$this->assertContains( 'install_plugins', $named );
		$this->assertContains( 'manage_network_users', $named );
		$this->assertTrue( wpf_webhooks_is_privileged( array_fill_keys( $named, true ) ) );
	}

	/**
	 * @dataProvider wrong_arguments
	 */
	public function test_wrong_argument_types_throw_type_errors( callable $call ): void {
		$this->expectException( \TypeError::class );
		$call();
	}

	public static function wrong_arguments(): array {
		return array(
			'string request'   => array( fn() => wpf_handle_webhook( 'wpf_action=test', array() ) ),
			'null site'        => array( fn() => wpf_handle_webhook( array(), null ) ),
			'object site'      => array( fn() => wpf_handle_webhook( array(), new \stdClass() ) ),
			'array email'      => array( fn() => wpf_return_password( array(), array(), 'f', 'p' ) ),
			'string job'       => array( fn() => wpf_handle_queued( 'wpf_action=add', array() ) ),
			'array text'       => array( fn() => wpf_webhooks_redact_text( array(), array() ) ),
		);
	}

	public function test_missing_arguments_throw(): void {
		$this->expectException( \ArgumentCountError::class );
		wpf_handle_webhook( array() ); // @phpstan-ignore-line
	}

	public function test_odd_but_well_typed_input_is_answered_not_crashed(): void {
		$odd_requests = array(
			array(),
			array( 'method' => array( 'GET' ), 'query' => array( 'x' ), 'body' => 42, 'headers' => 'none' ),
			array( 'query' => "wpf_action=test&access_key=\0", 'body' => "\0\0", 'headers' => array( 1 => array( 2 ) ) ),
		);
		$odd_sites = array( array(), array( 'settings' => 'x', 'roles' => array( 1, 2 ), 'started_at' => 'soon' ) );
		foreach ( $odd_requests as $request ) {
			foreach ( $odd_sites as $site ) {
				$answer = wpf_handle_webhook( $request, $site );
				$this->assertSame( 'respond', $answer['kind'] );
				$this->assertContains( $answer['status'], array( 400, 403 ) );
			}
		}
		$deep = array();
		for ( $i = 0; $i < 200; $i++ ) {
			$deep = array( $deep );
		}
		$this->assertSame( 'forbidden', wpf_handle_webhook( array( 'query' => 'wpf_action=test', 'headers' => $deep ), array( 'settings' => $deep ) )['code'] );
	}
}
