-- POST /jobs/batch with BENCH_BATCH (default 1000) jobs per request, keep-alive.
-- Every BENCH_FAIL_EVERY-th job (0: none) is a `fail` job, the others `echo`.
-- With BENCH_TOTAL=N requests, stops after N accepted (202) requests, like post_job.lua.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local size = tonumber(os.getenv("BENCH_BATCH") or "1000")
local fail_every = tonumber(os.getenv("BENCH_FAIL_EVERY") or "0")
local jobs = {}
for i = 1, size do
   if fail_every > 0 and i % fail_every == 0 then
      jobs[i] = '{"type":"fail","payload":{"message":"bench ' .. i .. '"}}'
   else
      jobs[i] = '{"type":"echo","payload":{"n":' .. i .. '}}'
   end
end
wrk.method = "POST"
wrk.path = "/jobs/batch"
wrk.body = '{"jobs":[' .. table.concat(jobs, ",") .. ']}'
wrk.headers["Content-Type"] = "application/json"

dofile(dir .. "capped.lua")
install_cap("/jobs/batch")
