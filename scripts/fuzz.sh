#!/usr/bin/env bash
# Fuzzes the core (crates/core) with cargo-fuzz / libFuzzer: every target of fuzz/ for SECONDS each, one after
# the other, each over a temporary copy of its committed seed corpus (fuzz/corpus/TARGET), so a run never
# changes the repository. Inputs saved under fuzz/regressions/TARGET are replayed first.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     SECONDS defaults to 60; TARGET defaults to every target
#
# Prints the build time, one line per target (`fuzz TARGET: ok|CRASH|FAILED …`), then `fuzz: N passed, N failed`.
# Exits non-zero when a target crashed (a panic, a failed invariant, a timeout or running out of memory) or
# could not run; the crashing input is kept in fuzz/artifacts/TARGET/ and the command reproducing it printed.
# Takes about (number of targets × SECONDS) plus the build (≈ 1–2 min from clean, seconds when built).
#
# Environment:
#   WPF_FUZZ_SANITIZER  none (default) | address. `address` builds with AddressSanitizer, which needs
#                       RUSTC_BOOTSTRAP=1 on a stable toolchain (set here) and runs 3–6× slower; the fuzzed code
#                       is safe Rust, so the default favours executions.
#   WPF_FUZZ_TARGET_DIR cargo's target directory for the fuzz build (default fuzz/target), e.g. a CI cache.
#   WPF_FUZZ_OUT        keep each target's libFuzzer log and grown corpus in this directory instead of a
#                       temporary one that is removed at the end.
#   WPF_FUZZ_TIMEOUT    seconds one input may take before libFuzzer reports it as a hang (default 10).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO
cd "$REPO"

readonly CARGO_FUZZ_VERSION=0.13.2
readonly RUN_SECONDS=${1:-60}
shift || true
[[ $RUN_SECONDS =~ ^[0-9]+$ && $RUN_SECONDS -gt 0 ]] || { echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2; }

SANITIZER=${WPF_FUZZ_SANITIZER:-none}
readonly SANITIZER
readonly TARGET_DIR=${WPF_FUZZ_TARGET_DIR:-$REPO/fuzz/target}
readonly TIMEOUT=${WPF_FUZZ_TIMEOUT:-10}
case $SANITIZER in
  none) ;;
  address)
    # cargo-fuzz passes -Zsanitizer=address, which a stable rustc accepts only with RUSTC_BOOTSTRAP=1.
    # As `cargo fuzz run` does, when the binaries are run directly.
    export RUSTC_BOOTSTRAP=1 ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0} ;;
  *) echo "WPF_FUZZ_SANITIZER must be none or address" >&2; exit 2 ;;
esac
# Cargo caches rustc's answers per target directory, failures included, without RUSTC_BOOTSTRAP in the key: one
# `-Zsanitizer` probe made without it would keep failing every later build. Never trust that cache here.
export CARGO_CACHE_RUSTC_INFO=0

if [[ $# -gt 0 ]]; then
  TARGETS=("$@")
else
  TARGETS=()
  for f in fuzz/fuzz_targets/*.rs; do TARGETS+=("$(basename "$f" .rs)"); done
fi
for t in "${TARGETS[@]}"; do
  [[ -f fuzz/fuzz_targets/$t.rs ]] || { echo "no fuzz target $t (see fuzz/fuzz_targets/)" >&2; exit 2; }
done

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz $CARGO_FUZZ_VERSION (cargo install --locked)"
  started=$(date +%s)
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
  echo "cargo-fuzz installed in $(($(date +%s) - started)) s"
fi

cargo_fuzz=(cargo fuzz build --sanitizer "$SANITIZER" --target-dir "$TARGET_DIR")
echo "==> building ${TARGETS[*]} ($(cargo fuzz --version), sanitizer $SANITIZER, $(rustc --version))"
started=$(date +%s)
for t in "${TARGETS[@]}"; do "${cargo_fuzz[@]}" "$t"; done
echo "fuzz build: $(($(date +%s) - started)) s"

host=$(rustc -vV | sed -n 's/^host: //p')
readonly BIN_DIR=$TARGET_DIR/$host/release

if [[ -n ${WPF_FUZZ_OUT:-} ]]; then
  WORK=$WPF_FUZZ_OUT
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/wpf-fuzz.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
fi
readonly WORK

reproduce() {
  local prefix=""
  [[ $SANITIZER == address ]] && prefix="RUSTC_BOOTSTRAP=1 CARGO_CACHE_RUSTC_INFO=0 "
  echo "${prefix}cargo fuzz run --sanitizer $SANITIZER $1 $2"
}

passed=0
failed=0
for t in "${TARGETS[@]}"; do
  bin=$BIN_DIR/$t
  corpus=$WORK/corpus/$t
  artifacts=$REPO/fuzz/artifacts/$t
  log=$WORK/$t.log
  rm -rf "$corpus"
  mkdir -p "$corpus" "$artifacts"
  cp fuzz/corpus/"$t"/* "$corpus"/
  seeds=$(find "$corpus" -type f | wc -l)

  # Saved crashing inputs first: each must now pass.
  regressions=()
  if [[ -d fuzz/regressions/$t ]]; then
    while IFS= read -r -d '' f; do regressions+=("$f"); done < <(find "fuzz/regressions/$t" -type f -print0)
  fi
  if [[ ${#regressions[@]} -gt 0 ]] &&
    ! "$bin" -artifact_prefix="$artifacts/" "${regressions[@]}" >"$log.regressions" 2>&1; then
    echo "fuzz $t: FAILED, a saved input of fuzz/regressions/$t crashes again:"
    grep -E "panicked|Running:|SUMMARY" "$log.regressions" | head -n 10 || tail -n 20 "$log.regressions"
    failed=$((failed + 1))
    continue
  fi

  touch "$WORK/$t.started"
  status=0
  "$bin" "$corpus" -max_total_time="$RUN_SECONDS" -timeout="$TIMEOUT" -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+) .*/cov \1, features \2/p' <<<"$done_line")
  grown=$(find "$corpus" -type f | wc -l)
  stats="${runs:-?} runs, ${speed:-?} exec/s, ${cov:-no final stats}, corpus $seeds -> $grown"
  if [[ $status -eq 0 && -n $done_line ]]; then
    echo "fuzz $t: ok, ${RUN_SECONDS} s, $stats"
    passed=$((passed + 1))
    continue
  fi
  failed=$((failed + 1))
  crash=$(find "$artifacts" -type f -newer "$WORK/$t.started" -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
  if [[ -n $crash ]]; then
    echo "fuzz $t: CRASH (libFuzzer exit $status), $stats"
    grep -E "panicked at|^thread '|ERROR: libFuzzer|SUMMARY:|==ERROR" "$log" | head -n 8 | sed 's/^/    /'
    echo "    input: $crash"
    echo "    reproduce: $(reproduce "$t" "$crash")"
    echo "    then keep it as a regression: cp $crash fuzz/regressions/$t/"
  else
    echo "fuzz $t: FAILED (libFuzzer exit $status, no crash input), last lines of its log:"
    tail -n 20 "$log" | sed 's/^/    /'
  fi
done

echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
