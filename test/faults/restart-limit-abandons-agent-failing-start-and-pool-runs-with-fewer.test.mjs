/**
 * One agent's setup() always throws; restart: { maxRestarts: 2, windowMs: 60 s }.
 * Expected: that agent starts three times (two restarts), then is abandoned
 * (agentAbandoned with its start error); the pool runs on the other agent;
 * ready() does not wait for the abandoned one; resize() grows with a new id.
 */
import { expect, vi } from 'vitest';
import { ErrorCodes, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, Words, agentsById, causeChain, recordEvents, waitForEvents } from '../helpers.mjs';

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

const RESTART = { maxRestarts: 2, windowMs: 60_000 };

poolTest('an agent that never starts is abandoned after maxRestarts; the pool runs with the others', async ({ usePool, counters }) => {
  const pool = usePool({ size: 2, restart: RESTART, workerData: { counters: counters.sab, failInitOnAgents: [1] } }, { ready: false });
  const seen = recordEvents(pool, [PoolEvents.agentSpawned]);
  const abandoned = waitForEvents(pool, PoolEvents.agentAbandoned, 1);
  const otherReady = waitForEvents(pool, PoolEvents.agentReady, 1, undefined, (e) => e.agentId === 2);
  const [event] = await abandoned;
  await otherReady;
  await pool.ready();
  seen.stop();

  expect(event).toMatchObject({ agentId: 1, generation: RESTART.maxRestarts + 1, restarts: RESTART.maxRestarts, windowMs: RESTART.windowMs });
  expect(causeChain(event.error).map((e) => e.code)).toEqual(expect.arrayContaining([ErrorCodes.AGENT_INIT, 'E_FIXTURE_INIT']));
  // Never started again after it was abandoned: three spawns of agent 1, no more.
  expect(seen.events.agentSpawned.filter((e) => e.agentId === 1)).toHaveLength(RESTART.maxRestarts + 1);
  expect(Atomics.load(new Int32Array(counters.sab), Words.INIT_ATTEMPTS)).toBe(RESTART.maxRestarts + 2);

  const agents = agentsById(pool);
  expect(agents.get(1)).toMatchObject({ status: 'abandoned', threadId: -1, restarts: RESTART.maxRestarts });
  expect(agents.get(2).status).toBe('idle');
  expect(pool.metrics().agents).toMatchObject({ total: 2, abandoned: 1, idle: 1 });
  expect(pool.metrics().byAgent[1].status).toBe('abandoned');

  const values = await Promise.all([1, 2, 3].map((value) => pool.run({ op: 'echo', value })));
  expect(values.map((v) => v.agentId)).toEqual([2, 2, 2]);

  // Growing counts only agents that stay: one more, with a new id.
  await pool.resize(2);
  expect(pool.listAgents().map((a) => [a.agentId, a.status])).toEqual([[1, 'abandoned'], [2, 'idle'], [3, 'idle']]);
});
