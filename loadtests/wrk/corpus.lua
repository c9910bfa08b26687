-- wrk script: OIP REST JSON requests, one text each, cycling through the bench's English corpus (the texts the
-- in-process limit and bench e2e use), int8 MiniLM, standard class. Each wrk thread starts at another line.
-- Usage (README, "Saturation with wrk"): wrk -t2 -c64 -d20s -s loadtests/wrk/corpus.lua http://127.0.0.1:9000
local texts = {}
for line in io.lines("loadtests/src/main/resources/corpora/en.txt") do
  if line ~= "" then
    texts[#texts + 1] = line:gsub('\\', '\\\\'):gsub('"', '\\"')
  end
end
local counter = 0
local i = 0

function setup(thread)
  counter = counter + 1
  thread:set("start", counter * 7919)
end

function init(args)
  i = start or 0
end

wrk.method = "POST"
wrk.path = "/v2/models/all-minilm-l6-v2/versions/int8/infer"
wrk.headers["content-type"] = "application/json"

function request()
  i = i + 1
  local text = texts[(i % #texts) + 1]
  return wrk.format(nil, nil, nil, '{"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":["' .. text .. '"]}]}')
end

