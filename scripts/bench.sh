#!/usr/bin/env bash
# The benchmark of issue 6 (a benchmark, not a timed test): starts nginx + php-fpm + WordPress + the sandbox CRM
# with scripts/wp-env.sh, measures with wrk (scripts/bench/wrk.lua checks every answer and takes the latency
# percentiles), runs the core's criterion micro-benchmarks, and writes BENCHMARKS.md (scripts/bench/report.php):
#   floor        the same site answering a request that a mu-plugin ends at `init` (scripts/bench/mu); and the
#                same with one database row written first, the unit of the webhooks' extra work
#   plain page   the front page with the plugin active, and with it deactivated
#   webhooks     test, update_tags, update, add (+ Return Password, a new contact per request) at CRM latency
#                0 ms and 100 ms, sequential and at concurrency 8
#   async ack    `async=true` with the CRM stalled for 10 s (measured only where the async queue exists)
#   profile      where a webhook's time goes: test, update_tags, update and add at CRM 0 ms, sequential, each
#                step timed inside PHP by the mu-plugin scripts/bench/mu/wpf-bench-profile.php, on the main
#                site and on the other database's fresh large site
#   large site   on a site of its own, on MariaDB and on SQLite: update_tags and add on the fresh site, then after
#                WPF_BENCH_USERS (MariaDB) or WPF_BENCH_SQLITE_USERS users linked to contacts were added in bulk
#                (as a site switching from WP Fusion has them: meta without contact links), update_tags and add
#                while the contact links' backfill runs, its rate, and update_tags and add once it is done
#   memory       the RSS of a one-worker pool's php-fpm worker after 0, 1 000, 5 000 and 10 000 webhooks
#   micro        cargo bench -p wpf-webhooks-core (parsing, key check, field mapping, logins, decisions)
# Exits non-zero when any scenario had a failed request (wrong status or code, socket error, timeout): such a
# benchmark is invalid. A missed target is reported in BENCHMARKS.md, not in the exit status.
#
# Usage: scripts/bench.sh
# Environment (defaults in brackets):
#   WPF_BENCH_SECONDS     measured seconds per scenario [8]
#   WPF_BENCH_WARMUP      warm-up seconds before each scenario, not measured [2]
#   WPF_BENCH_WEBHOOKS    webhooks sent to the one-worker pool for the memory figures [10000]
#   WPF_BENCH_PROFILED    requests per action for the profile, after 20 not counted [200]
#   WPF_BENCH_USERS       users added for the large site on MariaDB [1000000]
#   WPF_BENCH_SQLITE_USERS  users added for the large site on SQLite [200000]; 0 = no SQLite large site
#   WPF_BENCH_WORKERS     php-fpm workers of the main site [8], so that 8 concurrent webhooks never queue
#   WPF_BENCH_PORT_BASE   first of the five loopback ports used, base to base+4 [48089]
#   WPF_BENCH_MICRO       0 = skip the criterion micro-benchmarks [1]
#   WPF_BENCH_OUT         the report [REPO/BENCHMARKS.md]
#   WPF_DB                mariadb [default: what production WordPress sites run on] or sqlite, as for
#                         scripts/wp-env.sh
set -euo pipefail
# Decimal points in EPOCHREALTIME and `times` that awk reads.
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO
cd "$REPO"

readonly DURATION=${WPF_BENCH_SECONDS:-8}
readonly WARMUP=${WPF_BENCH_WARMUP:-2}
readonly WEBHOOKS=${WPF_BENCH_WEBHOOKS:-10000}
readonly WORKERS=${WPF_BENCH_WORKERS:-8}
readonly PROFILED=${WPF_BENCH_PROFILED:-200}
readonly LARGE_USERS=${WPF_BENCH_USERS:-1000000}
readonly SQLITE_USERS=${WPF_BENCH_SQLITE_USERS:-200000}
# While the backfill runs: adds of contacts the links do not know, then update_tags for a linked contact.
readonly BACKFILL_UPDATES=200 BACKFILL_ADDS=3
readonly PROFILE_WARMUP=20
readonly PORT_BASE=${WPF_BENCH_PORT_BASE:-48089}
readonly MICRO=${WPF_BENCH_MICRO:-1}
readonly REPORT=${WPF_BENCH_OUT:-$REPO/BENCHMARKS.md}
readonly DB=${WPF_DB:-mariadb}
readonly CONCURRENCY=8
readonly RESULTS=$REPO/.run/bench-results
readonly MAIN_RUN=$REPO/.run/bench
readonly MEMORY_RUN=$REPO/.run/bench-memory
readonly LARGE_RUN=$REPO/.run/bench-large
readonly LUA=scripts/bench/wrk.lua
readonly CONFIGURE=scripts/bench/configure.php
# Jane is in the sandbox's default seed; `add` uses a new address per request, made by the sandbox on demand.
readonly JANE='{"email": "jane@example.com"}'
readonly NEW_CONTACT='{"email": "bench-{n}@bench.example"}'
readonly AUTO_PEOPLE='{"email_suffix": "@bench.example", "attributes": {"first_name": "Bench", "last_name": "User", "plan": "pro"}, "segments": [1, "42"]}'
# Production-like PHP: no debug mode (the rig's default turns it on for the tests).
readonly WP_CONFIG_EXTRA="define( 'WP_DEBUG', false );"

SITES=()
WRK=()
SITE_URL=
SANDBOX_URL=
KEY=

log() { printf '\n==> %s\n' "$*" >&2; }
die() {
  printf 'bench: error: %s\n' "$*" >&2
  exit 1
}

stop_sites() {
  local run
  for run in "${SITES[@]}"; do
    WPF_RUN=$run scripts/wp-env.sh down >/dev/null 2>&1 || true
  done
}
trap stop_sites EXIT

check_settings() {
  local name value
  for name in DURATION WARMUP WEBHOOKS WORKERS PORT_BASE PROFILED LARGE_USERS SQLITE_USERS; do
    value=${!name}
    [[ $value =~ ^[0-9]+$ ]] || die "$name '$value' is not a number"
  done
  ((DURATION > 0 && WEBHOOKS >= 10 && WORKERS > 0 && PROFILED > 0)) ||
    die "WPF_BENCH_SECONDS, _WEBHOOKS (≥ 10), _WORKERS and _PROFILED must be positive"
  case $DB in sqlite | mariadb) ;; *) die "WPF_DB must be sqlite or mariadb" ;; esac
}

# Starts a site in RUN on the ports PORT and PORT + 1 (database on PORT_BASE + 4) with WORKERS php-fpm workers, on
# the database DB (default: WPF_DB's), configures the plugin for the sandbox's Customer.io and lets the sandbox make
# the `add` contacts.
start_site() {
  local run=$1 port=$2 workers=$3 db=${4:-$DB}
  SITES+=("$run")
  local try
  # Twice: the ports are in the kernel's ephemeral range, so a client socket of the run before may hold one briefly.
  for try in 1 2; do
    WPF_RUN=$run WPF_SITE_PORT=$port WPF_SANDBOX_PORT=$((port + 1)) WPF_DB=$db WPF_DB_PORT=$((PORT_BASE + 4)) \
      WPF_FPM_WORKERS=$workers WPF_MU_PLUGINS=$REPO/scripts/bench/mu WPF_WP_CONFIG_EXTRA=$WP_CONFIG_EXTRA \
      scripts/wp-env.sh up >"$RESULTS/wp-env-$(basename "$run").log" 2>&1 && break
    ((try == 1)) || { cat "$RESULTS/wp-env-$(basename "$run").log" >&2; die "the site in $run did not start"; }
    WPF_RUN=$run scripts/wp-env.sh down >/dev/null 2>&1 || true
    sleep 5
  done
  SITE_RUN=$run
  SITE_URL=http://127.0.0.1:$port
  SANDBOX_URL=http://127.0.0.1:$((port + 1))
  KEY=$(WPF_RUN=$run scripts/wp-env.sh php "$CONFIGURE" settings)
  sandbox PUT auto_people "$AUTO_PEOPLE"
  # The user that update_tags and update find.
  local status
  status=$(curl -sS -o "$RESULTS/first-add.json" -w '%{http_code}' -X POST "$SITE_URL/?wpf_action=add" \
    -H 'Content-Type: application/json' -H "X-WPF-Access-Key: $KEY" -d "$JANE")
  if [[ $status != 200 ]] || ! grep -q '"code":"created"' "$RESULTS/first-add.json"; then
    die "the first add did not create jane@example.com: HTTP $status $(cat "$RESULTS/first-add.json")"
  fi
}

# A call to the sandbox's control API.
sandbox() {
  local method=$1 route=$2 body=${3:-}
  curl -sS --fail -o /dev/null -X "$method" "$SANDBOX_URL/_sandbox/$route" ${body:+-d "$body"} ||
    die "sandbox: $method /_sandbox/$route failed"
}

# The CPU time (clock ticks, user + system) the site's processes have used so far: `php database web sandbox`,
# each the process a pid file of SITE_RUN/pids names and its children (php-fpm's workers, nginx's); the database
# is 0 on SQLite, which runs inside PHP. The processes must have been running since the site started.
cpu_ticks() {
  local group file pids total
  for group in 'php-fpm*' mariadb nginx sandbox; do
    total=0
    for file in "$SITE_RUN"/pids/$group.pid; do
      [[ -r $file ]] || continue
      pids="$(<"$file") $(ps -o pid= --ppid "$(<"$file")")"
      total=$((total + $(cd /proc && cat $(printf '%s/stat ' $pids) 2>/dev/null | awk '{ t += $14 + $15 } END { print t + 0 }')))
    done
    printf '%s ' "$total"
  done
}

# Sets WRK to the wrk command for CONNECTIONS connections during SECONDS, on two threads at most.
wrk_command() {
  local connections=$1 seconds=$2
  WRK=(wrk "-t$((connections < 2 ? connections : 2))" "-c$connections" "-d${seconds}s" --timeout 30s -s "$LUA" "$SITE_URL")
}

# measure ID GROUP LABEL CONNECTIONS METHOD PATH BODY EXPECT [STATUS [LIMIT]]
# Runs wrk (a warm-up, then the measured run) and records the figures in RESULTS/ID.json and a line of
# RESULTS/index.tsv with the command (the key shown as $KEY). With LIMIT, each wrk thread stops after LIMIT
# answers (no warm-up; the duration is only a backstop).
measure() {
  local id=$1 group=$2 label=$3 connections=$4 method=$5 path=$6 body=$7 expect=$8 status=${9:-200} limit=${10:-0}
  local seconds=$DURATION key=''
  ((limit == 0)) || seconds=3600
  local env_text="BENCH_PATH='$path' BENCH_METHOD=$method"
  [[ -z $body ]] || env_text+=" BENCH_BODY='$body'"
  [[ -z $expect ]] || env_text+=" BENCH_EXPECT=$expect"
  ((status == 200)) || env_text+=" BENCH_STATUS=$status"
  ((limit == 0)) || env_text+=" BENCH_LIMIT=$limit"
  if [[ $path == *wpf_action* ]]; then
    key=$KEY
    env_text+=" BENCH_KEY=\$KEY"
  fi
  local -a env=(BENCH_PATH="$path" BENCH_METHOD="$method" BENCH_BODY="$body" BENCH_EXPECT="$expect"
    BENCH_STATUS="$status" BENCH_LIMIT="$limit" BENCH_KEY="$key")
  # Other processes' buffered writes (a build, a copy) flushed by the kernel during a run make every COMMIT wait
  # for the disk: 100-300 ms answers while p50 stays put (the tail `add` once showed). Flush them first.
  sync
  if ((limit == 0 && WARMUP > 0)); then
    wrk_command "$connections" "$WARMUP"
    env "${env[@]}" BENCH_RUN="$id-warmup-$RANDOM" BENCH_OUT="$RESULTS/$id.warmup.json" "${WRK[@]}" >/dev/null
  fi
  printf '%-20s %s, %s connection(s)\n' "$id" "$label" "$connections" >&2
  wrk_command "$connections" "$seconds"
  local cpu_before
  cpu_before=$(cpu_ticks)
  # wrk's own CPU time: `times` in the subshell, once wrk (its only child) has ended.
  (
    status=0
    env "${env[@]}" BENCH_RUN="$id-$RANDOM$RANDOM" BENCH_OUT="$RESULTS/$id.json" "${WRK[@]}" >"$RESULTS/$id.wrk.txt" || status=$?
    times >"$RESULTS/$id.wrk-times.txt"
    exit "$status"
  ) &
  local wrk_pid=$!
  if ((limit > 0)); then
    # wrk (the subshell's child) runs until its duration ends or SIGINT, which makes it stop and report at once.
    while [[ ! -e $RESULTS/$id.json.stopped ]] && kill -0 "$wrk_pid" 2>/dev/null; do
      sleep 0.1
    done
    pkill -INT -P "$wrk_pid" -x wrk 2>/dev/null || true
  fi
  wait "$wrk_pid" || die "wrk failed for $id (see $RESULTS/$id.wrk.txt)"
  # `php database web sandbox wrk` CPU seconds used during the run.
  printf '%s %s\n' "$(awk -v before="$cpu_before" -v after="$(cpu_ticks)" -v hz="$(getconf CLK_TCK)" 'BEGIN {
      n = split(before, b, " "); split(after, a, " "); for (i = 1; i <= n; i++) printf "%.2f ", (a[i] - b[i]) / hz }')" \
    "$(awk 'NR == 2 { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }' "$RESULTS/$id.wrk-times.txt")" >"$RESULTS/$id.cpu"
  printf '%s\t%s\t%s\t%s\t%s %s\n' "$id" "$group" "$label" "$connections" "$env_text" "${WRK[*]}" >>"$RESULTS/index.tsv"
}

# profile DB ACTION BODY EXPECT: PROFILE_WARMUP + PROFILED sequential webhooks with `wpf_bench_profile=1` to the
# current site, on DB, each answered with its steps' timings (RESULTS/profile-DB-ACTION.jsonl, the counted ones);
# the webhook's own answer must be EXPECT.
profile() {
  local db=$1 action=$2 body=$3 expect=$4 i answer out=$RESULTS/profile-$1-$2.jsonl
  printf '%-20s %s on %s, %s webhooks, each step timed\n' "profile-$action" "$action" "$db" "$PROFILED" >&2
  : >"$out"
  for ((i = 1; i <= PROFILE_WARMUP + PROFILED; i++)); do
    answer=$(curl -sS -X POST "$SITE_URL$(webhook "$action")&wpf_bench_profile=1" -H 'Content-Type: application/json' \
      -H "X-WPF-Access-Key: $KEY" -d "${body//\{n\}/profile-$i}")
    [[ $answer == *'"code":"profile"'* && $answer == *"\"answer\":\"$expect\""* ]] ||
      die "profile of $action: request $i was answered $answer"
    ((i <= PROFILE_WARMUP)) || printf '%s\n' "$answer" >>"$out"
  done
}

# Seconds from the EPOCHREALTIME value FROM to TO, to a tenth.
since() {
  awk -v from="$1" -v to="$2" 'BEGIN { printf "%.1f", to - from }'
}

# Profiles every action on the current site, on DB.
profile_actions() {
  profile "$1" test "$JANE" ok
  profile "$1" update_tags "$JANE" updated
  profile "$1" update "$JANE" updated
  profile "$1" add "$NEW_CONTACT" created
}

webhook() {
  local action=$1
  printf '/?wpf_action=%s' "$action"
}

# A webhook answered 202 `queued` when async=true: the async queue is there.
async_queue_present() {
  local status
  status=$(curl -sS -o "$RESULTS/async-probe.json" -w '%{http_code}' -X POST "$SITE_URL/?wpf_action=update_tags&async=true" \
    -H 'Content-Type: application/json' -H "X-WPF-Access-Key: $KEY" -d "$JANE")
  printf 'HTTP %s %s' "$status" "$(head -c 300 "$RESULTS/async-probe.json")" >"$RESULTS/async-probe.txt"
  [[ $status == 202 ]] && grep -q '"code":"queued"' "$RESULTS/async-probe.json"
}

main_site_scenarios() {
  log "main site: $WORKERS php-fpm workers, WordPress on $DB, ports $PORT_BASE-$((PORT_BASE + 1))"
  start_site "$MAIN_RUN" "$PORT_BASE" "$WORKERS"
  WPF_RUN=$MAIN_RUN scripts/wp-env.sh php "$CONFIGURE" facts >"$RESULTS/wordpress.env"

  local c
  for c in 1 "$CONCURRENCY"; do
    measure "floor-c$c" floor "floor: WordPress booted to init" "$c" GET '/?wpf_bench_floor=1' '' floor
    measure "floor-write-c$c" floor "floor + one row written" "$c" GET '/?wpf_bench_floor=write' '' floor
  done
  # Each pair back to back, so that other load on the machine drifts as little as possible between its halves.
  for c in 1 "$CONCURRENCY"; do
    measure "page-plugin-c$c" page "front page, plugin active" "$c" GET / '' ''
    WPF_RUN=$MAIN_RUN scripts/wp-env.sh php "$CONFIGURE" plugin off
    measure "page-noplugin-c$c" page "front page, plugin deactivated" "$c" GET / '' ''
    WPF_RUN=$MAIN_RUN scripts/wp-env.sh php "$CONFIGURE" plugin on
  done

  for c in 1 "$CONCURRENCY"; do
    measure "test-c$c" webhook "test" "$c" POST "$(webhook test)" "$JANE" ok
  done
  local ms action body expect
  for ms in 0 100; do
    sandbox PUT latency "{\"ms\": $ms}"
    for action in update_tags update add; do
      body=$JANE expect=updated
      [[ $action != add ]] || body=$NEW_CONTACT expect=created
      for c in 1 "$CONCURRENCY"; do
        measure "$action-$ms-c$c" webhook "$action, CRM $ms ms" "$c" POST "$(webhook "$action")" "$body" "$expect"
      done
    done
  done
  sandbox PUT latency '{"ms": 0}'
  profile_actions "$DB"

  if async_queue_present; then
    # Every CRM request stalls 10 s; the queue's workers run after the answer, on other php-fpm workers.
    sandbox POST faults '{"action": {"delay_ms": 10000}}'
    measure "async-stalled-c1" async "update_tags async=true, CRM stalled 10 s" 1 POST \
      "$(webhook update_tags)&async=true" "$JANE" queued 202
    sandbox DELETE faults
  else
    printf 'not measured: this build answers async=true synchronously (%s): it has no async queue\n' \
      "$(cat "$RESULTS/async-probe.txt")" >"$RESULTS/async-stalled-c1.skipped"
  fi
  WPF_RUN=$MAIN_RUN scripts/wp-env.sh down >/dev/null
}

# during_backfill ACTION BODY EXPECT COUNT: COUNT sequential webhooks on the large site while its backfill runs
# (db, label and the backfill's start from large_series), and the seconds after that start they covered.
during_backfill() {
  local action=$1 body=$2 expect=$3 count=$4 from=$EPOCHREALTIME
  measure "large-$db-backfilling-$action-c1" large "$label, while the backfill runs: $action, CRM 0 ms" 1 POST \
    "$(webhook "$action")" "$body" "$expect" 200 "$count"
  printf '%s\t%s\t%s\n' "$action" "$(since "$started" "$from")" "$(since "$started" "$EPOCHREALTIME")" \
    >>"$RESULTS/large-$db-during.tsv"
}

# large_series DB USERS: a fresh site on DB (sequential update_tags and add, CRM 0 ms), then USERS users added in
# bulk with their contact-id meta and no links; while the backfill links them (its rate in
# RESULTS/large-DB-backfill.txt: `rows seconds`), BACKFILL_ADDS adds (new contacts: each scans the rows not
# linked yet) and BACKFILL_UPDATES update_tags for jane (linked), with no warm-up, so that no request is
# left running (each measurement's start and end, in seconds after the backfill's start, in
# RESULTS/large-DB-during.tsv); then update_tags and add once it is done.
large_series() {
  local db=$1 users=$2
  ((users > 0)) || return 0
  log "large site on $db: fresh, then $users more users, each linked to a contact"
  start_site "$LARGE_RUN-$db" "$PORT_BASE" "$WORKERS" "$db"
  measure "large-$db-fresh-update_tags-c1" large "$db, fresh site: update_tags, CRM 0 ms" 1 POST "$(webhook update_tags)" "$JANE" updated
  measure "large-$db-fresh-add-c1" large "$db, fresh site: add, CRM 0 ms" 1 POST "$(webhook add)" "$NEW_CONTACT" created
  # The main site's profile is on the main database; this one gives the other's.
  [[ $db == "$DB" ]] || profile_actions "$db"
  WPF_RUN=$LARGE_RUN-$db scripts/wp-env.sh php "$CONFIGURE" users "$users" >"$RESULTS/large-$db-users.txt"
  local label="$db, $(<"$RESULTS/large-$db-users.txt") users"
  local started=$EPOCHREALTIME marker=$RESULTS/large-$db-backfill-started
  WPF_RUN=$LARGE_RUN-$db scripts/wp-env.sh php "$CONFIGURE" backfill "$marker" >"$RESULTS/large-$db-backfill.txt" &
  local backfill=$!
  # Until its state says it runs (counting the rows to link takes a while), webhooks would not see it.
  while [[ ! -e $marker ]]; do
    kill -0 "$backfill" 2>/dev/null || die "the backfill on $db ended before it started: $(cat "$RESULTS/large-$db-backfill.txt")"
    sleep 0.1
  done
  : >"$RESULTS/large-$db-during.tsv"
  during_backfill add "$NEW_CONTACT" created "$BACKFILL_ADDS"
  during_backfill update_tags "$JANE" updated "$BACKFILL_UPDATES"
  wait "$backfill" || die "the backfill on $db failed: $(cat "$RESULTS/large-$db-backfill.txt")"
  measure "large-$db-update_tags-c1" large "$label, backfill done: update_tags, CRM 0 ms" 1 POST "$(webhook update_tags)" "$JANE" updated
  measure "large-$db-add-c1" large "$label, backfill done: add, CRM 0 ms" 1 POST "$(webhook add)" "$NEW_CONTACT" created
  WPF_RUN=$LARGE_RUN-$db scripts/wp-env.sh down >/dev/null
}

# VmRSS and RssAnon (kB) of the only php-fpm worker of the memory site, after N webhooks.
sample_rss() {
  local after=$1 master worker
  master=$(<"$MEMORY_RUN/pids/php-fpm.pid")
  worker=$(ps -o pid= --ppid "$master" | tr -d ' ')
  [[ $worker =~ ^[0-9]+$ ]] || die "the memory site has not exactly one php-fpm worker (got: $worker)"
  printf '%s\t%s\t%s\t%s\n' "$after" "$worker" \
    "$(awk '/^VmRSS:/ {print $2}' "/proc/$worker/status")" "$(awk '/^RssAnon:/ {print $2}' "/proc/$worker/status")" \
    >>"$RESULTS/memory.tsv"
}

memory_scenario() {
  log "memory: $WEBHOOKS update webhooks to a one-worker pool"
  start_site "$MEMORY_RUN" $((PORT_BASE + 2)) 1
  : >"$RESULTS/memory.tsv"
  sample_rss 0
  local done=0 next
  for next in $((WEBHOOKS / 10)) $((WEBHOOKS / 2)) "$WEBHOOKS"; do
    measure "memory-$next" memory "update, webhooks $((done + 1))–$next" 1 POST "$(webhook update)" "$JANE" updated 200 \
      $((next - done))
    sample_rss "$next"
    done=$next
  done
  WPF_RUN=$MEMORY_RUN scripts/wp-env.sh down >/dev/null
}

micro_benchmarks() {
  log "micro-benchmarks: cargo bench -p wpf-webhooks-core"
  local command='cargo bench -p wpf-webhooks-core --bench decide -- --warm-up-time 1 --measurement-time 3 --output-format bencher'
  printf '%s\n' "$command" >"$RESULTS/micro.command"
  $command 2>"$RESULTS/micro.stderr" | tee "$RESULTS/micro.txt" >&2 ||
    { cat "$RESULTS/micro.stderr" >&2; die "cargo bench failed"; }
}

machine_facts() {
  {
    printf 'cpu=%s\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    printf 'cores=%s\n' "$(nproc)"
    printf 'ram=%s\n' "$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    printf 'kernel=%s\n' "$(uname -sr)"
    printf 'os=%s\n' "$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)"
    printf 'php_fpm=%s\n' "$("$(command -v php-fpm8.2 || command -v php-fpm)" -v | head -n 1)"
    printf 'nginx=%s\n' "$(nginx -v 2>&1)"
    printf 'wrk=%s\n' "$(wrk -v 2>&1 | head -n 1)"
    printf 'rustc=%s\n' "$(rustc --version)"
    printf 'revision=%s%s\n' "$(git rev-parse --short HEAD)" "$(git diff --quiet HEAD -- . ':!BENCHMARKS.md' || echo ' (with uncommitted changes)')"
    printf 'date=%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'duration=%s\nwarmup=%s\nworkers=%s\nwebhooks=%s\ndb=%s\nconcurrency=%s\nprofiled=%s\nusers=%s\nsqlite_users=%s\n' \
      "$DURATION" "$WARMUP" "$WORKERS" "$WEBHOOKS" "$DB" "$CONCURRENCY" "$PROFILED" "$LARGE_USERS" "$SQLITE_USERS"
  } >"$RESULTS/machine.env"
}

main() {
  check_settings
  # Before anything of ours runs: the 1-minute figure then shows other work on the machine.
  local load_before
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  WPF_DB=$DB scripts/deps.sh
  command -v wrk >/dev/null || apt-get install -y wrk >/dev/null || die "cannot install wrk"
  rm -rf "$RESULTS" && mkdir -p "$RESULTS"
  : >"$RESULTS/index.tsv"
  local started=$SECONDS

  log "build (release)"
  cargo build --release --workspace
  machine_facts
  printf 'load_before=%s\n' "$load_before" >>"$RESULTS/machine.env"
  ((MICRO == 0)) || micro_benchmarks
  main_site_scenarios
  memory_scenario
  large_series mariadb "$LARGE_USERS"
  large_series sqlite "$SQLITE_USERS"
  printf 'load_after=%s\nelapsed=%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" $((SECONDS - started)) >>"$RESULTS/machine.env"

  log "report: $REPORT"
  php scripts/bench/report.php "$RESULTS" "$REPORT"
}

main "$@"
