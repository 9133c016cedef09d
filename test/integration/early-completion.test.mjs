/**
 * A new agent can finish work before the coordinator has handled its 'ready'
 * message. Its completion must still be collected: once the drain skipped
 * agents still marked as starting, consumed the wake-up, and left the task
 * pending for good (seen as a hang of the task-timeout fault tests under load).
 *
 * To make that order happen on purpose, this test blocks the main thread
 * (Atomics.wait; the pool itself never does) until the new agent has finished
 * one task and started the next, which it does only after publishing the first
 * one's completion. When the thread resumes, the 'ready' message and the
 * completion wake-up are both pending, in either order; several rounds cover both.
 */
import { expect } from 'vitest';
import { poolTest } from '../fixtures/use-pool.mjs';
import { Words, createCounters, withTimeout } from '../helpers.mjs';

poolTest('a task finished by an agent whose ready message is still in flight settles', async ({ usePool }) => {
  for (let round = 0; round < 6; round++) {
    const counters = createCounters(8);
    const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
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
  }
});
