/**
 * resize(n) calls that overlap end at the last size asked. Today a shrink
 * retires agents that stay in the agent table until they exit, and a grow that
 * follows counts them as live: `resize(1)` then `await resize(4)` with busy
 * agents adds nothing and ends with 1 agent once the retiring ones exit; a loop
 * of unawaited resizes ends at the wrong size too.
 */
import { expect } from 'vitest';
import { poolTest } from '../fixtures/use-pool.mjs';
import { waitForAllIdle, withTimeout } from '../helpers.mjs';
import { createSignals } from './fixtures/signals.mjs';

const AGENT = new URL('./fixtures/settlement-agent.mjs', import.meta.url);
const BOUND_MS = 15_000;
const IDLE_MS = 10_000;

const shape = (pool) => pool.listAgents().map((a) => ({ agentId: a.agentId, status: a.status }));

poolTest('resize(1) then await resize(4) while all 4 agents are busy: 4 idle agents once the work is done', async ({ usePool }) => {
  const signals = createSignals(8);
  const pool = await usePool({ agent: AGENT, size: 4, workerData: { signals: signals.sab } });
  const busy = [0, 1, 2, 3].map((key) => pool.run({ op: 'gate', key, value: key }));
  for (const key of [0, 1, 2, 3]) await signals.waitStarted(key);

  const shrink = pool.resize(1);
  shrink.catch(() => {}); // superseded by the grow below: may settle either way
  await withTimeout(pool.resize(4), BOUND_MS, 'resize(4)');
  for (const key of [0, 1, 2, 3]) signals.openGate(key);
  expect((await withTimeout(Promise.all(busy), BOUND_MS, 'the busy tasks')).map((v) => v.value)).toEqual([0, 1, 2, 3]);
  await withTimeout(Promise.allSettled([shrink]), BOUND_MS, 'resize(1)');

  await waitForAllIdle(pool, 4, IDLE_MS).catch(() => {}); // the assertions below say what is wrong
  expect(shape(pool)).toHaveLength(4);
  expect(shape(pool).every((a) => a.status === 'idle'), JSON.stringify(shape(pool))).toBe(true);
  // Still 4 able to work: four gated tasks run at once.
  const again = [4, 5, 6, 7].map((key) => pool.run({ op: 'gate', key }));
  for (const key of [4, 5, 6, 7]) await signals.waitStarted(key, 1, BOUND_MS);
  for (const key of [4, 5, 6, 7]) signals.openGate(key);
  await withTimeout(Promise.all(again), BOUND_MS, 'four tasks at once');
});

poolTest('a loop of unawaited resizes (1, 3, 2, 5, 2, 3) ends at 3 agents', async ({ usePool }) => {
  const pool = await usePool({ agent: AGENT, size: 4 });
  const sizes = [1, 3, 2, 5, 2, 3];
  const calls = sizes.map((n) => pool.resize(n));
  await withTimeout(Promise.allSettled(calls), BOUND_MS, 'the resize calls');
  await waitForAllIdle(pool, 3, IDLE_MS).catch(() => {});
  expect(shape(pool)).toHaveLength(3);
  expect(shape(pool).every((a) => a.status === 'idle'), JSON.stringify(shape(pool))).toBe(true);
});
