/**
 * Lost wake-ups between agents and coordinator show up as a pool that stops
 * with work queued. Before the doorbell-ordering fix, one agent pushed through
 * a burst stalled in about 1 run in 6. Many short runs make such a race
 * near-certain to show; every task must still complete.
 */
import { expect } from 'vitest';
import { poolTest } from '../fixtures/use-pool.mjs';

for (const size of [1, 2]) {
  poolTest(`bursts through ${size} agent(s): no agent sleeps while work waits`, async ({ usePool }) => {
    for (let run = 0; run < 15; run++) {
      const pool = await usePool({ size, queueCapacity: 1_000 });
      const results = await Promise.all(Array.from({ length: 1_000 }, (_, i) => pool.run({ op: 'echo', value: i })));
      expect(results.length, `run ${run}`).toBe(1_000);
      const perAgent = pool.listAgents().map((a) => a.tasksCompleted);
      expect(perAgent.reduce((a, b) => a + b, 0), `run ${run}: completed per agent ${perAgent}`).toBe(1_000);
      await pool.destroy();
    }
  });
}
