/**
 * An agent calls `process.exit(n)` in the middle of 50 of 1,000 tasks, all
 * submitted with `idempotent: false`. Expected: the 50 fail (TaskFailedError
 * whose cause is AgentCrashedError with the exit code kept); none of them ran
 * twice; the other 950 complete.
 */
import { expect, vi } from 'vitest';
import { AgentCrashedError, ErrorCodes, PoolEvents, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, WAIT_MS, createCounters, settleTracker, totalRestarts, waitForAllIdle, waitForEvents } from '../helpers.mjs';

const TOTAL = 1_000;
const EVERY = 20;
const SIZE = 4;
const EXIT_CODE = 3;

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('idempotent:false tasks whose agent exits mid-task fail with AgentCrashedError and are never re-run', async ({ usePool }) => {
  const counters = createCounters(TOTAL);
  const pool = await usePool({ size: SIZE, queueCapacity: TOTAL, workerData: { counters: counters.sab } });
  const faulted = new Set();
  for (let key = 0; key < TOTAL; key++) if (key % EVERY === EVERY - 1) faulted.add(key);

  const tracker = settleTracker(pool, PoolEvents);
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, faulted.size, 2 * WAIT_MS);
  for (let key = 0; key < TOTAL; key++) {
    // faultOnAttempts: 1 would let a (wrong) re-run succeed: the started counter is what catches it.
    const payload = faulted.has(key) ? { op: 'exit', exitCode: EXIT_CODE, faultOnAttempts: 1, key, value: key } : { op: 'echo', key, value: key };
    tracker.track(pool.submit(payload, { idempotent: false }), { key });
  }
  await tracker.allSettled(2 * WAIT_MS);
  await restarted;
  await waitForAllIdle(pool, SIZE);

  expect(tracker.check()).toEqual([]);
  const wrong = [];
  for (const t of tracker.tasks.values()) {
    const key = t.meta.key;
    if (counters.started(key) !== 1) wrong.push({ key, started: counters.started(key) });
    if (!faulted.has(key)) {
      if (t.fulfilled !== 1 || t.value.value !== key || t.value.attempt !== 1) wrong.push({ key, value: t.value, error: t.error?.code });
      continue;
    }
    const e = t.error;
    const ok =
      t.rejected === 1 &&
      e instanceof TaskFailedError &&
      e.code === ErrorCodes.TASK_FAILED &&
      e.cause instanceof AgentCrashedError &&
      e.cause.code === ErrorCodes.AGENT_CRASHED &&
      e.cause.exitCode === EXIT_CODE &&
      typeof e.cause.agentId === 'number' &&
      e.attempts.length === 1 &&
      e.attempts[0].agentId === e.cause.agentId &&
      counters.finished(key) === 0 &&
      pool.getTask(t.id).status === 'failed' &&
      pool.getTask(t.id).attempts === 1;
    if (!ok) wrong.push({ key, code: e?.code, cause: e?.cause?.code, exitCode: e?.cause?.exitCode, attempts: e?.attempts?.length, snap: pool.getTask(t.id) });
  }
  expect(wrong).toEqual([]);
  expect(totalRestarts(pool)).toBe(faulted.size);
  expect(pool.metrics().tasks).toMatchObject({ completed: TOTAL - faulted.size, failed: faulted.size, retried: 0 });
}, 3 * TEST_TIMEOUT_MS);
