/**
 * idleWait: 'block' puts idle agents to sleep in Atomics.wait (a faster
 * wake-up), so the agent's event loop only gets a turn every slice while it is
 * idle. What must still work: tasks, timers and I/O of an idle agent, control
 * messages (isolation probe, stop), hang detection and spin mode on top.
 */
import { expect } from 'vitest';
import { CoordinationPool, ErrorCodes } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { FAULT_AGENT, thrownBy } from '../helpers.mjs';

const OPTIONS = { size: 2, queueCapacity: 1_000, idleWait: 'block' };

poolTest('tasks run and settle with idle agents blocked in Atomics.wait', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, workerData: { counters: counters.sab } });
  const values = await Promise.all(Array.from({ length: 300 }, (_, i) => pool.run({ op: 'echo', value: i })));
  expect(values.map((v) => v.value)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  // One at a time: every task finds its agent asleep.
  for (let i = 0; i < 50; i++) expect((await pool.run({ op: 'echo', value: i })).value).toBe(i);
});

poolTest("an idle agent's timers still fire while it sleeps", async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, size: 1, workerData: { counters: counters.sab } });
  // The handler schedules a macrotask for after its reply; the agent is then idle and blocked.
  await pool.run({ op: 'echo', value: 1, key: 3, markAfterReply: true });
  await counters.waitForAfterReply(3, 1);
  expect(counters.afterReply(3)).toBe(1);
});

poolTest('control messages reach sleeping agents: isolation probe, then close', async ({ usePool, counters }) => {
  const pool = await usePool({ ...OPTIONS, size: 3, idleSpinUs: 50, workerData: { counters: counters.sab } });
  const report = await pool.isolationReport();
  expect(report.ok).toBe(true);
  expect(report.agents).toHaveLength(3);
  await pool.close();
  expect(pool.listAgents().every((a) => a.status === 'stopped')).toBe(true);
});

poolTest('idleWait accepts only async or block', () => {
  const error = thrownBy(() => new CoordinationPool({ agent: FAULT_AGENT, idleWait: 'spin' }));
  expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
  expect(error.option).toBe('idleWait');
});
