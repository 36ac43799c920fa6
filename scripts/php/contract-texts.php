<?php
/**
 * Prints the contract's texts that the plugin shows (Contract::text(): the codes' messages, each CRM's
 * not-configured message and webhook help, its settings' labels and help, the no-CRM message) as PHP calls of
 * __(), for xgettext to put in the plugin's .pot: the plugin passes them to __() as variables, which xgettext
 * cannot read. They are read from includes/contract-fallback.php, the extension's contract as `make contract`
 * generated it (ring 2's ShimRulesTest proves it current). Run by `make pot`.
 *
 * Usage: php -n scripts/php/contract-texts.php wp-plugin-shim/includes/contract-fallback.php
 *
 * @package WpfWebhooks
 */

define( 'ABSPATH', __DIR__ );
$contract = require $argv[1];
$texts    = array( 'the message when no CRM is chosen' => array( $contract['no_crm'] ) );
foreach ( $contract['codes'] as $code => $about ) {
	$texts[ "the message of the result code $code" ] = array( $about['message'] );
}
foreach ( $contract['crms'] as $crm => $about ) {
	$texts[ "$crm: what is missing when it is not configured" ] = array( $about['not_configured'] );
	$texts[ "$crm: where to paste a webhook URL" ]              = array( $about['webhook_help'] );
}
foreach ( $contract['settings'] as $setting ) {
	$texts[ "the setting {$setting['key']}: its label, its help" ] = array( $setting['label'] ?? '', $setting['help'] ?? '' );
}
echo "<?php\n// The contract's texts (scripts/php/contract-texts.php): for xgettext only.\n";
foreach ( $texts as $what => $strings ) {
	foreach ( array_filter( $strings, 'strlen' ) as $text ) {
		echo '/* translators: the extension\'s contract, ' . str_replace( '*/', '', $what ) . " */\n";
		echo '__( ' . var_export( $text, true ) . ", 'wpf-webhooks' );\n"; // phpcs:ignore WordPress.PHP.DevelopmentFunctions -- a generator.
	}
}
