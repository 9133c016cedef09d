/**
 * An agent calls `process.exit(1)` in the middle of 50 of 1,000 tasks.
 * Expected: all 1,000 complete via failover; none is lost; each faulted task
 * ran exactly twice (the rest exactly once); 50 restarts; the pool is back to
 * full size.
 */
import { expect, vi } from 'vitest';
import { PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, WAIT_MS, createCounters, recordEvents, settleTracker, totalRestarts, waitForAllIdle, waitForEvents } from '../helpers.mjs';

const TOTAL = 1_000;
const EVERY = 20; // 50 of 1,000
const SIZE = 4;

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('exit(1) in 50 of 1,000 tasks: every task completes, faulted ones ran exactly twice, 50 restarts', async ({ usePool }) => {
  const counters = createCounters(TOTAL);
  const pool = await usePool({ size: SIZE, queueCapacity: TOTAL, workerData: { counters: counters.sab } });
  const faulted = new Set();
  for (let key = 0; key < TOTAL; key++) if (key % EVERY === EVERY - 1) faulted.add(key);
  expect(faulted.size).toBe(TOTAL / EVERY);

  const tracker = settleTracker(pool, PoolEvents);
  const seen = recordEvents(pool, [PoolEvents.agentExited, PoolEvents.taskRetried]);
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, faulted.size, 2 * WAIT_MS);
  for (let key = 0; key < TOTAL; key++) {
    const payload = faulted.has(key) ? { op: 'exit', exitCode: 1, faultOnAttempts: 1, key, value: key } : { op: 'echo', key, value: key };
    tracker.track(pool.submit(payload), { key });
  }
  await tracker.allSettled(2 * WAIT_MS);
  await restarted;
  await waitForAllIdle(pool, SIZE);
  seen.stop();

  expect(tracker.check()).toEqual([]);
  const lost = [];
  for (const t of tracker.tasks.values()) {
    const key = t.meta.key;
    if (t.fulfilled !== 1 || t.value?.value !== key) {
      lost.push({ key, error: t.error?.code, value: t.value });
      continue;
    }
    const snap = pool.getTask(t.id);
    const expectedRuns = faulted.has(key) ? 2 : 1;
    if (counters.started(key) !== expectedRuns || counters.finished(key) !== 1 || t.value.attempt !== expectedRuns || snap.attempts !== expectedRuns) {
      lost.push({ key, started: counters.started(key), finished: counters.finished(key), attempt: t.value.attempt, snap });
    }
    if (faulted.has(key) && snap.failedAgentIds.length !== 1) lost.push({ key, failedAgentIds: snap.failedAgentIds });
  }
  expect(lost).toEqual([]);

  expect(seen.events.agentExited).toHaveLength(faulted.size);
  expect(seen.events.agentExited.every((e) => e.exitCode === 1)).toBe(true);
  expect(seen.events.taskRetried).toHaveLength(faulted.size);
  expect(totalRestarts(pool)).toBe(faulted.size);
  const agents = pool.listAgents();
  expect(agents).toHaveLength(SIZE);
  expect(agents.map((a) => a.status)).toEqual(Array(SIZE).fill('idle'));
  expect(agents.reduce((n, a) => n + a.generation - 1, 0)).toBe(faulted.size);
  expect(pool.metrics().tasks.completed).toBe(TOTAL);
}, 3 * TEST_TIMEOUT_MS);
