#!/usr/bin/env bash
# Install the system packages that the build, the tests and the throw-away WordPress
# (scripts/wp-env.sh) need, and only those that are missing. Idempotent and quiet when
# there is nothing to do, so CI can call it on every run.
#
# Environment:
#   WPF_DB=mariadb   also install MariaDB (server + client) for the MariaDB variant of the site.
#
# Exit status: non-zero when a package cannot be installed or a required tool
# (cargo, npm) is missing.
set -euo pipefail

# Debian packages every run needs. php-* are Debian's version-neutral metapackages
# (PHP 8.2 on Debian 12); libclang-dev is for ext-php-rs's bindgen; chromium is the browser
# that ring 4 (browser-tests/) drives through playwright-core; gettext-base has the envsubst that fills
# scripts/wp-env.sh's templates.
readonly BASE_PACKAGES=(
  php-cli php-dev libclang-dev php-fpm php-sqlite3 php-mysql php-mbstring php-xml php-curl
  phpunit nginx-light zip unzip curl ca-certificates chromium gettext-base gettext
)
readonly MARIADB_PACKAGES=(mariadb-server mariadb-client)

log() { printf 'deps: %s\n' "$*" >&2; }

# Print the packages of "$@" that dpkg does not report as installed.
missing_packages() {
  local pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ $status != "install ok installed" ]]; then
      printf '%s\n' "$pkg"
    fi
  done
}

apt_install() {
  log "installing: $*"
  if [[ $(id -u) -ne 0 ]]; then
    log "error: not root; run as root or install these by hand: $*"
    exit 1
  fi
  # No service is started by the packages here (and none must be relied on):
  # wp-env.sh starts its own nginx / php-fpm / mariadbd with private configs.
  # Lock::Timeout: wait for another apt/dpkg (another session's install) instead of failing at once.
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    "$@" >/dev/null
}

# A tool that apt does not provide here (rustup's cargo, the machine's Node.js).
require_tool() {
  local tool=$1 hint=$2
  if ! command -v "$tool" >/dev/null 2>&1; then
    log "error: '$tool' not found on PATH. $hint"
    return 1
  fi
}

main() {
  local wanted=("${BASE_PACKAGES[@]}")
  if [[ ${WPF_DB:-sqlite} == mariadb ]]; then
    wanted+=("${MARIADB_PACKAGES[@]}")
  fi

  local missing=()
  mapfile -t missing < <(missing_packages "${wanted[@]}")
  if ((${#missing[@]} > 0)); then
    apt_install "${missing[@]}"
    # Check again: apt can "succeed" and still leave a package unconfigured.
    mapfile -t missing < <(missing_packages "${missing[@]}")
    if ((${#missing[@]} > 0)); then
      log "error: still not installed after apt-get: ${missing[*]}"
      exit 1
    fi
  fi

  local ok=0
  require_tool cargo "Install the Rust toolchain (rustup) and put ~/.cargo/bin on PATH." || ok=1
  require_tool npm "Install Node.js with npm (needed by 'scripts/wp-env.sh fetch' and the browser tests)." || ok=1
  exit "$ok"
}

main "$@"
