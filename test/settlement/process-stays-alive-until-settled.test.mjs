/**
 * An accepted task keeps the process alive until it settles. A script that
 * does nothing but `pool.run(x).then(...)` must see the promise resolve or
 * reject; Node must not exit with the task still queued while the pool waits
 * to restart an agent (the restart timer was unref'd, nothing else is live).
 *
 * A pool whose agents cannot start at all (a wrong path, a setup() that throws,
 * a module without a default export) ends with ready() and its pending tasks
 * rejecting PoolDegradedError, caused by AgentInitError, caused by the
 * original failure. Each case runs in a child process (./fixtures/settle-before-exit-child.mjs).
 */
import { expect, test } from 'vitest';
import { ErrorCodes } from '../../dist/src/index.js';
import { describeRun, runNode } from './run-node.mjs';

const CHILD = new URL('./fixtures/settle-before-exit-child.mjs', import.meta.url);
const CHILD_TIMEOUT_MS = 20_000;

async function runMode(mode) {
  const run = await runNode(CHILD, [mode], CHILD_TIMEOUT_MS);
  const byWhat = Object.fromEntries(run.results.map((r) => [r.what, r]));
  return { run, byWhat };
}

test('size-1 pool, agent crashes on every try: run() rejects TaskFailedError before the process may exit', async () => {
  const { run, byWhat } = await runMode('crashEveryTry');
  expect(byWhat.exit, `the process exited with the task pending: ${describeRun(run)}`).toBeUndefined();
  expect(byWhat.run?.status, describeRun(run)).toBe('rejected');
  expect(byWhat.run.chain[0].code).toBe(ErrorCodes.TASK_FAILED);
  expect(byWhat.run.chain[1].code).toBe(ErrorCodes.AGENT_CRASHED);
  expect(run.code, describeRun(run)).toBe(0);
}, 30_000);

const cannotStart = {
  missingModule: (original) => expect(original.code).toBe('ERR_MODULE_NOT_FOUND'),
  setupThrows: (original) => expect(original.code).toBe('E_FIXTURE_SETUP'),
  noDefaultExport: (original) => expect(original.name).toBe('TypeError'),
};

for (const [mode, checkOriginal] of Object.entries(cannotStart)) {
  test(`${mode}: ready() and the pending task reject PoolDegradedError <- AgentInitError <- the original error`, async () => {
    const { run, byWhat } = await runMode(mode);
    expect(byWhat.exit, `the process exited with promises pending: ${describeRun(run)}`).toBeUndefined();
    for (const what of ['ready', 'run']) {
      const outcome = byWhat[what];
      expect(outcome?.status, `${what}: ${describeRun(run)}`).toBe('rejected');
      expect(outcome.chain.map((e) => e.code).slice(0, 2)).toEqual([ErrorCodes.POOL_DEGRADED, ErrorCodes.AGENT_INIT]);
      expect(outcome.chain[2], `${what} has the original error as the cause of AgentInitError`).toBeDefined();
      checkOriginal(outcome.chain[2]);
    }
    expect(run.code, describeRun(run)).toBe(0);
  }, 30_000);
}
