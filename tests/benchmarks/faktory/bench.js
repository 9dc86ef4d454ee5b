// End-to-end no-op jobs per second with one Node worker process of the same shape on both sides:
// a registry of one async no-op handler, CONCURRENCY jobs at once.
//   node bench.js faktory JOBS CONCURRENCY   (FAKTORY_URL=tcp://host:port: QueueLab's listener)
//   node bench.js bullmq  JOBS CONCURRENCY   (REDIS_PORT=port)
//   node bench.js pushb   BATCHES            (PUSHB of 1,000 jobs, BATCHES times, one connection)
// Prints one JSON line with the figures.
"use strict";

const [mode, jobsArg, concurrencyArg] = process.argv.slice(2);
const jobs = Number(jobsArg || 20000);
const concurrency = Number(concurrencyArg || 20);
const batch = 1000;
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

async function faktory() {
  const { Client, Worker } = require("faktory-worker");
  const client = new Client();
  for (let i = 0; i < jobs; i += batch) {
    const chunk = [];
    for (let j = i; j < Math.min(jobs, i + batch); j += 1) chunk.push({ jobtype: "noop", args: [j] });
    await client.pushBulk(chunk);
  }
  await client.close();
  let done = 0;
  let started;
  await new Promise((resolve) => {
    const worker = new Worker({
      concurrency,
      registry: {
        noop: async () => {
          done += 1;
          if (done === jobs) resolve();
        },
      },
    });
    started = now();
    worker.work();
  });
  const ms = now() - started;
  console.log(JSON.stringify({ mode, jobs, concurrency, ms: Math.round(ms), jobsPerSec: Math.round((jobs * 1000) / ms) }));
  process.exit(0);
}

async function bullmq() {
  const { Queue, Worker } = require("bullmq");
  const connection = { host: "127.0.0.1", port: Number(process.env.REDIS_PORT) };
  const queue = new Queue("bench", { connection });
  await queue.obliterate({ force: true });
  for (let i = 0; i < jobs; i += batch) {
    const chunk = [];
    for (let j = i; j < Math.min(jobs, i + batch); j += 1)
      chunk.push({ name: "noop", data: { args: [j] }, opts: { removeOnComplete: true } });
    await queue.addBulk(chunk);
  }
  let done = 0;
  let started;
  let worker;
  await new Promise((resolve) => {
    worker = new Worker(
      "bench",
      async () => {
        done += 1;
        if (done === jobs) resolve();
      },
      { connection, concurrency, autorun: false }
    );
    started = now();
    worker.run();
  });
  const ms = now() - started;
  console.log(JSON.stringify({ mode, jobs, concurrency, ms: Math.round(ms), jobsPerSec: Math.round((jobs * 1000) / ms) }));
  await worker.close();
  await queue.close();
  process.exit(0);
}

async function pushb() {
  const { Client } = require("faktory-worker");
  const client = new Client({ poolSize: 1 });
  await client.info(); // the connection is open before the clock starts
  const batches = Number(jobsArg || 20);
  const rates = [];
  for (let b = 0; b < batches; b += 1) {
    const chunk = [];
    for (let j = 0; j < batch; j += 1) chunk.push({ jobtype: "noop", args: [j], queue: "pushb" });
    const started = now();
    await client.pushBulk(chunk);
    rates.push((batch * 1000) / (now() - started));
  }
  rates.sort((a, b) => a - b);
  console.log(JSON.stringify({ mode, batches, batch, medianJobsPerSec: Math.round(rates[Math.floor(rates.length / 2)]), bestJobsPerSec: Math.round(rates[rates.length - 1]) }));
  await client.close();
  process.exit(0);
}

({ faktory, bullmq, pushb })[mode]().catch((error) => {
  console.error(error);
  process.exit(1);
});
