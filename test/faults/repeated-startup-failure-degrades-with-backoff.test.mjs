/**
 * Agents fail during startup, repeatedly. Expected: backoff between restarts,
 * a `degraded` state instead of a spawn storm, and submits get a clear error
 * (PoolDegradedError, ERR_POOL_DEGRADED); the pool recovers when agents can
 * start again.
 */
import { expect, vi } from 'vitest';
import { ErrorCodes, PoolDegradedError, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, WAIT_MS, causeChain, rejectionOf, thrownBy, waitForEvents } from '../helpers.mjs';

// The documented restart backoff after the first (immediate) restart: 100 ms, 200 ms, 400 ms, ...
const BACKOFF_MS = [0, 100, 200, 400];
// A timer counts from the event loop's cached clock, which can lag performance.now() by the
// time already spent in the current loop turn, so it may seem to fire a little early. Without
// backoff a restart follows its exit within the same turn (about 0 ms), far below any of these.
const CLOCK_SLACK_MS = 30;

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('setup() failing in every agent: degraded, clear submit error, restarts back off', async ({ usePool, counters }) => {
  const pool = usePool({ size: 2, workerData: { counters: counters.sab, failOnInit: true } }, { ready: false });
  // agent 1's lifecycle: exit -> (delay) -> spawn, with this thread's clock.
  const timeline = [];
  const note = (kind) => (e) => {
    if (e.agentId === 1) timeline.push({ kind, generation: e.generation, at: performance.now() });
  };
  pool.on(PoolEvents.agentExited, note('exit'));
  pool.on(PoolEvents.agentSpawned, note('spawn'));
  const degraded = waitForEvents(pool, PoolEvents.degraded, 1);
  const fifthSpawn = waitForEvents(pool, PoolEvents.agentSpawned, 1, WAIT_MS, (e) => e.agentId === 1 && e.generation === 5);

  const notReady = await rejectionOf(pool.ready());
  expect(notReady).toBeInstanceOf(PoolDegradedError);
  expect(notReady.code).toBe(ErrorCodes.POOL_DEGRADED);
  const [event] = await degraded;
  expect(event.consecutiveStartFailures).toBeGreaterThanOrEqual(3);
  expect(causeChain(event.error).map((e) => e.code)).toContain('E_FIXTURE_INIT');
  expect(pool.metrics().degraded).toBe(true);

  const refused = thrownBy(() => pool.submit({ op: 'echo' }));
  expect(refused).toBeInstanceOf(PoolDegradedError);
  expect(refused.code).toBe(ErrorCodes.POOL_DEGRADED);
  expect(refused.consecutiveStartFailures).toBeGreaterThanOrEqual(3);
  // The error says why: the agent's own setup error is in its cause chain.
  expect(causeChain(refused).map((e) => e.code)).toContain('E_FIXTURE_INIT');
  expect(causeChain(refused).map((e) => e.code)).toContain('ERR_AGENT_INIT');
  expect((await rejectionOf(pool.run({ op: 'echo' }))).code).toBe(ErrorCodes.POOL_DEGRADED);

  await fifthSpawn;
  // Delay between each exit of agent 1 and its next spawn: never shorter than the backoff step.
  const delays = [];
  for (let i = 0; i + 1 < timeline.length; i++) {
    const [a, b] = [timeline[i], timeline[i + 1]];
    if (a.kind === 'exit' && b.kind === 'spawn') delays.push({ afterGeneration: a.generation, ms: b.at - a.at });
  }
  expect(delays.map((d) => d.afterGeneration)).toEqual([1, 2, 3, 4]);
  for (const [i, d] of delays.entries()) {
    expect(d.ms, `restart after generation ${d.afterGeneration}`).toBeGreaterThanOrEqual(BACKOFF_MS[i] - CLOCK_SLACK_MS);
  }
});

poolTest('a degraded pool recovers once agents can start again', async ({ usePool, counters }) => {
  counters.setFailInit(true);
  const pool = usePool({ size: 2, workerData: { counters: counters.sab } }, { ready: false });
  const recovered = waitForEvents(pool, PoolEvents.recovered, 1);
  await waitForEvents(pool, PoolEvents.degraded, 1);
  expect(thrownBy(() => pool.submit({ op: 'echo' })).code).toBe(ErrorCodes.POOL_DEGRADED);

  counters.setFailInit(false);
  await recovered;
  expect(pool.metrics().degraded).toBe(false);
  const value = await pool.run({ op: 'echo', key: 0, value: 'back' });
  expect(value.value).toBe('back');
  await pool.ready();
});
