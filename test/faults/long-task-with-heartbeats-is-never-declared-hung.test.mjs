/**
 * A legitimately long synchronous task that calls `ctx.heartbeat()`.
 * Expected: never killed. The control test runs the same spin without
 * heartbeats under the same options and must be killed: that is what makes
 * the first test able to fail.
 */
import { expect, vi } from 'vitest';
import { PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, recordEvents, waitForEvents } from '../helpers.mjs';

// Long enough that a healthy agent on a starved (shared, 2-core) machine is not declared hung.
const HANG_MS = 1_000;
const BEAT_MS = 100;
const SPIN_MS = 3 * HANG_MS;
const OPTIONS = { size: 2, hangTimeoutMs: HANG_MS, heartbeatIntervalMs: BEAT_MS };

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('a long synchronous task that calls ctx.heartbeat() is never declared hung', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const seen = recordEvents(pool, [PoolEvents.agentHung, PoolEvents.agentExited, PoolEvents.taskRetried]);
  const value = await pool.run({ op: 'heartbeatSpin', ms: SPIN_MS, beatEveryMs: 20, key: 0, value: 'alive' });
  seen.stop();
  expect(value).toMatchObject({ value: 'alive', attempt: 1, generation: 1 });
  expect(counters.started(0)).toBe(1);
  expect(counters.finished(0)).toBe(1);
  expect(seen.events.agentHung).toHaveLength(0);
  expect(seen.events.agentExited).toHaveLength(0);
  expect(seen.events.taskRetried).toHaveLength(0);
  expect(pool.listAgents().map((a) => [a.generation, a.restarts])).toEqual([
    [1, 0],
    [1, 0],
  ]);
});

poolTest('control: the same spin without heartbeats is declared hung under the same options', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const hung = waitForEvents(pool, PoolEvents.agentHung, 1);
  const value = await pool.run({ op: 'spin', ms: SPIN_MS, faultOnAttempts: 1, key: 0, value: 'retried' });
  await hung;
  expect(value).toMatchObject({ value: 'retried', attempt: 2 });
  expect(counters.started(0)).toBe(2);
  expect(counters.finished(0)).toBe(1);
});
