/**
 * A handler that throws something hostile (an object whose toString() throws
 * something just as hostile, or an Error whose `message` getter throws the
 * error) fails its task once, with TaskFailedError, like any other handler
 * error. Today the agent runtime throws again while describing what went wrong
 * (the DataCloneError fallback describes its cause the same way), dies of the
 * unhandled rejection, and the task runs 3 times and fails with
 * AgentCrashedError as its cause.
 */
import { expect } from 'vitest';
import { ErrorCodes, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { rejectionOf, withTimeout } from '../helpers.mjs';
import { createSignals } from './fixtures/signals.mjs';

const AGENT = new URL('./fixtures/settlement-agent.mjs', import.meta.url);

const hostile = {
  toString: 'a thrown object whose toString() throws the object itself',
  nestedToString: 'a thrown object whose toString() throws another object whose toString() throws',
  message: 'an Error whose message getter throws the error itself',
};

for (const [kind, what] of Object.entries(hostile)) {
  poolTest(`${what}: one TaskFailedError, the handler ran exactly once`, async ({ usePool }) => {
    const signals = createSignals(2);
    const pool = await usePool({ agent: AGENT, size: 2, maxAttempts: 3, workerData: { signals: signals.sab } });
    const error = await withTimeout(rejectionOf(pool.run({ op: 'throwHostile', kind, key: 0 })), 15_000, 'the hostile task');
    expect({ code: error.code, runs: signals.started(0) }).toEqual({ code: ErrorCodes.TASK_FAILED, runs: 1 });
    expect(error.cause?.code).not.toBe(ErrorCodes.AGENT_CRASHED);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.attempts).toHaveLength(1);
    // The pool is unharmed: no agent died, the next task completes.
    expect(pool.listAgents().every((a) => a.restarts === 0)).toBe(true);
    expect((await withTimeout(pool.run({ op: 'echo', value: 'next' }), 10_000, 'the next task')).value).toBe('next');
  });
}
