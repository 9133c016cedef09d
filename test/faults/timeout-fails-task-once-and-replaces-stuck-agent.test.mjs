/**
 * A spinning task submitted with `timeoutMs`. Expected: TaskTimeoutError (the
 * error itself, status 'failed', not retried); the agent's ctx.signal is
 * aborted and, if the handler does not return within cancelGraceMs, the agent
 * is replaced; tasks queued behind it still run; the clock starts at
 * assignment, not at submission. How near the deadline it fires is a
 * benchmark figure, not asserted here.
 */
import { expect, vi } from 'vitest';
import { ErrorCodes, PoolEvents, TaskTimeoutError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, recordEvents, rejectionOf, settleTracker, waitForEvents } from '../helpers.mjs';

const TIMEOUT_MS = 300;
const OPTIONS = { size: 1, cancelGraceMs: 200 };

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('a spinning task times out, is not retried, its agent is replaced and the queued task behind it runs', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const seen = recordEvents(pool, [PoolEvents.agentExited, PoolEvents.taskRetried]);
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1);
  const spinning = tracker.track(pool.submit({ op: 'spin', key: 0 }, { timeoutMs: TIMEOUT_MS }));
  const behind = tracker.track(pool.submit({ op: 'echo', key: 1, value: 'behind' }));

  const error = await rejectionOf(spinning.result);
  expect(error).toBeInstanceOf(TaskTimeoutError);
  expect(error.code).toBe(ErrorCodes.TASK_TIMEOUT);
  expect(error.timeoutMs).toBe(TIMEOUT_MS);
  // Snapshot as the caller sees it when the promise rejects; checked at the end.
  const atRejection = pool.getTask(spinning.id);
  expect(atRejection.status).toBe('failed');

  const value = await behind.result;
  await restarted;
  await tracker.allSettled();
  seen.stop();
  expect(value).toMatchObject({ value: 'behind', attempt: 1, generation: 2 });
  expect(counters.started(0)).toBe(1); // not retried, even after its agent was replaced
  expect(counters.finished(0)).toBe(0);
  expect(seen.events.taskRetried).toHaveLength(0);
  expect(seen.events.agentExited).toHaveLength(1);
  expect(seen.events.agentExited[0]).toMatchObject({ agentId: 1, generation: 1, reason: 'timeout' });
  expect(pool.listAgents()[0]).toMatchObject({ generation: 2, restarts: 1 });
  expect(tracker.check()).toEqual([]);
  expect(pool.getTask(spinning.id)).toMatchObject({ status: 'failed', attempts: 1 });
  // The task had started once when it timed out: its snapshot must say so from the moment it rejects.
  expect(atRejection.attempts).toBe(1);
});

poolTest('the deadline clock starts at assignment: a task queued longer than its timeout still completes', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const timeoutMs = 600;
  // The single agent is busy for several timeouts with the first task (a sleep inside the agent),
  // and the queued task itself needs a little time: a clock started at submission would be
  // long past its deadline when it starts, and would fail it before it can finish.
  const first = pool.run({ op: 'sleep', ms: 4 * timeoutMs, key: 0, value: 'first' });
  const queued = pool.submit({ op: 'sleep', ms: 50, key: 1, value: 'queued' }, { timeoutMs });
  await counters.waitForStarted(0);
  expect(pool.getTask(queued.id).status).toBe('queued');
  expect((await first).value).toBe('first');
  const value = await queued.result;
  expect(value).toMatchObject({ value: 'queued', attempt: 1 });
  expect(pool.getTask(queued.id).status).toBe('completed');
});

poolTest('a handler that honours ctx.signal after the deadline keeps its agent; its late outcome is ignored', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, cancelGraceMs: 5_000, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const seen = recordEvents(pool, [PoolEvents.agentExited]);
  const handle = tracker.track(pool.submit({ op: 'waitForAbort', key: 0 }, { timeoutMs: TIMEOUT_MS }));
  const error = await rejectionOf(handle.result);
  expect(error).toBeInstanceOf(TaskTimeoutError);
  expect(error.code).toBe(ErrorCodes.TASK_TIMEOUT);
  // The agent saw ctx.signal abort and ended the handler (which threw the abort reason).
  await counters.waitForFinished(0);
  expect(counters.abortSeen(0)).toBe(1);
  // The same incarnation takes the next task: it was not replaced.
  const next = await pool.run({ op: 'echo', key: 1, value: 'next' });
  expect(next).toMatchObject({ agentId: 1, generation: 1 });
  seen.stop();
  expect(seen.events.agentExited).toHaveLength(0);
  expect(pool.getTask(handle.id)).toMatchObject({ status: 'failed', attempts: 1 });
  expect(pool.getTask(handle.id).error.code).toBe(ErrorCodes.TASK_TIMEOUT);
  expect(tracker.check()).toEqual([]);
});
