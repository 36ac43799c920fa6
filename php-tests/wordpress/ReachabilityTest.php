<?php
/**
 * Ring 3: "Is my webhook URL reachable?" — the check requests the site's own test URL over real HTTP and says what
 * answered: the plugin, a redirect, a cache, a firewall's challenge, something else, or nothing in time. What stands
 * in front of WordPress on real sites is played by the test mu-plugin php-tests/mu/wpf-test-reachability.php.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use WpfWebhooks\Admin\Reachability;
use WpfWebhooks\Admin\SiteHealth;
use WpfWebhooks\Log;

/**
 * The webhook URL check, as the settings page's button and Site Health run it.
 */
final class ReachabilityTest extends WebhookTestCase {

	protected function tearDown(): void {
		remove_all_filters( 'http_request_args' );
		remove_all_filters( 'wpf_webhooks_reachability_timeout' );
		remove_all_filters( 'home_url' );
		remove_all_filters( 'wp_doing_ajax' );
		remove_all_filters( 'wp_die_ajax_handler' );
		$_REQUEST = array();
		wp_set_current_user( 0 );
		parent::tearDown();
	}

	/**
	 * Runs the check with these extra request headers (the test mu-plugins' switches) and asserts that the access
	 * key is in no part of its result, nor in the result as the page shows it, and that the page points at no file
	 * of the source repository (a site owner has the plugin only: the message itself says what to do).
	 *
	 * @param array<string, string> $headers Headers to add to the check's request.
	 * @param string                $key     The access key the site has.
	 */
	private function check( array $headers = array(), string $key = self::KEY ): array {
		add_filter(
			'http_request_args',
			static function ( $args ) use ( $headers ) {
				$args['headers'] = array_merge( (array) $args['headers'], $headers );
				return $args;
			}
		);
		$result = Reachability::check();
		remove_all_filters( 'http_request_args' );
		$this->assertStringNotContainsString( $key, (string) wp_json_encode( $result ), 'the result never holds the access key' );
		$this->assertStringNotContainsString( $key, Reachability::html( $result ), 'the page never shows the access key' );
		$this->assertDoesNotMatchRegularExpression( '#docs/|\.md\b#', Reachability::html( $result ), 'no path into the source repository' );
		$this->assertStringContainsString( 'access_key=••••' . substr( $key, -4 ), $result['message'], 'the URL checked is named, its key masked' );
		return $result;
	}

	/**
	 * The parts of a result a test compares.
	 *
	 * @param array $result A result.
	 */
	private function summary( array $result ): array {
		return array_intersect_key( $result, array_flip( array( 'status', 'outcome', 'http', 'code', 'header' ) ) );
	}

	public function test_the_plugins_own_ok_answer_is_good_and_the_check_is_logged_like_any_test_webhook(): void {
		$result = $this->check();
		$this->assertSame( array( 'status' => 'good', 'outcome' => 'ok', 'http' => 200, 'code' => 'ok', 'header' => '' ), $this->summary( $result ) );
		$this->assertStringContainsString( 'Tools → Webhook Logs', $result['message'], 'says where its own test webhook went' );
		$this->assertTrue( Site::eventually( fn() => 1 === Log::query( array( 'action' => 'test' ) )['total'], 5 ), 'the check\'s test webhook is logged' );
		$row = Log::query( array( 'action' => 'test' ) )['rows'][0];
		$this->assertSame( array( 'ok', 'GET' ), array( $row['code'], $row['request']['method'] ), 'a GET, as a CRM sends it' );
		$this->assertStringStartsWith( Reachability::USER_AGENT . '/', $row['request']['headers']['user-agent'], 'named by its User-Agent' );
		$this->assertStringNotContainsString( self::KEY, (string) wp_json_encode( $row ) );
	}

	public function test_a_redirect_names_where_it_leads_with_the_key_masked(): void {
		$result = $this->check( array( 'X-Test-Reachability' => 'redirect' ) );
		$this->assertSame( array( 'status' => 'critical', 'outcome' => 'redirect', 'http' => 301, 'code' => '', 'header' => '' ), $this->summary( $result ) );
		$where = 'https://webhooks.example.com/?wpf_action=test&access_key=••••' . substr( self::KEY, -4 );
		$this->assertSame( $where, $result['location'] );
		$this->assertStringContainsString( $where, $result['message'], 'the URL to put in the CRM' );
		$this->assertStringContainsString( 'Redirected to (the key masked): <code style="overflow-wrap:anywhere">' . esc_html( $where ) . '</code>', Reachability::html( $result ), 'on a line of its own' );
		$this->assertSame( 0, Log::query( array( 'action' => 'test' ) )['total'], 'not followed: the site never got it' );
	}

	public function test_a_cached_page_names_the_header_that_gave_the_cache_away(): void {
		$result = $this->check( array( 'X-Test-Reachability' => 'cached' ) );
		$this->assertSame( array( 'status' => 'critical', 'outcome' => 'cached', 'http' => 200, 'code' => '', 'header' => 'cf-cache-status: HIT' ), $this->summary( $result ) );
		$this->assertStringContainsString( 'cf-cache-status: HIT', $result['message'] );
		$this->assertStringContainsString( 'wpf_action', $result['message'], 'what to exclude from the cache' );
	}

	public function test_wp_super_caches_page_is_known_by_its_html_comment(): void {
		$result = $this->check( array( 'X-Test-Reachability' => 'supercache' ) );
		$this->assertSame( array( 'status' => 'critical', 'outcome' => 'cached', 'http' => 200, 'code' => '', 'header' => '' ), $this->summary( $result ) );
		$this->assertStringContainsString( 'WP-Super-Cache', $result['message'] );
	}

	public function test_the_plugins_answer_kept_by_a_cache_is_a_cached_answer_not_a_good_one(): void {
		$result = $this->check( array( 'X-Test-Reachability' => 'stale-json' ) );
		$this->assertSame( array( 'status' => 'critical', 'outcome' => 'cached', 'http' => 200, 'code' => 'ok', 'header' => 'age: 3600' ), $this->summary( $result ) );
	}

	public function test_a_challenge_page_names_the_firewalls_header(): void {
		$result = $this->check( array( 'X-Test-Reachability' => 'challenge' ) );
		$this->assertSame( array( 'status' => 'critical', 'outcome' => 'challenge', 'http' => 403, 'code' => '', 'header' => 'cf-mitigated: challenge' ), $this->summary( $result ) );
		$this->assertStringContainsString( 'cf-mitigated: challenge', $result['message'] );
	}

	public function test_a_page_without_the_plugin_is_not_its_json_and_a_page_cache_then_keeps_answering_with_it(): void {
		// The test site's nginx keeps 200 answers without Cache-Control for 10 minutes, by URL: a key of this run's own.
		$key = 'reach-cache-' . bin2hex( random_bytes( 16 ) );
		$this->configure( array( 'access_key' => $key ) );
		$page = $this->check( array( 'X-WPF-Test-Probe' => '1', 'X-WPF-Test-Without-Plugin' => '1' ), $key );
		$this->assertSame( array( 'status' => 'critical', 'outcome' => 'not_json', 'http' => 200, 'code' => '', 'header' => '' ), $this->summary( $page ), 'WordPress\'s page, the plugin left out' );
		$this->assertStringContainsString( 'text/html', $page['message'], 'what came instead' );
		$cached = $this->check( array(), $key );
		$this->assertSame( array( 'status' => 'critical', 'outcome' => 'cached', 'http' => 200, 'code' => '', 'header' => 'x-cache-status: HIT' ), $this->summary( $cached ), 'the plugin is back, the cache answers' );
	}

	public function test_a_site_that_does_not_answer_in_time_is_a_timeout_after_the_filtered_limit(): void {
		add_filter( 'wpf_webhooks_reachability_timeout', fn() => 1 );
		$t0     = microtime( true );
		$result = $this->check( array( 'X-Test-Reachability' => 'slow' ) );
		$this->assertLessThan( 2.5, microtime( true ) - $t0, 'the filtered timeout, not the fixture\'s 3 s' );
		$this->assertSame( array( 'status' => 'recommended', 'outcome' => 'timeout', 'http' => 0, 'code' => '', 'header' => '' ), $this->summary( $result ) );
		$this->assertStringContainsString( 'timed out', $result['message'], 'the error' );
	}

	public function test_a_refused_connection_is_said_with_the_error(): void {
		add_filter( 'home_url', fn( $url ) => (string) preg_replace( '#^https?://[^/]+#', 'http://127.0.0.1:9', $url ) );
		$result = $this->check();
		$this->assertSame( array( 'status' => 'recommended', 'outcome' => 'refused', 'http' => 0, 'code' => '', 'header' => '' ), $this->summary( $result ) );
		$this->assertStringContainsString( 'http://127.0.0.1:9/?wpf_action=test', $result['message'] );
		$this->assertMatchesRegularExpression( '/cURL error 7|[Cc]onnection refused|[Cc]ould(n\'t| not) connect/', $result['message'] );
	}

	public function test_a_refusal_by_the_plugin_says_the_url_is_reached_and_why_it_refused(): void {
		$this->configure( array( 'standard_webhooks_secret' => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'require_signature' => true ) );
		$result = $this->check();
		$this->assertSame( array( 'status' => 'good', 'outcome' => 'answered', 'http' => 403, 'code' => 'forbidden', 'header' => '' ), $this->summary( $result ) );
		$this->assertStringContainsString( 'Require signed webhooks', $result['message'], 'the check is unsigned: that is why' );
	}

	public function test_a_refusal_for_a_key_that_did_not_arrive_is_not_good_even_where_signatures_are_required(): void {
		$this->configure( array( 'standard_webhooks_secret' => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'require_signature' => true ) );
		$result = $this->check( array( 'X-Test-Reachability' => 'strip-key' ) );
		$this->assertSame( array( 'status' => 'recommended', 'outcome' => 'answered', 'http' => 403, 'code' => 'forbidden', 'header' => '' ), $this->summary( $result ) );
		$this->assertStringContainsString( 'the key did not arrive as sent', $result['message'] );
	}

	public function test_the_checks_own_webhook_counts_for_no_signature_verdict(): void {
		$this->configure( array( 'standard_webhooks_secret' => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' ) );
		$this->assertSame( 'ok', $this->check()['outcome'] );
		$this->configure( array( 'standard_webhooks_secret' => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'require_signature' => true ) );
		$this->assertSame( 'answered', $this->check()['outcome'] );
		$this->assertTrue( Site::eventually( fn() => 2 === Log::query( array( 'action' => 'test' ) )['total'], 5 ), 'both logged' );
		$this->assertSame( array( '', '' ), array_column( Log::query( array( 'action' => 'test' ) )['rows'], 'signature' ) );
		$this->assertSame( array(), Log::recent_signed( 50 ), 'neither an unsigned webhook nor a refused one to Site Health and the settings page' );
		$this->assertSame( 'good', \WpfWebhooks\Admin\SiteHealth::signatures_test()['status'] );
	}

	public function test_a_hosts_captcha_is_a_challenge(): void {
		$result = $this->check( array( 'X-Test-Reachability' => 'sg-captcha' ) );
		$this->assertSame( array( 'status' => 'critical', 'outcome' => 'challenge', 'http' => 202, 'code' => '', 'header' => 'sg-captcha: challenge' ), $this->summary( $result ) );
	}

	public function test_every_outcome_has_its_section_in_the_repositorys_troubleshooting_guide(): void {
		$anchors = Markdown::anchors( (string) file_get_contents( dirname( __DIR__, 2 ) . '/docs/troubleshooting.md' ) );
		foreach ( array_keys( Reachability::OUTCOMES ) as $outcome ) {
			$this->assertContains( 'reachability-' . $outcome, $anchors, "a section for $outcome" );
		}
	}

	public function test_site_health_runs_the_check_asynchronously_for_whoever_may_view_site_health_checks(): void {
		$tests = SiteHealth::add_tests( array( 'direct' => array(), 'async' => array() ) );
		$this->assertSame(
			array(
				'test'              => SiteHealth::REACHABILITY_TEST,
				'has_rest'          => false,
				'async_direct_test' => array( SiteHealth::class, 'reachability_test' ),
			),
			array_diff_key( $tests['async'][ SiteHealth::REACHABILITY_TEST ], array( 'label' => 0 ) )
		);
		$this->assertSame( 10, has_action( 'wp_ajax_health-check-' . SiteHealth::REACHABILITY_TEST, array( SiteHealth::class, 'ajax_reachability_test' ) ) );

		add_filter( 'wp_doing_ajax', '__return_true' );
		add_filter(
			'wp_die_ajax_handler',
			fn() => static function ( $message, $title = '', $args = array() ) {
				throw new \RuntimeException( 'wp_die: ' . ( is_scalar( $message ) ? $message : 'object' ), is_int( $title ) ? $title : (int) ( $args['response'] ?? 0 ) );
			}
		);
		wp_set_current_user( 1 );
		$this->assertSame( 403, $this->ajax( null )[0], 'no nonce' );
		$subscriber = wp_insert_user( array( 'user_login' => 'health-sub', 'user_email' => 'health-sub@example.com', 'user_pass' => wp_generate_password(), 'role' => 'subscriber' ) );
		wp_set_current_user( $subscriber );
		[ , $refused ] = $this->ajax( 'health-check-site-status' );
		$this->assertSame( array( 'success' => false ), json_decode( $refused, true ), 'a subscriber may not' );
		$this->assertSame( 0, Log::query( array( 'action' => 'test' ) )['total'], 'refused before the check ran' );

		wp_set_current_user( 1 );
		[ , $json ] = $this->ajax( 'health-check-site-status' );
		$this->assertStringNotContainsString( self::KEY, $json );
		$answer = json_decode( $json, true );
		$this->assertTrue( $answer['success'], $json );
		$this->assertSame( array( SiteHealth::REACHABILITY_TEST, 'good' ), array( $answer['data']['test'], $answer['data']['status'] ) );
		$this->assertStringContainsString( 'webhooks sent to this URL reach WordPress', $answer['data']['description'], 'what happened, in words' );
		$this->assertStringNotContainsString( 'docs/', $answer['data']['description'], 'no path into the source repository' );
		$this->assertStringContainsString( 'access_key=••••' . substr( self::KEY, -4 ), $answer['data']['description'] );
	}

	/**
	 * admin-ajax.php?action=health-check-wpf-webhooks-reachability as Site Health's script sends it.
	 *
	 * @param string|null $nonce_action The nonce's action, or null for none.
	 * @return array{0: int, 1: string} How wp_die() was called (its status) and what was printed.
	 */
	private function ajax( ?string $nonce_action ): array {
		$_REQUEST = null === $nonce_action ? array() : array( '_wpnonce' => wp_create_nonce( $nonce_action ) );
		ob_start();
		try {
			SiteHealth::ajax_reachability_test();
		} catch ( \RuntimeException $died ) {
			return array( $died->getCode(), (string) ob_get_clean() );
		}
		ob_end_clean();
		$this->fail( 'the handler did not end the request' );
	}
}
