#!/usr/bin/env bash
# Runs every check and test of the project on this machine, installing what is missing first:
#   lint     cargo fmt --check, cargo clippy -D warnings, php -l
#   ring 1   cargo test (the core, with the sandbox CRM on loopback)
#   ring 2   PHPUnit against the built extension, called directly
#   package  `make dist` (the plugin zip, checked), `make install` into this machine's PHP (checked with php -m,
#            php --re, php -i, php-fpm -m); `make uninstall` after ring 3 (checked), or on any failure
#   ring 3   PHPUnit against real WordPress sites served by nginx + php-fpm: the main site on SQLite with the
#            installed extension (loaded by the system ini) and the plugin from the zip, the same suite on
#            MariaDB, a multisite network on MariaDB (group multisite), a site without the extension, and a
#            one-worker site running the test-only panic build
#            (panic and killed-worker tests); every site but the main one, and every PHPUnit process, decides
#            for itself whether it loads the extension, whether or not it is installed system-wide
#   ring 4   the wp-admin screens in Chromium (node --test + playwright-core, browser-tests/) on a site of
#            their own; screenshots in .run/test-results/screenshots
#   fuzz     every cargo-fuzz target of fuzz/ for WPF_FUZZ_SECONDS (default 60) each, scripts/fuzz.sh
# Ends with one line `N passed, N failed` counting every test of every runner; exits non-zero if any failed.
#
# Usage: scripts/test.sh            (WPF_TEST_PORT_BASE=18089 moves the seventeen ports the sites use, base to base+16)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO
cd "$REPO"

readonly OUT=$REPO/.run/test-results
readonly PORT_BASE=${WPF_TEST_PORT_BASE:-18089}
readonly EXT=$REPO/target/release/libwpf_webhooks.so
readonly PANIC_EXT=$REPO/target/test-builds/libwpf_webhooks_panic.so
# PHP CLI's conf.d without the extension: the PHP of every PHPUnit run outside a site's environment.
readonly CLI_CONF_D=$OUT/php-cli-conf.d
SITES=()
INSTALLED=0
# A site's environment (WPF_RUN) comes from `eval "$(scripts/wp-env.sh env)"` only, never from the caller.
unset WPF_RUN

log() { printf '\n==> %s\n' "$*"; }

stop_sites() {
  local run
  for run in "${SITES[@]}"; do
    WPF_RUN=$run scripts/wp-env.sh down >/dev/null 2>&1 || true
  done
}
# `make uninstall` and its checks (group uninstalled of php-tests/packaging), once.
uninstall_extension() {
  ((INSTALLED)) || return 0
  INSTALLED=0
  make uninstall >"$OUT/make-uninstall.log" 2>&1 || cat "$OUT/make-uninstall.log"
  phpunit_run packaging-uninstalled phpunit-packaging.xml none --group uninstalled
}

on_exit() {
  stop_sites
  uninstall_extension
}
trap on_exit EXIT

# Starts a site in .run/test-NAME on two ports from PORT_BASE + OFFSET; extra env for wp-env.sh before it.
start_site() {
  local name=$1 offset=$2
  shift 2
  local run=$REPO/.run/test-$name
  SITES+=("$run")
  env "$@" WPF_RUN="$run" WPF_SITE_PORT=$((PORT_BASE + offset)) WPF_SANDBOX_PORT=$((PORT_BASE + offset + 1)) \
    WPF_MU_PLUGINS="$REPO/php-tests/mu" scripts/wp-env.sh up >"$OUT/wp-env-$name.log" 2>&1 ||
    { cat "$OUT/wp-env-$name.log"; return 1; }
}

# Runs PHPUnit against a config, in a PHP that loads EXTENSION (`none`: without it; `installed`: the copy
# `make install` enabled), with more PHPUnit arguments after; writes JUnit XML as NAME.xml. PHP scans the conf.d
# of the site whose environment is in effect (which has the system's wpf_webhooks ini for a site of installed),
# else CLI_CONF_D; its child processes inherit that.
phpunit_run() {
  local name=$1 config=$2 extension=$3
  shift 3
  local php_opts=() scan_dir=$CLI_CONF_D
  [[ -z ${WPF_RUN:-} ]] || scan_dir=$WPF_RUN/php/cli-conf.d
  case $extension in none | installed) ;; *) php_opts=(-d "extension=$extension") ;; esac
  PHP_INI_SCAN_DIR=$scan_dir php ${php_opts[@]+"${php_opts[@]}"} "$(command -v phpunit)" -c "php-tests/$config" \
    --log-junit "$OUT/$name.xml" "$@" || true
}

# Ring 4 on its own site: JUnit XML as browser.xml, screenshots in OUT/screenshots. Returns non-zero on any
# problem; never fatal: the summary counts a missing or unreadable browser.xml as a failure, and a non-zero exit
# whose browser.xml shows no failure as one too (browser.status).
browser_run() {
  start_site browser 6 WPF_EXTENSION="$EXT" WPF_FPM_WORKERS=2 || return 1
  (cd browser-tests && npm ci --no-audit --no-fund >"$OUT/npm-ci-browser.log" 2>&1) ||
    { cat "$OUT/npm-ci-browser.log"; return 1; }
  # The tests bound themselves to 120 s; `timeout` is the backstop for a runner that does not stop.
  (eval "$(WPF_RUN=$REPO/.run/test-browser scripts/wp-env.sh env)" &&
    WPF_ARTIFACTS=$OUT/screenshots timeout --kill-after=10 180 \
      node --test --test-reporter=junit --test-reporter-destination="$OUT/browser.xml" \
      --test-reporter=spec --test-reporter-destination=stdout browser-tests/)
}

main() {
  WPF_DB=mariadb scripts/deps.sh
  rm -rf "$OUT" && mkdir -p "$OUT"
  scripts/php-ini-dir.sh php "$CLI_CONF_D"

  log "lint"
  cargo fmt --all -- --check
  cargo clippy --release --workspace --all-targets -- -D warnings
  local f
  while IFS= read -r -d '' f; do
    php -l "$f" >/dev/null || { php -l "$f"; exit 1; }
  done < <(find wp-plugin-shim php-tests scripts stubs -name '*.php' -print0)

  log "ring 1: cargo test"
  cargo test --release --workspace 2>&1 | tee "$OUT/cargo-test.log" || true

  log "build: the extension, the test-only panic build and the sandbox"
  cargo build --release -p wpf_webhooks --features panic-test
  mkdir -p "$(dirname "$PANIC_EXT")" && cp target/release/libwpf_webhooks.so "$PANIC_EXT"
  cargo build --release --workspace

  log "package: make dist, make install into this machine's PHP"
  phpunit_run packaging phpunit-packaging.xml none
  make dist DIST_DIR="$OUT/dist"
  unzip -q "$OUT"/dist/wpf-webhooks-*.zip -d "$OUT/dist"
  INSTALLED=1
  make install >"$OUT/make-install.log" 2>&1 || { cat "$OUT/make-install.log"; exit 1; }
  phpunit_run packaging-installed phpunit-packaging.xml none --group installed

  log "ring 2: the extension from PHP"
  WPF_SANDBOX_BIN=$REPO/target/release/wpf-sandbox phpunit_run extension phpunit-extension.xml "$EXT"

  log "ring 3: WordPress"
  start_site main 0 WPF_EXTENSION=installed WPF_PLUGIN_SRC="$OUT/dist/wpf-webhooks" WPF_FPM_WORKERS=4
  start_site no-extension 2 WPF_EXTENSION=none WPF_FPM_WORKERS=2
  start_site panic 4 WPF_EXTENSION="$PANIC_EXT" WPF_FPM_WORKERS=1
  # Two php-fpm masters ("web servers") on one MariaDB, with 8 queue workers allowed, for MultiNodeQueueTest.
  start_site mariadb 8 WPF_DB=mariadb WPF_DB_PORT=$((PORT_BASE + 10)) WPF_EXTENSION="$EXT" WPF_FPM_WORKERS=4 \
    WPF_FPM_NODES=2 WPF_WP_CONFIG_EXTRA="define( 'WPF_WEBHOOKS_QUEUE_WORKERS', 8 );"
  # One worker on MariaDB, for KilledWorkerTest: GET_LOCK is released when the killed worker's connection ends.
  start_site mariadb-single 11 WPF_DB=mariadb WPF_DB_PORT=$((PORT_BASE + 13)) WPF_EXTENSION="$EXT" WPF_FPM_WORKERS=1
  # A subdirectory multisite network (main site and /site2/, the plugin network-activated), for MultisiteTest.
  start_site multisite 14 WPF_DB=mariadb WPF_DB_PORT=$((PORT_BASE + 16)) WPF_MULTISITE=1 WPF_EXTENSION="$EXT" WPF_FPM_WORKERS=2
  (eval "$(WPF_RUN=$REPO/.run/test-main scripts/wp-env.sh env)" &&
    phpunit_run wordpress phpunit-wordpress.xml installed)
  (eval "$(WPF_RUN=$REPO/.run/test-no-extension scripts/wp-env.sh env)" &&
    phpunit_run wordpress-no-extension phpunit-wordpress.xml none --group no-extension)
  (eval "$(WPF_RUN=$REPO/.run/test-panic scripts/wp-env.sh env)" &&
    phpunit_run wordpress-panic phpunit-wordpress.xml "$PANIC_EXT" --group panic,single-worker)
  (eval "$(WPF_RUN=$REPO/.run/test-mariadb scripts/wp-env.sh env)" &&
    phpunit_run wordpress-mariadb phpunit-wordpress.xml "$EXT")
  (eval "$(WPF_RUN=$REPO/.run/test-mariadb-single scripts/wp-env.sh env)" &&
    phpunit_run wordpress-mariadb-single phpunit-wordpress.xml "$EXT" --group single-worker)
  (eval "$(WPF_RUN=$REPO/.run/test-multisite scripts/wp-env.sh env)" &&
    phpunit_run wordpress-multisite phpunit-wordpress.xml "$EXT" --group multisite)
  uninstall_extension

  log "ring 4: browser"
  local status=0
  browser_run || status=$?
  echo "$status" >"$OUT/browser.status"

  log "fuzz"
  bash scripts/fuzz.sh "${WPF_FUZZ_SECONDS:-60}" 2>&1 | tee "$OUT/fuzz.log" || true

  summary
}

# Adds up the counts of cargo and of the JUnit XML files (PHPUnit's, node --test's) and prints the closing line.
summary() {
  local passed=0 failed=0 skipped=0 p f i
  while read -r p f i; do
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + i))
  done < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed; \([0-9]*\) ignored.*/\1 \2 \3/p' "$OUT/cargo-test.log")
  if ! grep -q '^test result: ok' "$OUT/cargo-test.log" || grep -q '^test result: FAILED\|^error' "$OUT/cargo-test.log"; then
    failed=$((failed + 1))
  fi
  local counts
  # PHPUnit writes one top-level <testsuite> holding the totals; node --test one per top-level describe(), and a
  # bare top-level <testcase> for a top-level test or for a test file that failed to load.
  counts=$(php -r '
    [$p, $f, $s] = [0, 0, 0];
    foreach (array_slice($argv, 1) as $file) {
      $x = @simplexml_load_file($file);
      if (!$x || (!isset($x->testsuite) && !isset($x->testcase))) { fwrite(STDERR, "no results in $file\n"); $f++; continue; }
      [$t, $bad, $sk] = [0, 0, 0];
      foreach ($x->testsuite as $suite) {
        $a = $suite->attributes();
        [$t, $bad, $sk] = [$t + (int) $a->tests, $bad + (int) $a->failures + (int) $a->errors, $sk + (int) $a->skipped];
      }
      foreach ($x->testcase as $case) {
        $t++;
        if (isset($case->failure) || isset($case->error)) { $bad++; } elseif (isset($case->skipped)) { $sk++; }
      }
      if ($t === 0) { fwrite(STDERR, "no test ran in $file\n"); $f++; }
      [$p, $f, $s] = [$p + $t - $bad - $sk, $f + $bad, $s + $sk];
    }
    echo "$p $f $s";
  ' "$OUT/extension.xml" "$OUT/packaging.xml" "$OUT/packaging-installed.xml" "$OUT/packaging-uninstalled.xml" \
    "$OUT/wordpress.xml" "$OUT/wordpress-no-extension.xml" "$OUT/wordpress-panic.xml" \
    "$OUT/wordpress-mariadb.xml" "$OUT/wordpress-mariadb-single.xml" "$OUT/wordpress-multisite.xml" "$OUT/browser.xml")
  read -r p f i <<<"$counts"
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + i))
  # scripts/fuzz.sh ends with `fuzz: N passed, N failed`, one per target; no such line is one failure.
  if read -r p f < <(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$OUT/fuzz.log"); then
    passed=$((passed + p)) failed=$((failed + f))
  else
    echo "no fuzz results" >&2
    failed=$((failed + 1))
  fi
  # A complete browser.xml without a failure, from a ring 4 that did not exit 0 (a missing or cut-off one was
  # counted above).
  if [[ $(cat "$OUT/browser.status" 2>/dev/null) != 0 ]] && grep -q '</testsuites>' "$OUT/browser.xml" 2>/dev/null &&
    ! grep -q '<failure' "$OUT/browser.xml"; then
    echo "ring 4 exited with status $(cat "$OUT/browser.status" 2>/dev/null) but browser.xml shows no failure" >&2
    failed=$((failed + 1))
  fi
  echo
  if ((skipped > 0)); then
    echo "$passed passed, $failed failed, $skipped skipped"
  else
    echo "$passed passed, $failed failed"
  fi
  ((failed == 0))
}

main "$@"
