/**
 * An observer that throws while submit() reports a new task (a `taskQueued`
 * listener, or the logger writing the "task queued" line) must not leave a
 * half-accepted task behind. Today submit() throws the observer's uncoded
 * error after the task was counted: metrics() shows it pending for ever and
 * onIdle()/close() never settle. Expected: submit() either accepts (returns a
 * handle and the task settles normally) or throws a coded error with nothing
 * counted; either way onIdle() and close() settle.
 */
import { expect } from 'vitest';
import { PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { withTimeout } from '../helpers.mjs';

const AGENT = new URL('./fixtures/settlement-agent.mjs', import.meta.url);
const BOUND_MS = 10_000;

/** submit() once; then the task settles (if accepted) or nothing is pending (if refused); then onIdle() and close() settle. */
async function submitThroughThrowingObserver(pool) {
  await pool.ready();
  let handle;
  let refused;
  try {
    handle = pool.submit({ op: 'echo', value: 'observed' });
  } catch (error) {
    refused = error;
  }
  if (refused !== undefined) {
    expect(typeof refused.code, `submit threw an uncoded error: ${refused}`).toBe('string');
    expect(pool.metrics().tasks.pending, 'a refused task must not be counted').toBe(0);
  } else {
    const value = await withTimeout(handle.result, BOUND_MS, `task ${handle.id}`);
    expect(value.value).toBe('observed');
  }
  await withTimeout(pool.onIdle(), BOUND_MS, 'onIdle()');
  expect(pool.metrics().tasks.pending).toBe(0);
  await withTimeout(pool.close(), BOUND_MS, 'close()');
}

poolTest('a taskQueued listener that throws: submit accepts or refuses cleanly; onIdle() and close() settle', async ({ usePool }) => {
  const pool = usePool({ agent: AGENT, size: 1 }, { ready: false });
  pool.on(PoolEvents.taskQueued, () => {
    throw new Error('taskQueued listener broke');
  });
  await submitThroughThrowingObserver(pool);
});

poolTest('a logger whose methods throw (on the "task queued" line): submit accepts or refuses cleanly; onIdle() and close() settle', async ({ usePool }) => {
  // Only the taskQueued line throws, so this test is about submit() alone.
  const throwOnQueued = (fields) => {
    if (fields?.event === PoolEvents.taskQueued) throw new Error('logger broke');
  };
  const logger = { debug: throwOnQueued, info: throwOnQueued, warn: throwOnQueued, error: throwOnQueued };
  const pool = usePool({ agent: AGENT, size: 1, logger }, { ready: false });
  await submitThroughThrowingObserver(pool);
});
