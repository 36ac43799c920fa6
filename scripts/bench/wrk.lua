-- wrk script of scripts/bench.sh: one scenario's requests, each answer checked, the figures written as JSON.
--
-- Environment (read by every wrk thread):
--   BENCH_PATH    path and query string of every request
--   BENCH_METHOD  GET or POST [GET]
--   BENCH_KEY     the access key, sent in the X-WPF-Access-Key header (never in the URL, so never printed)
--   BENCH_BODY    request body; each "{n}" in it becomes "<run>-<thread>-<n>" (a new value per request)
--   BENCH_RUN     distinguishes the "{n}" values of one run from another's
--   BENCH_EXPECT  the answer's expected "code" (JSON); "" = only the status is checked
--   BENCH_STATUS  the expected HTTP status [200]
--   BENCH_LIMIT   stop each thread after this many answers and create the file BENCH_OUT.stopped (wrk itself
--                 runs on until its duration ends or it gets SIGINT); 0 = run for wrk's duration [0]
--   BENCH_OUT     file the figures are written to
--
-- An answer counts as bad when its status is not BENCH_STATUS, its code is not BENCH_EXPECT, or it came from the
-- rig's page cache (X-Cache-Status: HIT). wrk's own errors (connect, read, write, timeout) are reported apart.

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

local path, method, body, expect, status, limit, run
local n, answered = 0, 0
-- Globals: done() reads them from each thread with thread:get().
bad, first_bad = 0, ""

function init(args)
  path = os.getenv("BENCH_PATH") or "/"
  method = os.getenv("BENCH_METHOD") or "GET"
  body = os.getenv("BENCH_BODY") or ""
  expect = os.getenv("BENCH_EXPECT") or ""
  status = tonumber(os.getenv("BENCH_STATUS") or "200")
  limit = tonumber(os.getenv("BENCH_LIMIT") or "0")
  run = os.getenv("BENCH_RUN") or "0"
  wrk.headers["Content-Type"] = "application/json"
  local key = os.getenv("BENCH_KEY") or ""
  if key ~= "" then
    wrk.headers["X-WPF-Access-Key"] = key
  end
end

function request()
  n = n + 1
  local b = nil
  if method ~= "GET" then
    b = body:gsub("{n}", run .. "-" .. thread_id .. "-" .. n)
  end
  return wrk.format(method, path, nil, b)
end

function response(got, headers, text)
  answered = answered + 1
  local ok = got == status and headers["X-Cache-Status"] ~= "HIT"
  if ok and expect ~= "" then
    ok = string.find(text, '"code":"' .. expect .. '"', 1, true) ~= nil
  end
  if not ok then
    bad = bad + 1
    if first_bad == "" then
      first_bad = got .. " " .. string.sub(text, 1, 200)
    end
  end
  if limit > 0 and answered >= limit then
    wrk.thread:stop()
    assert(io.open(os.getenv("BENCH_OUT") .. ".stopped", "w")):close()
  end
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

function done(summary, latency, requests)
  local bad_total, first = 0, ""
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    if first == "" then
      first = thread:get("first_bad")
    end
  end
  local e = summary.errors
  local out = assert(io.open(os.getenv("BENCH_OUT"), "w"))
  out:write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
      '"bad_answers":%d,"first_bad":%s,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
      '"status_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, bad_total, json_string(first), e.connect, e.read, e.write, e.status, e.timeout))
  out:close()
end
