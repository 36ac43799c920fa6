//! The `wpf_webhooks` PHP extension: registration only. The PHP-facing functions are in `php.rs`, the
//! decisions in the `wpf-webhooks-core` crate.

mod php;

use ext_php_rs::prelude::*;

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    php::register(module)
}
