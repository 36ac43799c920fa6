<?php
/**
 * Signatures of the functions of the wpf_webhooks PHP extension, for IDEs and static analysers (PHPStan's
 * `stubFiles`, Psalm's `<stubs>`, PhpStorm: mark the folder as a PHP include path). Never include this file
 * where the extension is loaded. Ring 2's StubsTest compares it with ReflectionExtension('wpf_webhooks'), so
 * a function added to or changed in src/php.rs fails the tests until it is described here too.
 *
 * @package WpfWebhooks
 */

/**
 * Decides one webhook.
 *
 * @param array{method: string, query: string, body: string, headers: array<string, string>}              $request The request, header names lower-case.
 * @param array{settings: array, roles: array, default_role: string, started_at: float, background?: bool, proxy?: string} $site    What the site knows.
 * @return array<string, mixed> An answer (`kind` `respond`: `status`, `code`, `message`, `retry_after`, `contact`: the contact as the request named it once identified, else null), a webhook to queue (`kind` `queue`: `action`, `delivery_key`, `contact`, `request` to store) or a plan (`kind` `apply`), each with `log_request`: the request as the log stores it, redacted (`method`, `query`, `headers`, `body`, `body_truncated` when cut, `body_bytes`, and once the access key was accepted `signature`: the signature check's verdict, `status` `unsigned`, `unchecked`, `verified` or `refused`, `scheme`, `reason` when refused).
 */
function wpf_handle_webhook( array $request, array $site ): mixed {}

/**
 * Decides a webhook taken from the queue: no key check, never queued again, the CRM gets the background budget.
 *
 * @param array{query: string, body: string, headers: array<string, string>} $request The `request` a `queue` decision gave to store.
 * @param array                                                              $site    What the site knows (as for wpf_handle_webhook()).
 * @return array<string, mixed> An answer (`kind` `respond`) or a plan (`kind` `apply`), with `log_request` (method `QUEUE`).
 */
function wpf_handle_queued( array $request, array $site ): mixed {}

/**
 * Text the log keeps (a message, a contact) with what may be secret replaced by `[redacted]`: every configured
 * credential, and the value after a secret-looking key (`"key": value`, `key=value`).
 *
 * @param string $text The text.
 * @param array  $site What the site knows (as for wpf_handle_webhook()); only its `settings` are read.
 */
function wpf_webhooks_redact_text( string $text, array $site ): string {}

/**
 * Writes a generated password to the contact's CRM field.
 *
 * @param array  $site     What the site knows (as for wpf_handle_webhook()).
 * @param string $email    The contact's email.
 * @param string $field    The CRM field.
 * @param string $password The password.
 * @return array{kind: string, status: int, code: string, message: string, retry_after: ?int} `code` `ok` when written.
 */
function wpf_return_password( array $site, string $email, string $field, string $password ): mixed {}

/**
 * What this build is.
 *
 * @return array{version: string, git_revision: string, interface: int, php_api: int, profile: string}
 */
function wpf_webhooks_build_info(): mixed {}

/**
 * The core's rules the plugin applies, so that it restates none of them: every code with its HTTP status,
 * default message and class (what kind of answer the log shows it as; `classes` lists them), the `wpf_action` names with WP Fusion's aliases, the body limit, every setting with its
 * default, whether it is secret and its CRM, each CRM's required setting and not-configured message, and the
 * schemes a base-URL override may have, and the signing schemes (name, label, secret setting) with their tolerance, and the username formats.
 *
 * @return array{codes: array<string, array{status: int, message: string, class: string}>, classes: string[], actions: array<string, string>, max_body_bytes: int, settings: list<array{key: string, default: mixed, secret: bool, crm: ?string, kind?: string, label?: string, help?: string, options?: ?array<string, string>, wpf_option?: ?string}>, crms: array<string, array{name: string, slug: string, required: string, not_configured: string, webhook_help: string, example_body: string}>, no_crm: string, url_schemes: string[], signatures: list<array{name: string, label: string, secret_setting: string}>, signature_tolerance_secs: int, username_formats: array<string, string>}
 */
function wpf_webhooks_contract(): mixed {}

/**
 * A new access key: 40 URL-safe characters, about 238 random bits.
 */
function wpf_webhooks_generate_key(): string {}

/**
 * Checks the configured CRM's credentials within 5 s.
 *
 * @param array $site What the site knows (as for wpf_handle_webhook()).
 * @return array{kind: string, status: int, code: string, message: string, retry_after: ?int} `code` `ok`, `crm_error`, `crm_unavailable` or `not_configured`.
 */
function wpf_test_connection( array $site ): mixed {}

/**
 * The estimated strength of an access key in bits (128 or more is strong).
 *
 * @param string $key The key.
 */
function wpf_webhooks_key_bits( string $key ): float {}

/**
 * Why a WordPress field can never be the target of a field mapping, or null when it can.
 *
 * @param string $wp_field The WordPress field.
 */
function wpf_webhooks_field_problem( string $wp_field ): ?string {}

/**
 * The signing state of a `wpf_webhooks_settings` array: the site's schemes (its CRM's, Standard Webhooks') whose
 * secret can verify a webhook, whether unsigned webhooks are refused, and what to refuse on save.
 *
 * @param array $settings The settings.
 * @return array{schemes: list<string>, armed: list<string>, required: bool, problems: array<string, string>} `schemes`: those the site checks; `armed`: those whose secret can verify a webhook; `problems`: setting key => why (a secret its scheme cannot read, `require_signature` without an armed scheme).
 */
function wpf_webhooks_signing( array $settings ): mixed {}

/**
 * The slugs of the privileged roles among `wp_roles()->roles`: never assignable by a webhook.
 *
 * @param array<string, array{name: string, capabilities: array<string, bool>}> $roles The roles.
 * @return list<string>
 */
function wpf_webhooks_privileged_roles( array $roles ): array {}

/**
 * Whether a user with these capabilities is privileged (it can take over the site or other accounts), and so is
 * never modified by a webhook. A capability counts when its value is not empty, as WordPress counts it.
 *
 * @param array<string, mixed> $capabilities `WP_User::$allcaps`: capability (and role name) => value.
 */
function wpf_webhooks_is_privileged( array $capabilities ): bool {}

/**
 * Every privileged capability by name, to ask WordPress about with `user_can()`: a capability a plugin grants only
 * when it is checked (the `user_has_cap` filter) is not in `WP_User::$allcaps`.
 *
 * @return list<string>
 */
function wpf_webhooks_privileged_capabilities(): array {}
