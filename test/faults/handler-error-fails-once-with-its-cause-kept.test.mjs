/**
 * A task's handler throws (not retryable). Expected: TaskFailedError whose
 * cause keeps the agent error's name, message, stack, code and own
 * fields; one attempt; the agent is not restarted.
 */
import { describe, expect, vi } from 'vitest';
import { ErrorCodes, PoolEvents, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, recordEvents, rejectionOf } from '../helpers.mjs';

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

describe.each([['throw'], ['throwAsync']])('handler op %s', (op) => {
  poolTest('fails once with the agent error rebuilt as cause; no retry, no restart', async ({ usePool, counters }) => {
    const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
    const before = pool.listAgents();
    const seen = recordEvents(pool, [PoolEvents.agentExited, PoolEvents.agentError, PoolEvents.taskRetried, PoolEvents.taskFailed]);

    const fields = { detail: { n: 1, list: [1, 2] }, status: 503 };
    const handle = pool.submit({ op, key: 0, code: 'E_FIXTURE', message: 'fixture says no', fields });
    const error = await rejectionOf(handle.result);

    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.code).toBe(ErrorCodes.TASK_FAILED);
    const cause = error.cause;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe('FixtureError');
    expect(cause.message).toBe('fixture says no');
    expect(cause.code).toBe('E_FIXTURE');
    expect(cause.detail).toEqual(fields.detail);
    expect(cause.status).toBe(503);
    // The stack is the agent's own: it runs through the fixture module, not the coordinator.
    expect(cause.stack).toContain('fault-agent.mjs');
    expect(cause.stack).toContain('FixtureError');

    expect(error.attempts).toHaveLength(1);
    expect(error.attempts[0]).toMatchObject({ attempt: 1, generation: 1 });
    expect(error.attempts[0].error.code).toBe('E_FIXTURE');
    expect(pool.getTask(handle.id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(counters.started(0)).toBe(1);
    expect(counters.finished(0)).toBe(1);

    // The agent that ran it is alive and still takes work.
    const next = await pool.run({ op: 'echo', key: 1, value: 'after' });
    expect(next.value).toBe('after');
    seen.stop();
    expect(seen.events.taskRetried).toHaveLength(0);
    expect(seen.events.taskFailed).toHaveLength(1);
    expect(seen.events.agentExited).toHaveLength(0);
    expect(seen.events.agentError).toHaveLength(0);
    const after = pool.listAgents();
    expect(after.map((a) => [a.agentId, a.generation, a.restarts, a.threadId])).toEqual(before.map((a) => [a.agentId, 1, 0, a.threadId]));
    expect(after.reduce((n, a) => n + a.tasksFailed, 0)).toBe(1);
  });
});
