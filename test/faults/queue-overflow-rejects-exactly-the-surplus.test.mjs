/**
 * More tasks are submitted than the queue holds. Expected: exactly the surplus
 * is rejected with QueueFullError (code, status 429, depth, capacity,
 * retryAfterMs); memory stays flat after 10,000 rejections (the pool keeps
 * nothing of a rejected submit: its payloads are collectable and the heap
 * does not grow).
 */
import { expect, vi } from 'vitest';
import { ErrorCodes, PoolEvents, QueueFullError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, collectionWatcher, exposeGc, settleTracker, thrownBy } from '../helpers.mjs';

const CAPACITY = 10;
const SURPLUS = 7;
const REJECTIONS = 10_000;

const gc = exposeGc();

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

async function heapAfterGc() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

poolTest('exactly the surplus is rejected with QueueFullError; 10,000 rejections leave memory flat', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, queueCapacity: CAPACITY, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  // The one agent is busy (the running task is not waiting, so it does not count against the capacity).
  tracker.track(pool.submit({ op: 'echo', gate: 0, key: 0, value: 0 }));
  await counters.waitForStarted(0);

  const rejected = [];
  for (let i = 1; i <= CAPACITY + SURPLUS; i++) {
    try {
      tracker.track(pool.submit({ op: 'echo', key: i, value: i }));
    } catch (error) {
      rejected.push({ i, error });
    }
  }
  expect(rejected.map((r) => r.i)).toEqual(Array.from({ length: SURPLUS }, (_, k) => CAPACITY + 1 + k));
  for (const { error } of rejected) {
    expect(error).toBeInstanceOf(QueueFullError);
    expect(error.code).toBe(ErrorCodes.QUEUE_FULL);
    expect(error.status).toBe(429);
    expect(error.depth).toBe(CAPACITY);
    expect(error.capacity).toBe(CAPACITY);
    expect(Number.isFinite(error.retryAfterMs) && error.retryAfterMs > 0).toBe(true);
  }
  // A rejected submit does not detach the buffer it offered to transfer.
  const buffer = new ArrayBuffer(128);
  expect(thrownBy(() => pool.submit({ op: 'echo', buffer }, { transfer: [buffer] })).code).toBe(ErrorCodes.QUEUE_FULL);
  expect(buffer.byteLength).toBe(128);

  // 10,000 more rejections: nothing of them is kept.
  const heapBefore = await heapAfterGc();
  const payloads = collectionWatcher(gc);
  let codes = 0;
  for (let i = 0; i < REJECTIONS; i++) {
    const payload = { op: 'echo', value: `rejected-${i}`, pad: new Array(16).fill(i) };
    if (i % 100 === 0) payloads.watch(payload);
    try {
      pool.submit(payload);
    } catch (error) {
      if (error.code === ErrorCodes.QUEUE_FULL) codes++;
    }
  }
  expect(codes).toBe(REJECTIONS);
  expect(await payloads.collect()).toBe(0); // none of the sampled rejected payloads is still alive
  const heapGrowthBytes = (await heapAfterGc()) - heapBefore;
  // A kept rejection (error + stack + payload) costs well over 200 bytes; 10,000 of them would exceed this.
  expect(heapGrowthBytes).toBeLessThan(2 * 1024 * 1024);
  expect(pool.metrics().queue.depth).toBe(CAPACITY);
  expect(pool.metrics().tasks.rejected).toBe(SURPLUS + 1 + REJECTIONS);

  // The accepted tasks all run once the agent is free.
  counters.openGate(0);
  await tracker.allSettled();
  expect(tracker.check()).toEqual([]);
  expect([...tracker.tasks.values()].map((t) => t.value?.value)).toEqual(Array.from({ length: CAPACITY + 1 }, (_, i) => i));
});
