-- wrk script: POST a realistic mix of webhook payloads, count 200s per payload kind.
-- usage: wrk ... -s bench/mix.lua URL -- PAYLOAD_DIR
local kinds = { "short", "table", "attachments", "long", "mention" }
-- a cycle of 20 requests: 8 short, 3 table, 4 attachments, 1 long (3 posts), 4 @channel
local cycle = { 1, 5, 3, 1, 2, 1, 3, 5, 1, 4, 1, 2, 3, 5, 1, 1, 3, 2, 5, 1 }
local bodies = {}
local threads = {}
local counter = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local dir = args[1]
  for i, kind in ipairs(kinds) do
    local f = assert(io.open(dir .. "/" .. kind .. ".json", "rb"))
    bodies[i] = f:read("*a")
    f:close()
  end
  ok = { 0, 0, 0, 0, 0 }
  errors = 0
  sent = {}
end

function request()
  counter = counter + 1
  local kind = cycle[(counter - 1) % #cycle + 1]
  table.insert(sent, kind)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, bodies[kind])
end

function response(status, headers, body)
  local kind = table.remove(sent, 1)
  if status == 200 then
    ok[kind] = ok[kind] + 1
  else
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local totals = { 0, 0, 0, 0, 0 }
  local errs = 0
  for _, thread in ipairs(threads) do
    local counts = thread:get("ok")
    for i = 1, 5 do totals[i] = totals[i] + counts[i] end
    errs = errs + thread:get("errors")
  end
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "ok": [%d, %d, %d, %d, %d], "errors": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "p999_us": %d}\n',
    summary.requests, summary.duration, totals[1], totals[2], totals[3], totals[4], totals[5], errs,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
