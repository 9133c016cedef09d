/**
 * A task's handler throws `retryable: true` twice, then succeeds. Expected:
 * it completes on attempt 3, on a third agent. A handler error is not an
 * agent failure: no agent is restarted.
 */
import { expect, vi } from 'vitest';
import { ErrorCodes, PoolEvents, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, recordEvents, rejectionOf, totalRestarts } from '../helpers.mjs';

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('retryable throws on attempts 1 and 2: completes on attempt 3, each attempt on a different agent', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 4, maxAttempts: 3, workerData: { counters: counters.sab } });
  const seen = recordEvents(pool, [PoolEvents.taskRetried, PoolEvents.agentExited]);
  const handle = pool.submit({ op: 'throw', retryable: true, code: 'E_TRANSIENT', faultOnAttempts: 2, key: 0, value: 'third time' });
  const value = await handle.result;
  seen.stop();

  expect(value).toMatchObject({ value: 'third time', attempt: 3 });
  const snap = pool.getTask(handle.id);
  expect(snap).toMatchObject({ status: 'completed', attempts: 3, agentId: value.agentId });
  expect(snap.failedAgentIds).toHaveLength(2);
  expect(new Set([...snap.failedAgentIds, value.agentId]).size).toBe(3);
  expect(counters.started(0)).toBe(3);
  expect(counters.finished(0)).toBe(3);
  expect(seen.events.taskRetried.map((e) => [e.attempt, e.fromAgentId, e.error.code])).toEqual([
    [expect.any(Number), snap.failedAgentIds[0], 'E_TRANSIENT'],
    [expect.any(Number), snap.failedAgentIds[1], 'E_TRANSIENT'],
  ]);
  expect(seen.events.agentExited).toHaveLength(0);
  expect(totalRestarts(pool)).toBe(0);
  expect(pool.metrics().tasks.retried).toBe(2);
});

poolTest('retryable throws on every attempt: fails after maxAttempts with every try listed', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 4, maxAttempts: 3, workerData: { counters: counters.sab } });
  const error = await rejectionOf(pool.run({ op: 'throw', retryable: true, code: 'E_TRANSIENT', key: 1 }));
  expect(error).toBeInstanceOf(TaskFailedError);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  expect(error.cause.code).toBe('E_TRANSIENT');
  expect(error.cause.retryable).toBe(true);
  expect(error.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
  expect(new Set(error.attempts.map((a) => a.agentId)).size).toBe(3);
  expect(counters.started(1)).toBe(3);
  expect(totalRestarts(pool)).toBe(0);
});
