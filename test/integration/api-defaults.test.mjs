/**
 * Defaults of the public API: a pool built from nothing but `agent` has 4
 * agents (ids 1..4, generation 1), a queue capacity of 100, default priority 5
 * and maxAttempts 3.
 */
import { expect } from 'vitest';
import { DEFAULTS, ErrorCodes, PoolEvents, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { recordEvents, rejectionOf } from '../helpers.mjs';

poolTest('only `agent` given: 4 idle agents with ids 1..4, generation 1, after ready()', async ({ usePool }) => {
  const pool = await usePool();
  const agents = pool.listAgents().sort((a, b) => a.agentId - b.agentId);
  expect(agents.map((a) => a.agentId)).toEqual([1, 2, 3, 4]);
  for (const a of agents) {
    expect(a).toMatchObject({ generation: 1, status: 'idle', restarts: 0, tasksCompleted: 0, tasksFailed: 0, currentTaskId: undefined });
    expect(typeof a.threadId).toBe('number');
    expect(typeof a.contextId).toBe('string');
  }
  expect(new Set(agents.map((a) => a.threadId)).size).toBe(4);
  const m = pool.metrics();
  expect(m.agents).toEqual({ total: 4, idle: 4, busy: 0, starting: 0, restarting: 0, abandoned: 0 });
  expect(m.degraded).toBe(false);
});

poolTest('queue capacity defaults to 100, and the exported DEFAULTS agree with the contract', async ({ usePool }) => {
  const pool = usePool({}, { ready: false });
  expect(pool.metrics().queue).toEqual({ depth: 0, held: 0, capacity: 100 });
  expect(DEFAULTS).toMatchObject({ size: 4, maxSize: 16, queueCapacity: 100, maxAttempts: 3, priority: 5 });
  await pool.ready();
});

poolTest('a task submitted without options is a `general` task of priority 5', async ({ usePool }) => {
  const pool = await usePool();
  const handle = pool.submit({ op: 'echo', value: 'defaults' });
  expect(pool.getTask(handle.id)).toMatchObject({ id: handle.id, type: 'general', priority: 5 });
  const value = await handle.result;
  expect(value).toMatchObject({ value: 'defaults', type: 'general', attempt: 1 });
  expect(pool.getTask(handle.id)).toMatchObject({ type: 'general', priority: 5, status: 'completed' });
});

poolTest('maxAttempts defaults to 3: an always-retryable error is tried 3 times, on 3 different agents', async ({ usePool }) => {
  const pool = await usePool();
  const seen = recordEvents(pool, [PoolEvents.taskRetried]);
  const handle = pool.submit({ op: 'throw', retryable: true, code: 'E_ALWAYS_RETRYABLE' });
  const error = await rejectionOf(handle.result);
  seen.stop();

  expect(error).toBeInstanceOf(TaskFailedError);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  expect(error.cause.code).toBe('E_ALWAYS_RETRYABLE');
  expect(error.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
  expect(new Set(error.attempts.map((a) => a.agentId)).size).toBe(3);
  expect(seen.events.taskRetried).toHaveLength(2);
  expect(pool.getTask(handle.id)).toMatchObject({ status: 'failed', attempts: 3 });
  expect(pool.getTask(handle.id).failedAgentIds).toHaveLength(3);
  expect(pool.metrics().tasks).toMatchObject({ retried: 2, failed: 1, completed: 0 });
});
