/**
 * pool.onSizeLessThan(n): resolves once fewer than n tasks wait for an agent.
 * Whether it is still pending is read from a flag after an awaited event that
 * made the pool re-check its queue (a settle, a completion), never after a sleep.
 */
import { expect } from 'vitest';
import { ErrorCodes, InvalidOptionError, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { WAIT_MS, rejectionOf, waitForEvents, withTimeout } from '../helpers.mjs';

/** Tracks whether `promise` has resolved, and the queue depth of `pool` when it did. */
function flagged(pool, promise) {
  const state = { resolved: false, depthAtResolve: undefined };
  state.done = promise.then(() => {
    state.resolved = true;
    state.depthAtResolve = pool.metrics().queue.depth;
  });
  return state;
}

poolTest('resolves at once when fewer than n tasks wait', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
  await withTimeout(pool.onSizeLessThan(1), WAIT_MS, 'onSizeLessThan(1) on an empty pool');
  await pool.run({ op: 'echo' });
  await withTimeout(pool.onSizeLessThan(1), WAIT_MS, 'onSizeLessThan(1) after a task');
});

poolTest('with a busy agent and 5 queued tasks, onSizeLessThan(3) waits until the queue drains below 3', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
  // The only agent is held on gate 0; the five behind it each hold on gate 1 once started.
  const holder = pool.submit({ op: 'echo', gate: 0, key: 0 });
  await counters.waitForStarted(0);
  const queued = [1, 2, 3, 4, 5].map((key) => pool.submit({ op: 'echo', gate: 1, key }));
  expect(pool.metrics().queue.depth).toBe(5);
  await withTimeout(pool.onSizeLessThan(6), WAIT_MS, 'onSizeLessThan(6) with 5 waiting');
  const below3 = flagged(pool, pool.onSizeLessThan(3));

  // A settle makes the pool re-check its queue: a cancelled extra task. Still 5 waiting.
  const controller = new AbortController();
  const extra = pool.submit({ op: 'echo' }, { signal: controller.signal });
  const cancelled = waitForEvents(pool, PoolEvents.taskCancelled, 1);
  controller.abort(new Error('not needed'));
  await cancelled;
  expect((await rejectionOf(extra.result)).code).toBe(ErrorCodes.ABORTED);
  expect(below3.resolved).toBe(false);

  // A completion re-checks too: the holder finishes, the agent takes the next task and holds on gate 1. 4 waiting.
  const holderDone = waitForEvents(pool, PoolEvents.taskCompleted, 1, WAIT_MS, (e) => e.taskId === holder.id);
  counters.openGate(0);
  await holderDone;
  await counters.waitForStarted(1);
  expect(pool.metrics().queue.depth).toBe(4);
  expect(below3.resolved).toBe(false);

  counters.openGate(1);
  await withTimeout(below3.done, WAIT_MS, 'onSizeLessThan(3) after the gates opened');
  expect(below3.resolved).toBe(true);
  expect(below3.depthAtResolve).toBeLessThan(3);
  await Promise.all(queued.map((h) => h.result));
});

poolTest('several waiters resolve, each at its own bound', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
  const holder = pool.submit({ op: 'echo', gate: 0, key: 0 });
  await counters.waitForStarted(0);
  const queued = [1, 2, 3, 4].map((key) => pool.submit({ op: 'echo', key }));
  const waiters = [1, 2, 4].map((n) => flagged(pool, pool.onSizeLessThan(n)));
  counters.openGate(0);
  await withTimeout(Promise.all(waiters.map((w) => w.done)), WAIT_MS, 'every waiter');
  expect(waiters.every((w) => w.resolved)).toBe(true);
  await Promise.all([holder, ...queued].map((h) => h.result));
});

poolTest('n that is not an integer of 1 or more rejects with InvalidOptionError', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
  for (const n of [0, -1, 1.5, '3', Number.NaN, undefined]) {
    const error = await rejectionOf(pool.onSizeLessThan(n));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(error.option).toBe('size');
  }
});
