/**
 * Every finished task holds its slot until the coordinator drains it, so an
 * agent may publish only its share of the pool's completion budget before it
 * waits for the main thread. The budget is split between the agents that
 * exist: a pool with fewer agents than its maxSize gives each a larger share,
 * so agents keep working through a longer stall of the main thread.
 *
 * The test stalls the main thread on purpose (Atomics.wait; the pool never
 * does) and counts, from the agents' side, how many tasks they finish meanwhile.
 */
import { expect } from 'vitest';
import { poolTest } from '../fixtures/use-pool.mjs';
import { Words, createCounters } from '../helpers.mjs';

/** Blocks this thread until words[index] >= n; returns what it reached when the bound ran out first. */
function blockUntilAtLeast(words, index, n, boundMs) {
  const deadline = performance.now() + boundMs;
  for (;;) {
    const current = Atomics.load(words, index);
    if (current >= n) return current;
    const left = deadline - performance.now();
    if (left <= 0) return current;
    Atomics.wait(words, index, current, left);
  }
}

poolTest('two agents of a pool sized for sixteen each finish 256 tasks while the main thread is stalled, then stop until it drains', async ({ usePool }) => {
  const counters = createCounters(4);
  const pool = await usePool({ size: 2, queueCapacity: 1_000, workerData: { counters: counters.sab } });
  const tasks = Array.from({ length: 600 }, (_, i) => pool.run({ op: 'echo', value: i }));
  // The wake-up of sleeping agents is queued in a microtask after the submits.
  await Promise.resolve();
  const finished = blockUntilAtLeast(counters.words, Words.FINISHED_ANY, 512, 20_000);
  expect(finished, 'tasks finished by the agents while the main thread could not drain').toBe(512);
  // Nothing was lost by the wait: every task settles once the main thread drains again.
  expect((await Promise.all(tasks)).map((r) => r.value)).toEqual(Array.from({ length: 600 }, (_, i) => i));
});

poolTest('four agents of a pool at its maxSize share the budget, and two left after a shrink get the larger shares back', async ({ usePool }) => {
  const counters = createCounters(4);
  const pool = await usePool({ size: 4, maxSize: 4, queueCapacity: 2_000, workerData: { counters: counters.sab } });
  /** Stalls the main thread until the agents have finished `n` more tasks between them, then lets it drain. */
  const stallUntilFinished = async (n) => {
    const before = Atomics.load(counters.words, Words.FINISHED_ANY);
    const tasks = Array.from({ length: 1_000 }, (_, i) => pool.run({ op: 'echo', value: i }));
    await Promise.resolve();
    const finished = blockUntilAtLeast(counters.words, Words.FINISHED_ANY, before + n, 20_000) - before;
    expect((await Promise.all(tasks)).length).toBe(1_000);
    return finished;
  };
  // 128 each (the budget of 512 over four blocks): with 32 each they would stop at 128 in all.
  expect(await stallUntilFinished(512)).toBeGreaterThanOrEqual(512);
  await pool.resize(2);
  // 256 each once the retired agents' blocks are free again (170 each while three blocks were in use).
  expect(await stallUntilFinished(512)).toBeGreaterThanOrEqual(512);
});
