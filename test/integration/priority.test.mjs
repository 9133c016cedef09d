/**
 * Priority order: higher priority first (1 = highest), FIFO within a
 * priority, and aging so a low priority is never starved.
 *
 * One agent, held busy on a gate while the queue fills, so the order in which
 * the queued tasks run is the scheduler's choice alone. The order is read from
 * the agent's own task counter (`seq`, kept in ctx.memory by tracking-agent),
 * not from timestamps.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'vitest';
import { poolTest } from '../fixtures/use-pool.mjs';

const TRACKING_AGENT = new URL('../fixtures/tracking-agent.mjs', import.meta.url);

/** A one-agent pool (through `usePool`) whose agent is held busy on gate 0 by `blocker`. */
async function startHeld(usePool, counters, agingIntervalMs) {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 1, agingIntervalMs, workerData: { counters: counters.sab } });
  const blocker = pool.submit({ op: 'echo', gate: 0, key: 0, value: 'blocker' });
  await counters.waitForStarted(0);
  return { pool, blocker };
}

/** Task names in the order the agent ran them. */
function executionOrder(values) {
  return [...values].sort((a, b) => a.seq - b.seq).map((v) => v.value);
}

poolTest('queued priorities 10, 1, 5, 1 run as 1, 1, 5, 10 (FIFO within a priority)', async ({ usePool, counters }) => {
  // Aging far beyond the test's length, so only the priorities decide.
  const { pool, blocker } = await startHeld(usePool, counters, 600_000);
  const handles = [
    pool.submit({ op: 'echo', value: 'p10' }, { priority: 10 }),
    pool.submit({ op: 'echo', value: 'p1-first' }, { priority: 1 }),
    pool.submit({ op: 'echo', value: 'p5' }, { priority: 5 }),
    pool.submit({ op: 'echo', value: 'p1-second' }, { priority: 1 }),
  ];
  expect(handles.map((h) => pool.getTask(h.id).status)).toEqual(['queued', 'queued', 'queued', 'queued']);
  expect(handles.map((h) => pool.getTask(h.id).priority)).toEqual([10, 1, 5, 1]);

  counters.openGate(0);
  const values = await Promise.all([blocker.result, ...handles.map((h) => h.result)]);
  expect(executionOrder(values)).toEqual(['blocker', 'p1-first', 'p1-second', 'p5', 'p10']);
});

poolTest('FIFO holds for many tasks of one priority, interleaved with other priorities', async ({ usePool, counters }) => {
  const { pool, blocker } = await startHeld(usePool, counters, 600_000);
  const handles = [];
  for (let i = 0; i < 8; i++) {
    handles.push(pool.submit({ op: 'echo', value: `p3-${i}` }, { priority: 3 }));
    handles.push(pool.submit({ op: 'echo', value: `p7-${i}` }, { priority: 7 }));
  }
  counters.openGate(0);
  const values = await Promise.all([blocker.result, ...handles.map((h) => h.result)]);
  expect(executionOrder(values)).toEqual([
    'blocker',
    ...Array.from({ length: 8 }, (_, i) => `p3-${i}`),
    ...Array.from({ length: 8 }, (_, i) => `p7-${i}`),
  ]);
});

poolTest('aging: a priority-10 task that waited long runs before newer priority-1 tasks', async ({ usePool, counters }) => {
  const agingIntervalMs = 20;
  const { pool, blocker } = await startHeld(usePool, counters, agingIntervalMs);
  const old = pool.submit({ op: 'echo', value: 'old-p10' }, { priority: 10 });
  // Aging is a function of time spent waiting, so here the test has to let time
  // pass: 20 aging steps, twice the 9 steps between priority 10 and 1. Only the
  // order is asserted, never a duration; a slower run only widens the gap.
  await delay(agingIntervalMs * 20);
  const fresh = [
    pool.submit({ op: 'echo', value: 'new-p1-a' }, { priority: 1 }),
    pool.submit({ op: 'echo', value: 'new-p1-b' }, { priority: 1 }),
  ];
  counters.openGate(0);
  const values = await Promise.all([blocker.result, old.result, ...fresh.map((h) => h.result)]);
  expect(executionOrder(values)).toEqual(['blocker', 'old-p10', 'new-p1-a', 'new-p1-b']);
});
