-- POST /jobs at a fixed rate: BENCH_RATE requests per second over all threads (open loop, as
-- long as enough connections are free). wrk has no rate option, so each thread keeps a schedule
-- with a monotonic clock (LuaJIT ffi) and delay() holds each request until its slot.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
   ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

wrk.method = "POST"
wrk.path = "/jobs"
wrk.body = os.getenv("BENCH_BODY") or '{"type":"echo","payload":{"n":1}}'
wrk.headers["Content-Type"] = "application/json"

local interval -- ms between two requests of this thread
local slot
function init(args)
   local rate = tonumber(os.getenv("BENCH_RATE") or "10000")
   local n = tonumber(os.getenv("BENCH_THREADS") or "1")
   interval = 1000 * n / rate
end
function delay()
   local now = now_ms()
   if not slot or slot < now - 20 then slot = now end -- fell behind by > 20 ms: don't burst
   slot = slot + interval
   local wait = slot - now
   if wait < 1 then return 0 end
   return math.floor(wait)
end
