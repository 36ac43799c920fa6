#!/usr/bin/env bash
# Makes DIR a private copy (symbolic links) of the conf.d directory that a PHP binary scans, to be used as its
# PHP_INI_SCAN_DIR, so that whether that PHP loads the wpf_webhooks extension is decided by the caller, not by
# whether it was installed system-wide (`make install` enables it with phpenmod).
#
# Usage: scripts/php-ini-dir.sh PHP_BINARY DIR [without-wpf|with-wpf]
#   PHP_BINARY    php, php-fpm8.2, …: the binary whose system conf.d is copied
#   without-wpf   [default] leave out every ini that loads wpf_webhooks (the caller passes -d extension=… or none)
#   with-wpf      keep them, and fail unless there is one: the installed extension, as the system loads it
set -euo pipefail

(($# == 2 || $# == 3)) || { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
bin=$1 dst=$2 mode=${3:-without-wpf}
case $mode in without-wpf | with-wpf) ;; *) echo "php-ini-dir: unknown mode '$mode'" >&2; exit 2 ;; esac

# The binary's own scan dir, not one a caller's PHP_INI_SCAN_DIR points to.
src=$(env -u PHP_INI_SCAN_DIR "$bin" -i 2>/dev/null | sed -n 's/^Scan this dir for additional .ini files => *//p')
mkdir -p "$dst"
find "$dst" -mindepth 1 -maxdepth 1 -name '*.ini' -delete
found=0
if [[ -d $src ]]; then
  for f in "$src"/*.ini; do
    [[ -f $f ]] || continue
    if grep -qE '^[[:space:]]*(zend_)?extension[[:space:]]*=.*wpf_webhooks' "$f"; then
      found=1
      [[ $mode == with-wpf ]] || continue
    fi
    ln -s "$(realpath "$f")" "$dst/$(basename "$f")"
  done
fi
if [[ $mode == with-wpf ]] && ((found == 0)); then
  echo "php-ini-dir: $bin does not load wpf_webhooks from ${src:-its conf.d} (run make install)" >&2
  exit 1
fi
