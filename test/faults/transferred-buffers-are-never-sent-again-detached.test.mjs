/**
 * A transfer list moves the caller's buffers when the task is handed to an
 * agent; after that the caller's ArrayBuffers are detached, and posting them
 * again would deliver zero-length buffers without an error (postMessage
 * accepts a detached buffer in a transfer list). Expected: a task that lost
 * its buffers never runs without them; it fails, saying why.
 *
 * - The agent it was handed to dies before starting it (the fixture's
 *   `armExitOnPayload` exits as the payload message arrives): the buffers
 *   died with that agent, so the task fails with the crash as its cause
 *   instead of being re-queued like a task whose payload can be sent again.
 * - The caller detaches a buffer itself after submit, while the task waits:
 *   the hand-off finds it detached and fails the task with ERR_DATA_CLONE.
 */
import { expect, vi } from 'vitest';
import { AgentCrashedError, DataCloneError, ErrorCodes, PoolEvents, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, rejectionOf, settleTracker, waitForEvents } from '../helpers.mjs';

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('buffers moved into an agent that died before starting the task: the task fails with the crash and never runs without them', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  await pool.run({ op: 'armExitOnPayload', key: 0 });
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1);

  const buffer = new Uint8Array(1_024).fill(9).buffer;
  const handle = tracker.track(pool.submit({ op: 'echo', key: 1, buffer }, { transfer: [buffer] }));
  const error = await rejectionOf(handle.result);
  await restarted;

  expect(counters.armedExits()).toBe(1);
  expect(error).toBeInstanceOf(TaskFailedError);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  expect(error.cause).toBeInstanceOf(AgentCrashedError);
  expect(counters.started(1)).toBe(0);
  expect(pool.getTask(handle.id)).toMatchObject({ status: 'failed', attempts: 0 });
  // The replacement takes new work.
  expect(await pool.run({ op: 'echo', key: 2, value: 'next' })).toMatchObject({ value: 'next', generation: 2 });
  expect(tracker.check()).toEqual([]);
});

poolTest('a transfer buffer the caller detaches while its task waits fails the task with ERR_DATA_CLONE at hand-off, never an empty buffer', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const blocker = tracker.track(pool.submit({ op: 'echo', gate: 0, key: 0, value: 'blocker' }));
  await counters.waitForStarted(0);

  const buffer = new ArrayBuffer(256);
  const handle = tracker.track(pool.submit({ op: 'echo', key: 1, buffer }, { transfer: [buffer] }));
  expect(pool.getTask(handle.id).status).toBe('queued');
  structuredClone(buffer, { transfer: [buffer] }); // moved elsewhere by the caller
  expect(buffer.byteLength).toBe(0);
  counters.openGate(0);
  await blocker.result;

  const error = await rejectionOf(handle.result);
  expect(error).toBeInstanceOf(TaskFailedError);
  expect(error.cause).toBeInstanceOf(DataCloneError);
  expect(error.cause.code).toBe(ErrorCodes.DATA_CLONE);
  expect(counters.started(1)).toBe(0);
  expect(await pool.run({ op: 'echo', key: 2, value: 'next' })).toMatchObject({ value: 'next' });
  expect(tracker.check()).toEqual([]);
});
