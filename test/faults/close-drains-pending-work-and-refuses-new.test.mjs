/**
 * `close()` is called with work pending. Expected: everything queued and
 * running finishes before close() resolves; submits during close reject with
 * PoolClosedError.
 */
import { expect, vi } from 'vitest';
import { ErrorCodes, PoolClosedError, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, activeResources, rejectionOf, resourcesLeftOver, settleTracker, thrownBy } from '../helpers.mjs';

const TASKS = 12;

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('close() drains queued and running work, refuses new work, then stops', async ({ usePool, counters }) => {
  const baseline = activeResources();
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  // Both agents are held on a gate, so everything else is still queued when close() is called.
  tracker.track(pool.submit({ op: 'echo', gate: 0, key: 0, value: 0 }));
  tracker.track(pool.submit({ op: 'echo', gate: 0, key: 1, value: 1 }));
  for (let key = 2; key < TASKS; key++) tracker.track(pool.submit({ op: 'sleep', ms: 5, key, value: key }));
  await counters.waitForStarted(0);
  await counters.waitForStarted(1);
  expect(pool.metrics().queue.depth).toBe(TASKS - 2);

  let settledWhenClosed = -1;
  const closing = pool.close().then(() => {
    settledWhenClosed = tracker.settled;
  });
  const refused = thrownBy(() => pool.submit({ op: 'echo', key: TASKS }));
  expect(refused).toBeInstanceOf(PoolClosedError);
  expect(refused.code).toBe(ErrorCodes.POOL_CLOSED);
  expect((await rejectionOf(pool.run({ op: 'echo', key: TASKS + 1 }))).code).toBe(ErrorCodes.POOL_CLOSED);

  counters.openGate(0);
  await closing;
  expect(settledWhenClosed).toBe(TASKS);
  expect(tracker.check()).toEqual([]);
  expect([...tracker.tasks.values()].map((t) => t.value?.value)).toEqual(Array.from({ length: TASKS }, (_, i) => i));
  expect(counters.started(TASKS)).toBe(0);
  expect(counters.started(TASKS + 1)).toBe(0);
  expect(pool.listAgents().every((a) => a.status === 'stopped')).toBe(true);
  expect(await resourcesLeftOver(baseline)).toEqual({});
});
