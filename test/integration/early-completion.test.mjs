/**
 * A new agent can finish work before the coordinator has handled its 'ready'
 * message. Its completion must still be collected: once the drain skipped
 * agents still marked as starting, consumed the wake-up, and left the task
 * pending for good (seen as a hang of FAULTS row 14 under load).
 *
 * To make that order happen on purpose, this test blocks the main thread
 * (Atomics.wait; the pool itself never does) until the new agent has finished
 * one task and started the next, which it does only after publishing the first
 * one's completion. When the thread resumes, the 'ready' message and the
 * completion wake-up are both pending, in either order; several rounds cover both.
 */
import { afterEach, expect, test } from 'vitest';
import { CoordinationPool } from '../../dist/src/index.js';
import { FAULT_AGENT, Words, createCounters, withTimeout } from '../helpers.mjs';

let pool;
afterEach(async () => {
  await pool?.destroy();
  pool = undefined;
});

test('a task finished by an agent whose ready message is still in flight settles', async () => {
  for (let round = 0; round < 6; round++) {
    const counters = createCounters(8);
    pool = new CoordinationPool({ agent: FAULT_AGENT, size: 1, workerData: { counters: counters.sab } });
    await pool.ready();
    // Agent 1 is kept busy, so the next tasks wait for the agent spawned below.
    const busy = pool.submit({ op: 'echo', gate: 0, key: 0, value: 'busy' });
    await counters.waitForStarted(0);
    const first = pool.submit({ op: 'echo', key: 1, value: 'first' });
    const second = pool.submit({ op: 'echo', gate: 1, key: 2, value: 'second' });
    const spawned = pool.spawnAgent();
    counters.blockUntil(2, Words.K_STARTED);
    // The second task is still gated: nothing else from the new agent can wake the drain.
    await expect(withTimeout(first.result, 10_000, `round ${round}: first task`)).resolves.toMatchObject({ value: 'first' });
    expect((await spawned).generation).toBe(1);
    counters.openGate(0);
    counters.openGate(1);
    await Promise.all([busy.result, second.result]);
    await pool.destroy();
    pool = undefined;
  }
});
