/**
 * A pool that cannot start its agents settles everything instead of waiting
 * for ever. Expected:
 * - tasks submitted before the pool went degraded reject with
 *   PoolDegradedError, and close() settles;
 * - a setup() that never resolves counts as a start failure after the new
 *   pool option `startTimeoutMs` (default 30 s): with 500 ms, ready() rejects
 *   PoolDegradedError, pending tasks reject, close() settles;
 * - an agent that calls process.exit(7) in setup() gives a degraded error
 *   whose cause chain carries that exit code (`exitCode: 7`).
 */
import { expect } from 'vitest';
import { ErrorCodes, PoolDegradedError, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { causeChain, rejectionOf, waitForEvents, withTimeout } from '../helpers.mjs';

const AGENT = new URL('./fixtures/settlement-agent.mjs', import.meta.url);
const BOUND_MS = 10_000;

poolTest('tasks submitted before the pool went degraded reject PoolDegradedError; close() settles', async ({ usePool }) => {
  const pool = usePool({ agent: AGENT, size: 2, workerData: { setup: 'throw' } }, { ready: false });
  const degraded = waitForEvents(pool, PoolEvents.degraded, 1, BOUND_MS);
  const early = [pool.run({ op: 'echo', value: 1 }), pool.run({ op: 'echo', value: 2 })];
  await degraded;
  for (const [i, task] of early.entries()) {
    const error = await withTimeout(rejectionOf(task), BOUND_MS, `task ${i + 1}, submitted before the pool went degraded`);
    expect(error).toBeInstanceOf(PoolDegradedError);
    expect(error.code).toBe(ErrorCodes.POOL_DEGRADED);
  }
  expect(pool.metrics().tasks.pending).toBe(0);
  await withTimeout(pool.close(), BOUND_MS, 'close() of a degraded pool');
});

poolTest('setup() that never resolves, startTimeoutMs 500: ready() and pending tasks reject PoolDegradedError, close() settles', async ({ usePool }) => {
  const pool = usePool({ agent: AGENT, size: 1, startTimeoutMs: 500, workerData: { setup: 'hang' } }, { ready: false });
  const task = pool.run({ op: 'echo' });
  const notReady = await withTimeout(rejectionOf(pool.ready()), BOUND_MS, 'ready() with a setup() that never resolves');
  expect(notReady).toBeInstanceOf(PoolDegradedError);
  expect(notReady.code).toBe(ErrorCodes.POOL_DEGRADED);
  const failed = await withTimeout(rejectionOf(task), BOUND_MS, 'the task submitted before ready()');
  expect(failed.code).toBe(ErrorCodes.POOL_DEGRADED);
  await withTimeout(pool.close(), BOUND_MS, 'close() of a pool whose agent never started');
});

poolTest('process.exit(7) in setup(): the degraded error carries exit code 7 in its cause chain', async ({ usePool }) => {
  const pool = usePool({ agent: AGENT, size: 1, workerData: { setup: 'exit7' } }, { ready: false });
  const notReady = await withTimeout(rejectionOf(pool.ready()), BOUND_MS, 'ready() with a setup() that exits');
  expect(notReady.code).toBe(ErrorCodes.POOL_DEGRADED);
  const chain = causeChain(notReady);
  expect(chain.map((e) => e.code)).toContain(ErrorCodes.AGENT_INIT);
  expect(chain.map((e) => e.exitCode)).toContain(7);
});
