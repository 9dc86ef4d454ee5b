-- GET /jobs/{id}, keep-alive, rotating over the ids in BENCH_IDS (comma-separated).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local ids = {}
for id in (os.getenv("BENCH_IDS") or "1"):gmatch("[^,]+") do table.insert(ids, id) end
local requests = {}
local i = 0
function init(args)
   for _, id in ipairs(ids) do table.insert(requests, wrk.format("GET", "/jobs/" .. id, {}, nil)) end
end
function request()
   i = i % #requests + 1
   return requests[i]
end
