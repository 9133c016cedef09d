/**
 * An agent runs out of memory under `resourceLimits`. Expected: the agent is
 * replaced (the worker error code ERR_WORKER_OUT_OF_MEMORY is asserted); the
 * task is retried on another agent, or fails with that code in its cause
 * chain when attempts run out; the next tasks are fine.
 */
import { expect, vi } from 'vitest';
import { AgentCrashedError, ErrorCodes, PoolEvents, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, causeChain, recordEvents, rejectionOf, settleTracker, waitForAllIdle, waitForEvents } from '../helpers.mjs';

const OOM = 'ERR_WORKER_OUT_OF_MEMORY';
const SIZE = 3;
const OPTIONS = { size: SIZE, resourceLimits: { maxOldGenerationSizeMb: 32 } };

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

async function nextTasksAreFine(pool, firstKey) {
  await waitForAllIdle(pool, SIZE);
  const tracker = settleTracker(pool, PoolEvents);
  for (let key = firstKey; key < firstKey + 6; key++) tracker.track(pool.submit({ op: 'echo', key, value: key }));
  await tracker.allSettled();
  tracker.stop();
  expect(tracker.check()).toEqual([]);
  expect([...tracker.tasks.values()].map((t) => t.value?.value)).toEqual([0, 1, 2, 3, 4, 5].map((i) => firstKey + i));
}

poolTest('OOM on the first attempt: the agent is replaced and the task completes on another agent', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const seen = recordEvents(pool, [PoolEvents.agentError, PoolEvents.agentExited]);
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1);
  const handle = pool.submit({ op: 'oom', faultOnAttempts: 1, key: 0, value: 'fits now' });
  const value = await handle.result;
  const [restart] = await restarted;
  seen.stop();

  expect(value).toMatchObject({ value: 'fits now', attempt: 2 });
  const snap = pool.getTask(handle.id);
  expect(snap).toMatchObject({ status: 'completed', attempts: 2 });
  expect(snap.failedAgentIds).toHaveLength(1);
  expect(value.agentId).not.toBe(snap.failedAgentIds[0]);
  expect(seen.events.agentError.map((e) => e.error.code)).toEqual([OOM]);
  expect(seen.events.agentError[0].agentId).toBe(snap.failedAgentIds[0]);
  expect(seen.events.agentExited).toHaveLength(1);
  expect(restart).toMatchObject({ agentId: snap.failedAgentIds[0], generation: 2 });
  expect(counters.started(0)).toBe(2);
  await nextTasksAreFine(pool, 1);
});

poolTest('OOM on every attempt: fails with AgentCrashedError whose cause is ERR_WORKER_OUT_OF_MEMORY', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, maxAttempts: 2, workerData: { counters: counters.sab } });
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 2);
  const error = await rejectionOf(pool.run({ op: 'oom', key: 0 }));

  expect(error).toBeInstanceOf(TaskFailedError);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  expect(error.cause).toBeInstanceOf(AgentCrashedError);
  expect(error.cause.code).toBe(ErrorCodes.AGENT_CRASHED);
  expect(error.cause.cause?.code).toBe(OOM);
  expect(error.attempts).toHaveLength(2);
  expect(new Set(error.attempts.map((a) => a.agentId)).size).toBe(2);
  for (const attempt of error.attempts) {
    expect(attempt.error.code).toBe(ErrorCodes.AGENT_CRASHED);
    expect(causeChain(attempt.error).map((e) => e.code)).toContain(OOM);
  }
  expect(counters.started(0)).toBe(2);
  await restarted;
  await nextTasksAreFine(pool, 1);
});

// A young generation much larger than Node's 16 MB out-of-memory grace can make
// V8 abort the whole process instead of ending the agent (see validateResourceLimits).
poolTest('an agent given only maxOldGenerationSizeMb runs with a 16 MB young generation', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const limits = await pool.submit({ op: 'limits' }).result;
  expect(limits).toMatchObject({ maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 16 });
});

poolTest('a young generation the caller sets is the one the agent runs with', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 40 }, workerData: { counters: counters.sab } });
  const limits = await pool.submit({ op: 'limits' }).result;
  expect(limits).toMatchObject({ maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 40 });
});
