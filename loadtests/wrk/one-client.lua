-- wrk script: one client at a time (wrk -t1 -c1), OIP REST JSON, one text per request cycling through the bench's English
-- corpus (int8 MiniLM, standard); prints the p50 of the answers' compute_ms and executor_ms beside wrk's latency, so the
-- latency above the executor's compute can be read off (issue 19's one-client line). Usage (README, "One client at a
-- time"): wrk -t1 -c1 -d15s -s loadtests/wrk/one-client.lua http://127.0.0.1:9000
local texts = {}
for line in io.lines("loadtests/src/main/resources/corpora/en.txt") do
  if line ~= "" then texts[#texts + 1] = line:gsub('\\', '\\\\'):gsub('"', '\\"') end
end
local i = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) comp = {} ; exec = {} end
wrk.method = "POST"
wrk.path = "/v2/models/all-minilm-l6-v2/versions/int8/infer"
wrk.headers["content-type"] = "application/json"
function request()
  i = i + 1
  return wrk.format(nil, nil, nil, '{"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":["' .. texts[(i % #texts) + 1] .. '"]}]}')
end
function response(status, headers, body)
  local c = body:match('"compute_ms":([0-9.]+)')
  local e = body:match('"executor_ms":([0-9.]+)')
  if c then comp[#comp + 1] = tonumber(c) end
  if e then exec[#exec + 1] = tonumber(e) end
end
local function p50(t)
  t = t or {}
  table.sort(t)
  if #t == 0 then return "n/a" end
  return string.format("%.2f ms (n=%d)", t[math.floor(#t / 2) + 1], #t)
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do -- wrk copies a thread's tables into this state
    io.write("compute_ms p50 " .. p50(t:get("comp")) .. ", executor_ms p50 " .. p50(t:get("exec")) .. "\n")
  end
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms, %d requests\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests))
end
