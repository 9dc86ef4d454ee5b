-- Shared by post_job.lua and batch.lua: stop after exactly BENCH_TOTAL accepted (202) requests
-- over all BENCH_THREADS threads. Each thread posts its share, sends again any POST that was not
-- accepted, then sends GET /health (answered 200) while its last answers arrive, and stops once
-- its whole share is accepted. wrk itself only exits at -d or SIGINT: bench.py watches the server
-- and interrupts wrk when all jobs are in.
--
-- wrk calls request() once on the main thread before the run, to check the script (wrk.c,
-- script_verify_request); that request is never sent, so calls outside the thread's own event
-- loop are not counted.
local ffi = require("ffi")
ffi.cdef [[ unsigned long pthread_self(void); ]]

function install_cap(path)
   local total = tonumber(os.getenv("BENCH_TOTAL") or "")
   if not total then return end
   local threads = {}
   function setup(thread)
      table.insert(threads, thread)
      thread:set("bench_index", #threads)
   end

   local post, idle, init_thread
   local quota, sent, accepted = 0, 0, 0
   function init(args)
      local n = tonumber(os.getenv("BENCH_THREADS") or "1")
      quota = math.floor(total / n)
      if bench_index <= total % n then quota = quota + 1 end
      post = wrk.format(wrk.method, path)
      idle = wrk.format("GET", "/health", {}, nil)
      init_thread = tonumber(ffi.C.pthread_self())
   end
   function request()
      if tonumber(ffi.C.pthread_self()) == init_thread then return post end -- only checked, not sent
      if sent < quota then
         sent = sent + 1
         return post
      end
      return idle
   end
   function response(status, headers, body)
      if status == 202 then
         accepted = accepted + 1
         if accepted >= quota then wrk.thread:stop() end
      elseif status ~= 200 then
         sent = sent - 1 -- not accepted: send it again
      end
   end
end
