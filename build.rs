//! Stamps the extension with what it is: its version, the git revision it was built from, and the version of
//! the Rust↔shim interface. The interface version is read from the shim's main file, which is its single
//! source; the shim refuses an extension that reports another one. The build also fails when the crate and
//! the plugin disagree on their version, so a release cannot ship a mismatched pair.

use std::path::Path;
use std::process::Command;

const SHIM: &str = "wp-plugin-shim/wpf-webhooks.php";

fn main() {
    println!("cargo:rerun-if-changed={SHIM}");
    let shim = std::fs::read_to_string(SHIM).unwrap_or_else(|e| panic!("cannot read {SHIM}: {e}"));

    let interface = php_define(&shim, "WPF_WEBHOOKS_INTERFACE")
        .unwrap_or_else(|| panic!("{SHIM} defines no WPF_WEBHOOKS_INTERFACE"));
    if interface.parse::<u32>().is_err() {
        panic!("WPF_WEBHOOKS_INTERFACE in {SHIM} is not a whole number: {interface}");
    }
    let plugin_version = header(&shim, "Version").unwrap_or_else(|| panic!("{SHIM} has no `Version:` header"));
    let crate_version = env!("CARGO_PKG_VERSION");
    if plugin_version != crate_version {
        panic!("the plugin is version {plugin_version} but the crate is {crate_version}: release them together");
    }

    println!("cargo:rustc-env=WPF_INTERFACE_VERSION={interface}");
    println!("cargo:rustc-env=WPF_GIT_REVISION={}", git_revision());
    println!("cargo:rustc-env=WPF_BUILD_PROFILE={}", std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into()));
}

/// The value of `define( 'NAME', value );` in PHP source, quotes stripped.
fn php_define(source: &str, name: &str) -> Option<String> {
    source.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("define(")?.trim_start();
        let rest = rest.strip_prefix(&format!("'{name}'"))?.trim_start().strip_prefix(',')?;
        let value = rest.trim().strip_suffix(';')?.trim_end().strip_suffix(')')?.trim();
        Some(value.trim_matches('\'').to_string())
    })
}

/// A WordPress plugin header value (` * Version: 1.2.3`).
fn header(source: &str, name: &str) -> Option<String> {
    source.lines().find_map(|line| {
        let rest = line.trim().trim_start_matches('*').trim().strip_prefix(name)?;
        Some(rest.trim_start().strip_prefix(':')?.trim().to_string())
    })
}

/// The short git revision of HEAD; `unknown` outside a checkout.
fn git_revision() -> String {
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        let dir = Path::new(&dir);
        println!("cargo:rerun-if-changed={}", dir.join("HEAD").display());
        if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={}", dir.join(head_ref).display());
        }
    }
    git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into())
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
