// The npm Faktory client, unmodified, against QueueLab: one scenario per run, driven by
// tests/tst_faktoryclient.cpp, which checks the jobs' outcome in QueueLab itself.
// Usage: FAKTORY_URL=tcp://[:password@]host:port node conformance.js <scenario> [args]
//   push-and-work N     push N jobs (half one by one, half with PUSHB), work them all, exit 0
//   flaky               push one job that fails its first attempt and succeeds on the retry
//   serve TYPE [MODE]   work jobs of TYPE until told to terminate; MODE: "hang" never finishes
//                       one, "hang-first" holds each jid's first attempt until after its lease
// It prints one JSON line per event: {"event":"started"|"done"|"quiet"|"terminate", ...}.
"use strict";

const { Client, Worker } = require("faktory-worker");

const [scenario, ...args] = process.argv.slice(2);
const say = (event, fields = {}) => console.log(JSON.stringify({ event, ...fields }));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function worker(registry, options = {}) {
  const w = new Worker({
    concurrency: 4,
    beatInterval: 1, // seconds: quiet and terminate arrive within one
    timeout: 2,
    labels: ["conformance"],
    registry,
    ...options,
  });
  w.on("error", (error) => say("error", { message: String(error && error.message) }));
  // The worker's own reactions to BEAT's answers, made visible to the test.
  const quiet = w.quiet.bind(w);
  w.quiet = () => {
    say("quiet");
    quiet();
  };
  const stop = w.stop.bind(w);
  w.stop = async () => {
    say("terminate");
    await stop();
    process.exit(0);
  };
  return w;
}

async function pushAndWork(count) {
  const client = new Client();
  const bulk = [];
  for (let i = 0; i < count; i += 1) {
    const job = { jobtype: "add", args: [i, 1], jid: `add-${i}-${process.pid}` };
    if (i % 2 === 0) await client.push(job);
    else bulk.push(job);
  }
  const rejected = await client.pushBulk(bulk);
  if (Object.keys(rejected).length) throw new Error(`PUSHB rejected ${JSON.stringify(rejected)}`);
  let done = 0;
  let sum = 0;
  await new Promise((resolve, reject) => {
    const w = worker({
      add: async (a, b) => {
        sum += a + b;
        done += 1;
        if (done === count) setImmediate(resolve);
      },
    });
    w.work().catch(reject);
  });
  const info = await client.info();
  say("done", { done, sum, queues: info.faktory.queues });
  await client.close();
  process.exit(0);
}

async function flaky() {
  const client = new Client();
  const jid = `flaky-${process.pid}`;
  await client.push({ jobtype: "flaky", args: [], jid, retry: 1 });
  let attempts = 0;
  await new Promise((resolve, reject) => {
    const w = worker({
      flaky: async () => {
        attempts += 1;
        if (attempts === 1) {
          const error = new Error("first attempt fails");
          error.code = "EFLAKY";
          throw error;
        }
        setImmediate(resolve);
      },
    });
    w.work().catch(reject);
  });
  say("done", { jid, attempts });
  await sleep(200); // the ACK of the last run goes out
  process.exit(0);
}

async function serve(type, mode) {
  const seen = new Set();
  const w = worker(
    {
      [type]: async (...jobArgs) => {
        say("started", { args: jobArgs });
        if (mode === "hang") await new Promise(() => {});
        const key = JSON.stringify(jobArgs);
        if (mode === "hang-first" && !seen.has(key)) {
          seen.add(key);
          await sleep(4000);
        }
        say("done", { args: jobArgs });
      },
    },
    { wid: process.env.FAKTORY_WID || undefined }
  );
  await w.work();
  say("working", { wid: w.wid });
}

const scenarios = {
  "push-and-work": () => pushAndWork(Number(args[0] || 10)),
  flaky,
  serve: () => serve(args[0], args[1]),
};

if (!scenarios[scenario]) {
  console.error(`unknown scenario "${scenario}"`);
  process.exit(2);
}
scenarios[scenario]().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
