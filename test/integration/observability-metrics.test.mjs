/**
 * pool.metrics() on a mixed workload: per-type figures keep the types apart,
 * per-agent figures add up to the totals, utilization and heap figures are
 * sane, and resetMetrics() starts a new window while the lifetime totals
 * carry on. Timing values get lower bounds only.
 */
import { expect } from 'vitest';
import { PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { rejectionOf, waitForEvents } from '../helpers.mjs';

const SLEEP_MS = 150;
const SLOW = 4; // research tasks, each sleeping SLEEP_MS
const FAST = 10; // ingest tasks, echo
const FAILING = 1; // an ingest task whose handler throws

async function mixedWorkload(pool) {
  const slow = Array.from({ length: SLOW }, (_, i) => pool.run({ op: 'sleep', ms: SLEEP_MS, value: i }, { type: 'research' }));
  const fast = Array.from({ length: FAST }, (_, i) => pool.run({ op: 'echo', value: i }, { type: 'ingest' }));
  const failing = Array.from({ length: FAILING }, () => rejectionOf(pool.run({ op: 'throw', code: 'E_OBS' }, { type: 'ingest' })));
  await Promise.all([...slow, ...fast, ...failing]);
}

const sum = (values) => values.reduce((a, b) => a + b, 0);

poolTest('byType keeps the slow and the fast type apart', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await mixedWorkload(pool);
  const m = pool.metrics();
  expect(Object.keys(m.byType).sort()).toEqual(['ingest', 'research']);
  const { research, ingest } = m.byType;
  expect(research.tasks).toEqual({ completed: SLOW, failed: 0, retried: 0 });
  expect(ingest.tasks).toEqual({ completed: FAST, failed: FAILING, retried: 0 });
  expect(research.runTimeMs.count).toBe(SLOW);
  expect(research.assignmentLatencyMs.count).toBe(SLOW);
  expect(research.endToEndMs.count).toBe(SLOW);
  expect(ingest.runTimeMs.count).toBe(FAST + FAILING);
  expect(ingest.assignmentLatencyMs.count).toBe(FAST + FAILING);
  expect(ingest.endToEndMs.count).toBe(FAST + FAILING);
  // Every research run slept SLEEP_MS (a timer may fire up to 1 ms early on the agent's clock).
  expect(research.runTimeMs.p50).toBeGreaterThanOrEqual(SLEEP_MS - 1);
  expect(research.runTimeMs.max).toBeGreaterThanOrEqual(SLEEP_MS - 1);
  // Submit to settled includes the run.
  expect(research.endToEndMs.p50).toBeGreaterThanOrEqual(research.runTimeMs.p50 - 1);
  expect(m.runTimeMs.count).toBe(SLOW + FAST + FAILING);
  expect(m.runTimeMs.max).toBeGreaterThanOrEqual(SLEEP_MS - 1);
});

poolTest('byAgent counts add up to the totals; utilization, event-loop utilization and heap are sane', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await mixedWorkload(pool);
  const m = pool.metrics();
  expect(m.tasks).toMatchObject({ submitted: SLOW + FAST + FAILING, completed: SLOW + FAST, failed: FAILING, cancelled: 0, retried: 0, pending: 0, running: 0 });
  const agents = Object.values(m.byAgent);
  expect(Object.keys(m.byAgent).sort()).toEqual(['1', '2']);
  expect(sum(agents.map((a) => a.tasks.completed))).toBe(m.tasks.completed);
  expect(sum(agents.map((a) => a.tasks.failed))).toBe(m.tasks.failed);
  expect(sum(agents.map((a) => a.tasks.retried))).toBe(0);
  expect(sum(agents.map((a) => a.runTimeMs.count))).toBe(m.runTimeMs.count);
  expect(sum(agents.map((a) => a.assignmentLatencyMs.count))).toBe(m.assignmentLatencyMs.count);
  expect(sum(agents.map((a) => a.endToEndMs.count))).toBe(m.endToEndMs.count);
  const listed = new Map(pool.listAgents().map((a) => [a.agentId, a]));
  for (const [id, a] of Object.entries(m.byAgent)) {
    expect(a.generation).toBe(listed.get(Number(id)).generation);
    expect(a.status).toBe('idle');
    expect(a.utilization).toBeGreaterThanOrEqual(0);
    expect(a.utilization).toBeLessThanOrEqual(1);
    expect(a.eventLoopUtilization).toBeGreaterThanOrEqual(0);
    expect(a.eventLoopUtilization).toBeLessThanOrEqual(1);
    expect(a.heapUsedBytes).toBeGreaterThan(0);
  }
  expect(m.utilization).toBeGreaterThanOrEqual(0);
  expect(m.utilization).toBeLessThanOrEqual(1);
  // Some agent slept through research tasks: busy time is not zero.
  expect(m.utilization).toBeGreaterThan(0);
});

poolTest('endToEndMs counts completed and failed tasks, not cancelled ones', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
  await mixedWorkload(pool);
  // One cancelled task: held behind a gated one, then aborted while queued.
  const gated = pool.submit({ op: 'echo', gate: 0, key: 0 });
  await counters.waitForStarted(0);
  const controller = new AbortController();
  const cancelled = pool.submit({ op: 'echo' }, { signal: controller.signal });
  controller.abort(new Error('not needed'));
  await rejectionOf(cancelled.result);
  counters.openGate(0);
  await gated.result;
  const m = pool.metrics();
  expect(m.tasks).toMatchObject({ completed: SLOW + FAST + 1, failed: FAILING, cancelled: 1 });
  expect(m.endToEndMs.count).toBe(m.tasks.completed + m.tasks.failed);
  expect(m.lifetime.endToEndMs.count).toBe(m.tasks.completed + m.tasks.failed);
});

poolTest('SLO verdict and window are consistent with the assignment-latency histogram', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await mixedWorkload(pool);
  const before = Date.now();
  const m = pool.metrics();
  expect(m.slo.targetMs).toBe(500);
  expect(m.slo.p99Ms).toBe(m.assignmentLatencyMs.p99);
  expect(m.slo.ok).toBe(m.slo.p99Ms <= m.slo.targetMs);
  expect(m.slo.window).toEqual(m.window);
  expect(m.window.startedAt).toBeLessThanOrEqual(before);
  expect(m.window.durationMs).toBeGreaterThan(0);
});

poolTest('resetMetrics() starts a new window: counts go to zero, lifetime keeps them, metricsReset is emitted', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await mixedWorkload(pool);
  const before = pool.metrics();
  const reset = waitForEvents(pool, PoolEvents.metricsReset, 1);
  pool.resetMetrics();
  const [event] = await reset;
  expect(event.previousWindow.startedAt).toBe(before.window.startedAt);
  expect(event.previousWindow.durationMs).toBeGreaterThanOrEqual(before.window.durationMs);

  const after = pool.metrics();
  expect(after.window.startedAt).toBeGreaterThan(before.window.startedAt);
  expect(after.slo.window.startedAt).toBe(after.window.startedAt);
  expect(after.tasks).toEqual({ submitted: 0, rejected: 0, pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, retried: 0 });
  for (const key of ['assignmentLatencyMs', 'runTimeMs', 'endToEndMs']) expect(after[key].count).toBe(0);
  expect(after.byType).toEqual({});
  for (const a of Object.values(after.byAgent)) {
    expect(a.tasks).toEqual({ completed: 0, failed: 0, retried: 0 });
    expect(a.runTimeMs.count).toBe(0);
  }
  expect(after.slo.p99Ms).toBe(0);
  // Lifetime: everything since the pool started, untouched by the reset.
  expect(after.lifetime.tasks).toEqual({ submitted: SLOW + FAST + FAILING, rejected: 0, completed: SLOW + FAST, failed: FAILING, cancelled: 0, retried: 0 });
  expect(after.lifetime.runTimeMs.count).toBe(SLOW + FAST + FAILING);
  expect(after.lifetime.assignmentLatencyMs.count).toBe(SLOW + FAST + FAILING);
  expect(after.lifetime.endToEndMs.count).toBe(SLOW + FAST + FAILING);

  // The new window counts what comes next, the lifetime adds it on.
  await pool.run({ op: 'echo' }, { type: 'ingest' });
  const next = pool.metrics();
  expect(next.tasks).toMatchObject({ submitted: 1, completed: 1 });
  expect(next.byType.ingest.tasks.completed).toBe(1);
  expect(Object.keys(next.byType)).toEqual(['ingest']);
  expect(next.lifetime.tasks.completed).toBe(SLOW + FAST + 1);
});
