-- One wrk script for every HTTP scenario. run.py chooses the scenario with BENCH_SCENARIO and
-- names a tab-separated data file in BENCH_DATA: one line per (access token, item id, email).
-- The password of every seeded user is BENCH_PASSWORD. Requests are built once per thread in
-- init(), so the Lua side costs a table lookup per request, not string building.

local scenario = os.getenv("BENCH_SCENARIO")
local requests_pool = {}
local counter = 0

local function load_rows(path)
  local rows = {}
  for line in io.lines(path) do
    local token, item_id, email = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
    if token then
      rows[#rows + 1] = { token = token, item_id = item_id, email = email }
    end
  end
  return rows
end

local function bearer(row)
  return { ["Authorization"] = "Bearer " .. row.token }
end

local builders = {
  health = function(_)
    return wrk.format("GET", "/health/live")
  end,
  list = function(row)
    return wrk.format("GET", "/api/v1/items?limit=20", bearer(row))
  end,
  item = function(row)
    return wrk.format("GET", "/api/v1/items/" .. row.item_id, bearer(row))
  end,
  create = function(row)
    local headers = bearer(row)
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/v1/items", headers,
      '{"title": "bench-created", "description": "Written by the benchmark."}')
  end,
  login = function(row)
    local body = "grant_type=password&username=" .. row.email:gsub("@", "%%40")
      .. "&password=" .. os.getenv("BENCH_PASSWORD")
    return wrk.format("POST", "/api/v1/auth/login",
      { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
  end,
}

local threads_set_up = 0

function setup(thread)
  threads_set_up = threads_set_up + 1
  thread:set("bench_thread_id", threads_set_up) -- a global in that thread's Lua state
end

function init(args)
  local build = builders[scenario]
  if build == nil then
    error("unknown BENCH_SCENARIO: " .. tostring(scenario))
  end
  for _, row in ipairs(load_rows(os.getenv("BENCH_DATA"))) do
    requests_pool[#requests_pool + 1] = build(row)
  end
  -- Threads start at different places in the pool, so they do not ask for the same rows in step.
  counter = (bench_thread_id or 0) * 7919
end

function request()
  counter = counter + 1
  return requests_pool[(counter % #requests_pool) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %.0f, "p90_us": %.0f, '
      .. '"p99_us": %.0f, "max_us": %.0f, "errors": {"connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
