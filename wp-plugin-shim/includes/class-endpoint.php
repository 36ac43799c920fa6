<?php
/**
 * The webhook endpoint: any front-end URL with `wpf_action` (CONTRACT §2).
 *
 * @package WpfWebhooks
 */

namespace WpfWebhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Reads the request, lets the extension decide, applies the plan and answers.
 */
final class Endpoint {

	/**
	 * The longest wait for another webhook of the same contact.
	 */
	const LOCK_WAIT_SECONDS = 5.0;

	/**
	 * The webhook URL check's own request (Admin\Reachability) carries this header with a one-time token, whose
	 * SHA-256 is in the transient CHECK_TOKEN for a minute: its log row then has no signature verdict (the check
	 * does not sign, and must not count as a webhook that arrived unsigned or was refused), and the verdict goes to
	 * the transient CHECK_SEEN before the answer, so the check knows its key arrived.
	 */
	const CHECK_HEADER = 'X-WPF-Check';
	const CHECK_TOKEN  = 'wpf_webhooks_check_token';
	const CHECK_SEEN   = 'wpf_webhooks_check_seen';

	/**
	 * Handles the request if it is a webhook, answers, and logs it; anything else costs one isset(). A request
	 * refused before its key was accepted (an answer of the class `refused`) is only counted: nothing of it is
	 * stored. One refused for its signature, after its key was accepted, is logged with the reason. Where PHP can
	 * end a response early (php-fpm, LiteSpeed), the sender has its answer before the log row or count is written
	 * and before a queued webhook's worker starts; elsewhere they are written first.
	 */
	public static function maybe_handle(): void {
		if ( ! isset( $_GET['wpf_action'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification -- authenticated by its access key.
			return;
		}
		$context  = array();
		$response = self::handle( $context );
		$counted  = 'refused' === Log::outcome( $response->code ) && ! isset( $context['log_request']['signature'] );
		$entry    = $counted ? null : self::log_entry( $response, $context );
		if ( null !== $entry && self::is_own_check() ) {
			set_transient( self::CHECK_SEEN, $entry['signature'], MINUTE_IN_SECONDS );
			$entry['signature'] = '';
		}
		$write    = fn() => null === $entry ? Log::refused( $response->code ) : Log::record( $entry );
		if ( ! Response::can_release() ) {
			$write();
			$response->send();
		}
		$response->send( false );
		$response->release();
		$write();
		if ( isset( $context['job_id'] ) && QueueRunner::works_after_response() ) {
			QueueRunner::work();
		}
		exit;
	}

	/**
	 * The answer to this webhook.
	 *
	 * @param array $context Out: what the log needs beyond the answer: `body` (null when not read), the
	 *                       extension's `log_request` once it decided (with the `signature` verdict once the
	 *                       key was accepted), its `contact` once it identified one (also when the webhook failed
	 *                       after that, as with contact_not_found or crm_error), once it made a plan or queued the
	 *                       webhook its `delivery_key` (never the plan: it holds the generated password), and
	 *                       `job_id` when it was queued.
	 */
	public static function handle( array &$context = array() ): Response {
		self::mark_webhook();
		$body            = self::read_body();
		$context['body'] = $body;
		if ( null === $body ) {
			return Response::of( 'payload_too_large' );
		}
		$settings = Settings::get();
		if ( null !== Extension::problem() ) {
			return self::key_is_valid( $settings ) ? Response::of( 'extension_missing' ) : Response::of( 'forbidden' );
		}
		$site     = SiteContext::describe( $settings );
		$request  = array(
			'method'  => (string) ( $_SERVER['REQUEST_METHOD'] ?? '' ),
			'query'   => wp_unslash( (string) ( $_SERVER['QUERY_STRING'] ?? '' ) ),
			'body'    => $body,
			'headers' => self::headers(),
		);
		try {
			$decision               = wpf_handle_webhook( $request, $site );
			$context['log_request'] = $decision['log_request'] ?? null;
			if ( 'queue' === $decision['kind'] ) {
				$context['contact']      = (string) $decision['contact'];
				$context['delivery_key'] = $decision['delivery_key'];
				Schema::upgrade();
				[ $response, $job_id ] = Queue::push( $decision );
				if ( null !== $job_id ) {
					$context['job_id'] = $job_id;
				}
				return $response;
			}
			if ( 'apply' !== $decision['kind'] ) {
				$context['contact'] = (string) ( $decision['contact'] ?? '' );
				return Response::from_extension( $decision );
			}
			$plan                    = Plan::from_extension( $decision );
			$context['contact']      = $plan->email;
			$context['delivery_key'] = $plan->delivery_key;
			Schema::upgrade();
			return self::apply( $plan, $site );
		} catch ( \Throwable $e ) {
			return self::internal_error( $e );
		}
	}

	/**
	 * Runs a webhook taken from the queue, as handle() runs one from its sender (the key was checked when it
	 * arrived; the stored request has none).
	 *
	 * @param array $request The request the extension gave to store: `query`, `body`, `headers`.
	 * @param array $context Out: `log_request`, the request as the log stores it, once the extension decided.
	 */
	public static function process_queued( array $request, array &$context = array() ): Response {
		self::mark_webhook();
		if ( null !== Extension::problem() ) {
			return Response::of( 'extension_missing' );
		}
		$site               = SiteContext::describe();
		$site['background'] = true;
		try {
			$decision               = wpf_handle_queued( $request, $site );
			$context['log_request'] = $decision['log_request'] ?? null;
			return 'apply' === $decision['kind'] ? self::apply( Plan::from_extension( $decision ), $site ) : Response::from_extension( $decision );
		} catch ( \Throwable $e ) {
			return self::internal_error( $e );
		}
	}

	/**
	 * WP Fusion's constants for code that runs during a webhook.
	 */
	private static function mark_webhook(): void {
		if ( ! defined( 'WPF_DOING_WEBHOOK' ) ) {
			define( 'WPF_DOING_WEBHOOK', true );
		}
		if ( ! defined( 'DOING_WPF_WEBHOOK' ) ) {
			define( 'DOING_WPF_WEBHOOK', true );
		}
	}

	/**
	 * The answer to an unexpected exception, which is logged by where it happened, not what it says: its
	 * message may quote data, and the log must hold nothing secret.
	 *
	 * @param \Throwable $e The exception.
	 */
	private static function internal_error( \Throwable $e ): Response {
		error_log( sprintf( 'wpf-webhooks: internal error: %s at %s:%d', get_class( $e ), $e->getFile(), $e->getLine() ) ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions
		return Response::of( 'internal_error' );
	}

	/**
	 * The log's entry for an answered webhook: the request as the extension redacted it, else only what holds
	 * no secret.
	 *
	 * @param Response $response The answer.
	 * @param array    $context  What handle() reported.
	 */
	private static function log_entry( Response $response, array $context ): array {
		$body   = $context['body'] ?? null;
		$action = self::action_asked();
		$bare   = fn() => Log::bare_request( (string) ( $_SERVER['REQUEST_METHOD'] ?? '' ), $action, is_string( $body ) ? strlen( $body ) : 0 );
		return array(
			'action'       => $action,
			'contact'      => $context['contact'] ?? '',
			'code'         => $response->code,
			'status'       => $response->status,
			'duration_ms'  => (int) round( max( 0.0, microtime( true ) - SiteContext::started_at() ) * 1000 ),
			'user_id'      => $response->user_id,
			'delivery_key' => $context['delivery_key'] ?? null,
			'job_id'       => $context['job_id'] ?? null,
			'signature'    => (string) ( $context['log_request']['signature']['status'] ?? '' ),
			'message'      => $context['log_request']['signature']['reason'] ?? $response->message,
			'warnings'     => $response->warnings,
			'request'      => is_array( $context['log_request'] ?? null ) ? $context['log_request'] : $bare(),
		);
	}

	/**
	 * Whether this request is the webhook URL check's own (see CHECK_HEADER); costs nothing without the header.
	 */
	private static function is_own_check(): bool {
		$token = $_SERVER[ 'HTTP_' . strtoupper( str_replace( '-', '_', self::CHECK_HEADER ) ) ] ?? null; // phpcs:ignore WordPress.Security
		$hash  = is_string( $token ) ? get_transient( self::CHECK_TOKEN ) : false;
		return is_string( $hash ) && hash_equals( $hash, hash( 'sha256', wp_unslash( $token ) ) );
	}

	/**
	 * The action the request asked for, as the extension names it (aliases resolved), or '' when unknown.
	 */
	private static function action_asked(): string {
		$asked = $_GET['wpf_action'] ?? ''; // phpcs:ignore WordPress.Security
		return is_string( $asked ) ? Contract::action( wp_unslash( $asked ) ) : '';
	}

	/**
	 * The body, or null when it is over the limit. Content-Length is checked before anything is read, and
	 * the read itself is bounded, so a huge body is never held in memory.
	 */
	private static function read_body(): ?string {
		$limit  = Contract::max_body_bytes();
		$length = isset( $_SERVER['CONTENT_LENGTH'] ) ? (int) $_SERVER['CONTENT_LENGTH'] : 0;
		if ( $length > $limit ) {
			return null;
		}
		$body = file_get_contents( 'php://input', false, null, 0, $limit + 1 ); // phpcs:ignore WordPress.WP.AlternativeFunctions
		if ( false === $body ) {
			return '';
		}
		return strlen( $body ) > $limit ? null : $body;
	}

	/**
	 * The request's headers (WordPress slashes $_SERVER, so they are unslashed), names lower-case and dash-separated; cookies and credentials left out.
	 */
	private static function headers(): array {
		$headers = array();
		foreach ( $_SERVER as $name => $value ) {
			if ( ! is_string( $value ) || 0 !== strpos( $name, 'HTTP_' ) || in_array( $name, array( 'HTTP_COOKIE', 'HTTP_AUTHORIZATION' ), true ) ) {
				continue;
			}
			$headers[ strtolower( str_replace( '_', '-', substr( $name, 5 ) ) ) ] = wp_unslash( $value );
		}
		return $headers;
	}

	/**
	 * The key check when the extension cannot make it: constant time, byte for byte.
	 *
	 * @param array $settings The settings.
	 */
	private static function key_is_valid( array $settings ): bool {
		$expected = is_string( $settings['access_key'] ) ? $settings['access_key'] : '';
		$offered  = $_GET['access_key'] ?? ( $_SERVER['HTTP_X_WPF_ACCESS_KEY'] ?? null ); // phpcs:ignore WordPress.Security
		return '' !== $expected && is_string( $offered ) && hash_equals( $expected, wp_unslash( $offered ) );
	}

	/**
	 * Applies a plan under the contact's lock.
	 *
	 * @param Plan  $plan The extension's plan.
	 * @param array $site What the extension was told about the site.
	 */
	private static function apply( Plan $plan, array $site ): Response {
		$delivery = $plan->delivery_key;
		if ( null !== $delivery && Deliveries::seen( $delivery ) ) {
			return Response::of( 'duplicate' );
		}
		$lock = new Lock( strtolower( $plan->email ) );
		if ( ! $lock->acquire( self::LOCK_WAIT_SECONDS ) ) {
			return Response::internal_error( 'Another webhook for this contact is still being processed; retry later.' );
		}
		try {
			if ( null !== $delivery && Deliveries::seen( $delivery ) ) {
				return Response::of( 'duplicate' );
			}
			$response = self::apply_locked( $plan, $site );
			if ( null !== $delivery && $response->succeeded() ) {
				Deliveries::remember( $delivery );
			}
			return $response;
		} finally {
			$lock->release();
		}
	}

	/**
	 * Finds, creates or updates the user.
	 *
	 * @param Plan  $plan The extension's plan.
	 * @param array $site What the extension was told about the site.
	 */
	private static function apply_locked( Plan $plan, array $site ): Response {
		$user = UserStore::find( $plan->slug, $plan->email );
		if ( null !== $user ) {
			if ( UserStore::is_privileged( $user ) ) {
				return Response::of( 'updated', $user->ID, array( 'privileged_user_untouched' ) );
			}
			// On a network, `add` may make a user of other sites only a member of this one (CONTRACT §5); otherwise
			// such a user is left alone.
			$elsewhere = UserStore::is_of_another_site( $user );
			$join      = $elsewhere && UserStore::may_join() ? $plan->create : null;
			if ( $elsewhere && null === $join ) {
				return Response::of( 'updated', $user->ID, array( 'user_of_another_site_untouched' ) );
			}
			$refused = UserStore::update( $user, $plan, $join );
			if ( null !== $refused && UserStore::JOIN_REFUSED === $refused->get_error_code() ) {
				return Response::of( 'updated', $user->ID, array( 'user_of_another_site_untouched' ) );
			}
			if ( null !== $refused ) {
				return Response::internal_error( 'WordPress refused to update the user (' . $refused->get_error_code() . '); nothing was changed.' );
			}
			return Response::of( 'updated', $user->ID, null === $join ? array() : $join->role_warnings );
		}
		if ( null === $plan->create ) {
			return Response::of( 'user_not_found' );
		}
		$create = $plan->create;
		$free   = UserStore::free_login( $create->logins, self::LOCK_WAIT_SECONDS );
		if ( 'taken' === $free ) {
			return Response::internal_error( 'Every login this contact could get is taken by another user; nothing was changed.' );
		}
		if ( 'busy' === $free ) {
			return Response::internal_error( 'Another webhook is creating a user with this login; retry later.' );
		}
		[ $login, $login_lock ] = $free;
		try {
			if ( null !== $create->return_password_field ) {
				$written = wpf_return_password( $site, $plan->email, $create->return_password_field, $create->password );
				if ( 'ok' !== $written['code'] ) {
					return Response::from_extension( $written );
				}
			}
			$user_id = UserStore::create( $plan, $login );
		} finally {
			$login_lock->release();
		}
		if ( is_wp_error( $user_id ) ) {
			return Response::internal_error( 'WordPress refused to create the user (' . $user_id->get_error_code() . ').' );
		}
		UserStore::announce_created( $user_id, $plan );
		if ( $create->notify ) {
			wp_new_user_notification( $user_id, null, 'user' );
		}
		return Response::of( 'created', $user_id, $create->warnings );
	}
}
