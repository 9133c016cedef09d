/**
 * A handler runs a synchronous infinite loop. Expected: detected as a hang
 * (no heartbeat for hangTimeoutMs while busy), the agent is terminated and
 * replaced, the task fails over, or fails with AgentHungError when attempts
 * run out. Detection time is a benchmark figure, not asserted here.
 */
import { expect, vi } from 'vitest';
import { AgentHungError, ErrorCodes, PoolEvents, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, recordEvents, rejectionOf, waitForEvents } from '../helpers.mjs';

// Long enough that a healthy agent on a starved (shared, 2-core) machine is not declared hung.
const HANG_MS = 1_000;
const BEAT_MS = 100;
const OPTIONS = { size: 3, hangTimeoutMs: HANG_MS, heartbeatIntervalMs: BEAT_MS };

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('a spinning agent is declared hung, replaced, and its task completes on another agent', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const seen = recordEvents(pool, [PoolEvents.agentHung, PoolEvents.agentExited]);
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1);
  const handle = pool.submit({ op: 'spin', faultOnAttempts: 1, key: 0, value: 'unstuck' });
  // Meanwhile the other agents keep working.
  const other = await pool.run({ op: 'echo', key: 1, value: 'other' });
  expect(other.value).toBe('other');
  const value = await handle.result;
  const [restart] = await restarted;
  seen.stop();

  expect(value).toMatchObject({ value: 'unstuck', attempt: 2 });
  const snap = pool.getTask(handle.id);
  expect(snap).toMatchObject({ status: 'completed', attempts: 2 });
  const hungAgent = snap.failedAgentIds[0];
  expect(snap.failedAgentIds).toEqual([hungAgent]);
  expect(value.agentId).not.toBe(hungAgent);
  expect(seen.events.agentHung).toHaveLength(1);
  expect(seen.events.agentHung[0]).toMatchObject({ agentId: hungAgent, generation: 1, taskId: handle.id });
  // Never declared hung before the timeout (a lower bound a slow machine cannot break).
  expect(seen.events.agentHung[0].silentMs).toBeGreaterThanOrEqual(HANG_MS);
  expect(seen.events.agentExited).toHaveLength(1);
  expect(seen.events.agentExited[0]).toMatchObject({ agentId: hungAgent, reason: 'hung' });
  expect(restart).toMatchObject({ agentId: hungAgent, generation: 2 });
  expect(counters.started(0)).toBe(2);
});

poolTest('spinning on every attempt: fails with AgentHungError after maxAttempts', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, maxAttempts: 2, workerData: { counters: counters.sab } });
  const error = await rejectionOf(pool.run({ op: 'spin', key: 0 }));
  expect(error).toBeInstanceOf(TaskFailedError);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  expect(error.cause).toBeInstanceOf(AgentHungError);
  expect(error.cause.code).toBe(ErrorCodes.AGENT_HUNG);
  expect(error.attempts).toHaveLength(2);
  expect(error.attempts.map((a) => a.error.code)).toEqual([ErrorCodes.AGENT_HUNG, ErrorCodes.AGENT_HUNG]);
  expect(new Set(error.attempts.map((a) => a.agentId)).size).toBe(2);
  expect(counters.started(0)).toBe(2);
  // The pool still serves work after replacing both.
  expect((await pool.run({ op: 'echo', key: 1, value: 'ok' })).value).toBe('ok');
});
