<?php
/**
 * Ring 2 bootstrap: the extension must be loaded in this process; a sandbox CRM is started for the calls
 * that reach one.
 *
 * @package WpfWebhooks\Tests
 */

if ( ! extension_loaded( 'wpf_webhooks' ) ) {
	fwrite( STDERR, "The wpf_webhooks extension is not loaded: run with -d extension=target/release/libwpf_webhooks.so\n" );
	exit( 1 );
}

require_once __DIR__ . '/../support/Markdown.php';
require_once __DIR__ . '/../support/Sandbox.php';
