/**
 * The same behaviour is expected from an agent that dies of an uncaught
 * error, whether a timer threw it or a promise rejection nobody handled:
 * during a task, the task fails over; after a task replied, the result stands,
 * the pool emits agentError and the agent is replaced. One definition, called
 * by the timer-throw and the unhandled-rejection test files with the fault
 * agent's op for each.
 */
import { expect, vi } from 'vitest';
import { PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, recordEvents, settleTracker, waitForAllIdle, waitForEvents } from '../helpers.mjs';

export function uncaughtAgentErrorTests(OP, code) {
  const SIZE = 3;

  vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

  poolTest('during a task: the agent dies, the task fails over and completes on another agent', async ({ usePool, counters }) => {
    const pool = await usePool({ size: SIZE, workerData: { counters: counters.sab } });
    const seen = recordEvents(pool, [PoolEvents.agentError, PoolEvents.agentExited]);
    const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1);
    const handle = pool.submit({ op: OP, when: 'during', code: code, faultOnAttempts: 1, key: 0, value: 'survived' });
    const value = await handle.result;
    const [restart] = await restarted;
    seen.stop();

    expect(value).toMatchObject({ value: 'survived', attempt: 2 });
    const snap = pool.getTask(handle.id);
    expect(snap).toMatchObject({ status: 'completed', attempts: 2 });
    expect(snap.failedAgentIds).toHaveLength(1);
    expect(value.agentId).not.toBe(snap.failedAgentIds[0]);
    expect(counters.started(0)).toBe(2);
    expect(seen.events.agentError).toHaveLength(1);
    expect(seen.events.agentError[0].agentId).toBe(snap.failedAgentIds[0]);
    expect(seen.events.agentError[0].error).toBeInstanceOf(Error);
    expect(seen.events.agentError[0].error.code).toBe(code);
    expect(seen.events.agentExited).toHaveLength(1);
    expect(restart).toMatchObject({ agentId: snap.failedAgentIds[0], generation: 2 });
  });

  poolTest('after the reply: the result stands, agentError is emitted, the agent is replaced, later work runs', async ({ usePool, counters }) => {
    const pool = await usePool({ size: SIZE, workerData: { counters: counters.sab } });
    const tracker = settleTracker(pool, PoolEvents);
    const seen = recordEvents(pool, [PoolEvents.agentError, PoolEvents.agentExited, PoolEvents.taskRetried, PoolEvents.taskFailed]);
    const errored = waitForEvents(pool, PoolEvents.agentError, 1);
    const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1);
    const handle = tracker.track(pool.submit({ op: OP, when: 'after', code: `${code}_AFTER`, key: 0, value: 'kept' }));
    const value = await handle.result;
    const [error] = await errored;
    const [restart] = await restarted;

    expect(value).toMatchObject({ value: 'kept', attempt: 1 });
    expect(counters.afterReply(0)).toBe(1);
    expect(error.agentId).toBe(value.agentId);
    expect(error.generation).toBe(value.generation);
    expect(error.error.code).toBe(`${code}_AFTER`);
    expect(restart).toMatchObject({ agentId: value.agentId, generation: value.generation + 1 });
    expect(pool.getTask(handle.id)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(counters.started(0)).toBe(1);

    await waitForAllIdle(pool, SIZE);
    for (let key = 1; key <= 6; key++) tracker.track(pool.submit({ op: 'echo', key, value: key }));
    await tracker.allSettled();
    seen.stop();
    expect(tracker.check()).toEqual([]);
    expect([...tracker.tasks.values()].every((t) => t.fulfilled === 1)).toBe(true);
    expect(seen.events.taskRetried).toHaveLength(0);
    expect(seen.events.taskFailed).toHaveLength(0);
    expect(seen.events.agentExited).toHaveLength(1);
    expect(pool.listAgents().find((a) => a.agentId === value.agentId)).toMatchObject({ generation: value.generation + 1, restarts: 1 });
  });
}
