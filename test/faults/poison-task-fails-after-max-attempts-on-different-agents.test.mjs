/**
 * A poison task crashes every agent it touches. Expected: it fails after
 * `maxAttempts`, each attempt on a different agent, `attempts` lists all
 * three; the crashed agents are replaced and later work runs.
 */
import { expect, vi } from 'vitest';
import { AgentCrashedError, ErrorCodes, PoolEvents, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, rejectionOf, settleTracker, totalRestarts, waitForAllIdle, waitForEvents } from '../helpers.mjs';

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('a task that kills every agent fails after 3 attempts on 3 different agents', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 4, maxAttempts: 3, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 3);

  const handle = tracker.track(pool.submit({ op: 'exit', exitCode: 9, key: 0 }));
  const error = await rejectionOf(handle.result);

  expect(error).toBeInstanceOf(TaskFailedError);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  expect(error.cause).toBeInstanceOf(AgentCrashedError);
  expect(error.cause.exitCode).toBe(9);
  expect(error.attempts).toHaveLength(3);
  expect(error.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
  expect(error.attempts.every((a) => a.error.code === ErrorCodes.AGENT_CRASHED && a.error.exitCode === 9)).toBe(true);
  const agentIds = error.attempts.map((a) => a.agentId);
  expect(new Set(agentIds).size).toBe(3);
  expect(error.cause.agentId).toBe(agentIds[2]);
  const snap = pool.getTask(handle.id);
  expect(snap).toMatchObject({ status: 'failed', attempts: 3 });
  expect(counters.started(0)).toBe(3);
  expect(counters.finished(0)).toBe(0);

  await restarted;
  await waitForAllIdle(pool, 4);
  expect(totalRestarts(pool)).toBe(3);
  // Later work is unaffected.
  for (let key = 1; key <= 8; key++) tracker.track(pool.submit({ op: 'echo', key, value: key }));
  await tracker.allSettled();
  expect(tracker.check()).toEqual([]);
  expect([...tracker.tasks.values()].filter((t) => t.fulfilled === 1).map((t) => t.value.value)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

  // The snapshot records the same path as `attempts`: all three agents failed this task.
  expect(snap.failedAgentIds).toEqual(agentIds);
});

poolTest('a retry waits for an agent that has not failed the task rather than reuse the replaced one', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 3, maxAttempts: 3, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  // Two agents are held busy on a gate; the poison task can only start on the third.
  tracker.track(pool.submit({ op: 'echo', gate: 0, key: 1 }));
  tracker.track(pool.submit({ op: 'echo', gate: 0, key: 2 }));
  await counters.waitForStarted(1);
  await counters.waitForStarted(2);
  const firstRestart = waitForEvents(pool, PoolEvents.agentRestarted, 1);
  const poison = tracker.track(pool.submit({ op: 'exit', exitCode: 9, key: 0 }));
  const [restart] = await firstRestart;
  // The replacement takes new work (it is the only free agent)...
  const probe = await pool.run({ op: 'echo', key: 3 });
  expect(probe).toMatchObject({ agentId: restart.agentId, generation: 2 });
  // ...but it failed this task: the retry must wait for one of the others.
  expect(counters.started(0)).toBe(1);
  expect(pool.getTask(poison.id).status).toBe('queued');

  counters.openGate(0);
  const error = await rejectionOf(poison.result);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  const agentIds = error.attempts.map((a) => a.agentId);
  expect(agentIds[0]).toBe(restart.agentId);
  expect(new Set(agentIds).size).toBe(3);
  await tracker.allSettled();
  expect(tracker.check()).toEqual([]);
});
