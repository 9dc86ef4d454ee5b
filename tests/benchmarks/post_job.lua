-- POST /jobs with a small JSON body, keep-alive.
--
-- Unlimited (default): a static request, so wrk sends it as fast as the server answers.
-- Capped: with BENCH_TOTAL=N, exactly N jobs are accepted (202) over all threads (capped.lua).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

wrk.method = "POST"
wrk.path = "/jobs"
wrk.body = os.getenv("BENCH_BODY") or '{"type":"echo","payload":{"n":1}}'
wrk.headers["Content-Type"] = "application/json"

dofile(dir .. "capped.lua")
install_cap("/jobs")
