/**
 * One malformed message from an agent must not kill the coordinator. A `log`
 * message with an unknown level, a `result` with `error: null`, or junk bytes
 * published as a result in the agent's own slot are protocol violations:
 * expected, that agent is terminated (its task fails over and completes, or
 * fails with a coded error) and the coordinator keeps working (every other
 * task completes). Today each one throws inside the coordinator and the
 * process dies. Each case runs in a child process (./fixtures/protocol-violation-child.mjs).
 */
import { expect, test } from 'vitest';
import { describeRun, runNode } from './run-node.mjs';

const CHILD = new URL('./fixtures/protocol-violation-child.mjs', import.meta.url);

const violations = {
  badLogLevel: 'a log message with an unknown level',
  nullErrorResult: 'a result message with error: null',
  junkResultBytes: 'junk bytes published as the result in its own slot',
};

for (const [op, what] of Object.entries(violations)) {
  test(`${what}: the agent is terminated, its task settles, the coordinator keeps working`, async () => {
    const run = await runNode(CHILD, [op], 25_000);
    const r = run.result;
    expect(r, `the coordinator's process died: ${describeRun(run)}`).toBeDefined();
    expect(r.finished, JSON.stringify(r)).toBe('done');
    expect(r.others, 'the other tasks').toMatchObject({ completed: 20, failed: 0 });
    // The violating task failed over to the other agent and completed, or failed with a coded error.
    if (r.violator.status === 'fulfilled') {
      expect(r.violator.attempt).toBe(2);
      expect(r.violator.agentId).not.toBe(r.violatorAgentId);
    } else {
      expect(r.violator.status).toBe('rejected');
      expect(typeof r.violator.code).toBe('string');
    }
    // The agent that broke the protocol was terminated.
    expect(r.exits.map((e) => e.agentId)).toContain(r.violatorAgentId);
    expect(run.code, describeRun(run)).toBe(0);
  }, 30_000);
}
