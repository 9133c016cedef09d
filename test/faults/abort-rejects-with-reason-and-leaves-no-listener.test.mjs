/**
 * A task's signal is aborted before dispatch, while the task is queued, or
 * while it runs. Expected: AbortError (ERR_ABORTED) whose cause is the
 * signal's reason; a transferred buffer is not detached when the task is
 * rejected before dispatch; the pool leaves no listener on the signal.
 */
import { getEventListeners } from 'node:events';
import { expect, vi } from 'vitest';
import { AbortError, ErrorCodes, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, recordEvents, rejectionOf, settleTracker, thrownBy, waitForEvents } from '../helpers.mjs';

const OPTIONS = { size: 1, cancelGraceMs: 200 };

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

const listeners = (signal) => getEventListeners(signal, 'abort').length;

function expectAbortError(error, reason) {
  expect(error).toBeInstanceOf(AbortError);
  expect(error.code).toBe(ErrorCodes.ABORTED);
  expect(error.cause).toBe(reason);
}

poolTest('already aborted at submit: submit throws AbortError and the transfer buffer stays attached', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const reason = { why: 'caller gave up' };
  const controller = new AbortController();
  controller.abort(reason);
  const buffer = new ArrayBuffer(256);
  new Uint8Array(buffer).fill(5);

  const error = thrownBy(() => pool.submit({ op: 'echo', key: 0, buffer }, { signal: controller.signal, transfer: [buffer] }));
  expectAbortError(error, reason);
  expect(buffer.byteLength).toBe(256);
  expect(new Uint8Array(buffer)[255]).toBe(5);
  // run() turns the same admission error into a rejection.
  expectAbortError(await rejectionOf(pool.run({ op: 'echo', key: 0, buffer }, { signal: controller.signal, transfer: [buffer] })), reason);
  expect(buffer.byteLength).toBe(256);
  expect(listeners(controller.signal)).toBe(0);
  expect(counters.started(0)).toBe(0);
});

poolTest('aborted while queued: rejects at once, never runs, buffer stays attached, no listener left', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const blocker = tracker.track(pool.submit({ op: 'echo', gate: 0, key: 0, value: 'blocker' }));
  await counters.waitForStarted(0);

  const controller = new AbortController();
  const buffer = new ArrayBuffer(256);
  const victim = tracker.track(pool.submit({ op: 'echo', key: 1, buffer }, { signal: controller.signal, transfer: [buffer] }));
  expect(pool.getTask(victim.id).status).toBe('queued');
  const cancelled = waitForEvents(pool, PoolEvents.taskCancelled, 1);
  const reason = new Error('not needed any more');
  controller.abort(reason);

  expectAbortError(await rejectionOf(victim.result), reason);
  const [event] = await cancelled;
  expect(event.taskId).toBe(victim.id);
  expect(pool.getTask(victim.id).status).toBe('cancelled');
  expect(buffer.byteLength).toBe(256);
  expect(listeners(controller.signal)).toBe(0);

  // The blocker, then one more task, run on the single agent; the victim never did.
  counters.openGate(0);
  await blocker.result;
  tracker.track(pool.submit({ op: 'echo', key: 2, value: 'after' }));
  await tracker.allSettled();
  expect(counters.started(1)).toBe(0);
  expect(tracker.check()).toEqual([]);
});

poolTest('aborted while running: rejects with the reason, the agent\'s ctx.signal fires, the agent is kept', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const seen = recordEvents(pool, [PoolEvents.agentExited]);
  const controller = new AbortController();
  const handle = pool.submit({ op: 'waitForAbort', key: 0 }, { signal: controller.signal });
  await counters.waitForStarted(0);
  expect(pool.getTask(handle.id).status).toBe('running');
  const reason = new Error('stop now');
  controller.abort(reason);

  expectAbortError(await rejectionOf(handle.result), reason);
  expect(pool.getTask(handle.id).status).toBe('cancelled');
  await counters.waitForAbortSeen(0);
  expect(listeners(controller.signal)).toBe(0);
  const next = await pool.run({ op: 'echo', key: 1 });
  expect(next).toMatchObject({ agentId: 1, generation: 1 });
  seen.stop();
  expect(seen.events.agentExited).toHaveLength(0);
});

poolTest('aborted while running a handler that ignores the signal: the agent is replaced after cancelGraceMs', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const exited = waitForEvents(pool, PoolEvents.agentExited, 1);
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1);
  const controller = new AbortController();
  const handle = pool.submit({ op: 'spin', key: 0 }, { signal: controller.signal });
  await counters.waitForStarted(0);
  const reason = { code: 'E_CALLER' };
  controller.abort(reason);

  expectAbortError(await rejectionOf(handle.result), reason);
  const [exit] = await exited;
  expect(exit).toMatchObject({ agentId: 1, generation: 1, reason: 'cancelled' });
  await restarted;
  const next = await pool.run({ op: 'echo', key: 1 });
  expect(next).toMatchObject({ agentId: 1, generation: 2, attempt: 1 });
  expect(counters.started(0)).toBe(1);
  expect(pool.getTask(handle.id)).toMatchObject({ status: 'cancelled', attempts: 1 });
  expect(listeners(controller.signal)).toBe(0);
});

poolTest('a signal that is never aborted keeps no listener once its task settles, however it settles', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, size: 2, workerData: { counters: counters.sab } });
  const signals = [new AbortController().signal, new AbortController().signal];
  const ok = pool.run({ op: 'echo', key: 0 }, { signal: signals[0] });
  const failed = pool.run({ op: 'throw', code: 'E_X', key: 1 }, { signal: signals[1] });
  await ok;
  await rejectionOf(failed);
  expect(signals.map(listeners)).toEqual([0, 0]);
});
