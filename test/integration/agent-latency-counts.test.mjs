/**
 * Agents count their own tasks' assignment latency and run time in shared
 * memory; the coordinator takes the counts whenever metrics are read. Every
 * try must be in the histograms exactly once: counted by the agent, or by the
 * coordinator when the agent could not (it died mid-task, or a value or type
 * its table does not hold), with reads racing the agents' counting.
 */
import * as hdr from 'hdr-histogram-js';
import { expect } from 'vitest';
import { poolTest } from '../fixtures/use-pool.mjs';
import { createCounters } from '../helpers.mjs';

const decodedCount = (encoded) => hdr.decodeFromCompressedBase64(encoded).totalCount;

poolTest('every task is counted once in assignment latency and run time while metrics() is read during the run', async ({ usePool }) => {
  const pool = await usePool({ size: 2, queueCapacity: 1_000 });
  const tasks = 4_000;
  let next = 0;
  let reads = 0;
  await new Promise((resolve, reject) => {
    let done = 0;
    const submit = () => {
      const i = next++;
      pool.run({ op: 'echo', value: i }).then(() => {
        done++;
        // Reads race the agents' counting: each one takes what they counted so far.
        if (done % 25 === 0) {
          pool.metrics();
          reads++;
        }
        if (next < tasks) submit();
        else if (done === tasks) resolve();
      }, reject);
    };
    for (let j = 0; j < 200; j++) submit();
  });
  expect(reads).toBe(tasks / 25);
  const m = pool.metrics();
  expect(m.assignmentLatencyMs.count).toBe(tasks);
  expect(m.runTimeMs.count).toBe(tasks);
  const perAgent = Object.values(m.byAgent);
  expect(perAgent.reduce((n, a) => n + a.runTimeMs.count, 0)).toBe(tasks);
  expect(perAgent.reduce((n, a) => n + a.assignmentLatencyMs.count, 0)).toBe(tasks);
  const out = pool.exportHistograms();
  expect(decodedCount(out.assignmentLatency)).toBe(tasks);
  expect(decodedCount(out.runTime)).toBe(tasks);
  expect(m.lifetime.runTimeMs.count).toBe(tasks);
});

poolTest('a try whose agent died mid-task is counted by the coordinator, the retry by the agent that ran it', async ({ usePool }) => {
  const counters = createCounters(4);
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const result = await pool.run({ op: 'exit', faultOnAttempts: 1, key: 0, value: 'second try' }, { idempotent: true });
  expect(result).toMatchObject({ value: 'second try' });
  const m = pool.metrics();
  // Assignment latency is the first try's only; each of the two tries ran.
  expect(m.assignmentLatencyMs.count).toBe(1);
  expect(m.runTimeMs.count).toBe(2);
  expect(m.tasks.retried).toBe(1);
});

poolTest('the run-time maximum an agent counted is exact, not its bucket edge', async ({ usePool }) => {
  const pool = await usePool({ size: 1 });
  await pool.run({ op: 'sleep', ms: 30 });
  const m = pool.metrics();
  expect(m.runTimeMs.count).toBe(1);
  // The slowest list keeps the exact run time; the histogram's maximum must equal it.
  const [slowest] = pool.bottlenecks({ limit: 1 }).slowest;
  expect(m.runTimeMs.max).toBe(Math.round(slowest.runMs * 1_000) / 1_000);
  expect(m.runTimeMs.max).toBeGreaterThanOrEqual(30);
});
