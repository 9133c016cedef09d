/**
 * An agent that had work handed to it but had not started it crashes.
 * Expected: that work is re-queued without spending an attempt.
 *
 * How the window is made: the fixture's `armExitOnPayload` op arms its agent
 * to exit when its next payload message arrives. With `payloadIsolation:
 * 'private'` every payload travels by message to the agent the task is handed
 * to, so the agent holds the task and dies before the handler starts. `maxAttempts: 1`
 * makes a wrongly spent attempt visible: the task would fail instead of run.
 *
 * The second test makes the agent take the hand-off before its payload has
 * arrived: with `idleSpinUs` an idle agent polls its mailbox and claims the
 * slot at once, then waits for the message and dies when it comes. The dying
 * incarnation's mailbox is empty then, so it must not be mistaken for a free
 * agent when its task is placed again.
 */
import { expect, vi } from 'vitest';
import { PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, recordEvents, settleTracker, waitForEvents } from '../helpers.mjs';

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('a task claimed by an agent that dies before starting it is re-queued for free', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, maxAttempts: 1, payloadIsolation: 'private', workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const seen = recordEvents(pool, [PoolEvents.agentExited, PoolEvents.taskRetried]);

  const armed = await pool.run({ op: 'armExitOnPayload', key: 0 });
  expect(armed).toMatchObject({ agentId: 1, generation: 1 });

  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1);
  const big = 'x'.repeat(2_000);
  const handle = tracker.track(pool.submit({ op: 'echo', key: 1, value: big }));
  const value = await handle.result;
  await restarted;
  seen.stop();

  // The armed incarnation really died when the payload arrived, before the handler could start.
  expect(counters.armedExits()).toBe(1);
  expect(seen.events.agentExited).toHaveLength(1);
  expect(seen.events.agentExited[0]).toMatchObject({ agentId: 1, generation: 1 });
  // The task ran once, as its first attempt, on the replacement.
  expect(value.value).toBe(big);
  expect(value.attempt).toBe(1);
  expect(value.generation).toBe(2);
  expect(counters.started(1)).toBe(1);
  const snap = pool.getTask(handle.id);
  expect(snap.status).toBe('completed');
  expect(snap.attempts).toBe(1);
  expect(snap.failedAgentIds).toEqual([]);
  expect(seen.events.taskRetried).toHaveLength(0);
  expect(pool.metrics().tasks.retried).toBe(0);
  expect(pool.listAgents()[0]).toMatchObject({ agentId: 1, generation: 2, restarts: 1 });
  expect(tracker.check()).toEqual([]);
});

poolTest('a task claimed before its payload arrived is re-queued to the replacement, not to the agent that died', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, maxAttempts: 1, payloadIsolation: 'private', idleSpinUs: 1_000_000, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const seen = recordEvents(pool, [PoolEvents.agentExited, PoolEvents.taskRetried]);

  await pool.run({ op: 'armExitOnPayload', key: 0 });
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1);
  const handle = tracker.track(pool.submit({ op: 'echo', key: 1, value: 'after the crash' }));
  const value = await handle.result;
  await restarted;
  seen.stop();

  expect(counters.armedExits()).toBe(1);
  expect(seen.events.agentExited).toHaveLength(1);
  expect(value).toMatchObject({ value: 'after the crash', attempt: 1, generation: 2 });
  expect(pool.getTask(handle.id)).toMatchObject({ status: 'completed', attempts: 1, failedAgentIds: [] });
  expect(seen.events.taskRetried).toHaveLength(0);
  expect(tracker.check()).toEqual([]);
});
