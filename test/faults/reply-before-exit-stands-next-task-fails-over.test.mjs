/**
 * An agent exits right after replying. Expected: the reply stands; the next
 * task (already running on that agent) fails over.
 *
 * Task A waits on a gate so that B is surely queued behind it on the single
 * agent; A replies and schedules process.exit in a macrotask, by which time
 * the agent has claimed and started B.
 */
import { expect, vi } from 'vitest';
import { PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, recordEvents, settleTracker, waitForEvents } from '../helpers.mjs';

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('a reply sent just before the agent exits stands; the task started after it fails over', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const seen = recordEvents(pool, [PoolEvents.taskFailed, PoolEvents.taskRetried, PoolEvents.agentExited]);
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1);

  const a = tracker.track(pool.submit({ op: 'exitAfterReply', exitCode: 1, gate: 0, key: 0, value: 'A' }));
  // B sleeps (far beyond this test) on its first attempt only: it can finish only by failing over.
  const b = tracker.track(pool.submit({ op: 'sleep', ms: 60_000, faultOnAttempts: 1, key: 1, value: 'B' }));
  await counters.waitForStarted(0);
  counters.openGate(0);

  const aValue = await a.result;
  const bValue = await b.result;
  await restarted;
  seen.stop();

  expect(aValue).toMatchObject({ value: 'A', attempt: 1, generation: 1 });
  expect(counters.afterReply(0)).toBe(1); // the exit really ran after the reply
  expect(pool.getTask(a.id)).toMatchObject({ status: 'completed', attempts: 1 });
  expect(counters.started(0)).toBe(1);

  expect(bValue).toMatchObject({ value: 'B', attempt: 2, generation: 2 });
  expect(counters.started(1)).toBe(2);
  expect(pool.getTask(b.id)).toMatchObject({ status: 'completed', attempts: 2, failedAgentIds: [1] });

  expect(seen.events.agentExited).toHaveLength(1);
  expect(seen.events.agentExited[0]).toMatchObject({ agentId: 1, generation: 1, exitCode: 1 });
  expect(seen.events.taskFailed).toHaveLength(0);
  expect(seen.events.taskRetried.map((e) => e.taskId)).toEqual([b.id]);
  expect(tracker.check()).toEqual([]);
});
