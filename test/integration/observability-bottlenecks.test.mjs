/**
 * pool.bottlenecks({ limit }): the slowest runs of the window, slowest first,
 * at most 100 kept, each entry consistent with getTask(); per-type run-time
 * percentiles; cleared by resetMetrics().
 */
import { expect } from 'vitest';
import { ErrorCodes, InvalidOptionError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { thrownBy } from '../helpers.mjs';

const KEPT = 100;

function expectSlowestFirst(slowest) {
  for (let i = 1; i < slowest.length; i++) expect(slowest[i - 1].runMs).toBeGreaterThanOrEqual(slowest[i].runMs);
}

poolTest('every entry carries the documented fields, consistent with getTask()', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, queueCapacity: 200, workerData: { counters: counters.sab } });
  const handles = [
    ...[10, 30, 20].map((ms) => pool.submit({ op: 'sleep', ms }, { type: 'research', traceId: `trace-sleep-${ms}` })),
    ...[1, 2].map((i) => pool.submit({ op: 'echo', value: i }, { type: 'ingest' })),
  ];
  await Promise.all(handles.map((h) => h.result));
  const { slowest } = pool.bottlenecks();
  expect(slowest).toHaveLength(handles.length);
  expect(slowest.map((e) => e.taskId).sort((a, b) => a - b)).toEqual(handles.map((h) => h.id));
  for (const e of slowest) {
    expect(Object.keys(e).sort()).toEqual(['agentId', 'attempt', 'finishedAt', 'runMs', 'startedAt', 'taskId', 'traceId', 'type', 'waitMs']);
    const task = pool.getTask(e.taskId);
    const handle = handles.find((h) => h.id === e.taskId);
    expect(e.traceId).toBe(handle.traceId);
    expect(e.traceId).toBe(task.traceId);
    expect(e.type).toBe(task.type);
    expect(e.agentId).toBe(task.agentId);
    expect(e.attempt).toBe(task.attempts);
    expect(e.waitMs).toBe(task.assignmentLatencyMs);
    expect(e.startedAt).toBe(task.startedAt);
    expect(e.finishedAt).toBeGreaterThanOrEqual(e.startedAt);
    expect(e.runMs).toBeCloseTo(e.finishedAt - e.startedAt, 6);
    expect(e.startedAt).toBeGreaterThanOrEqual(task.queuedAt);
  }
  expect(slowest.filter((e) => e.traceId.startsWith('trace-sleep-')).every((e) => e.runMs >= 9)).toBe(true);
});

poolTest('slowest first, and limit returns the head of that list', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, queueCapacity: 200, workerData: { counters: counters.sab } });
  await Promise.all([5, 40, 15, 25, 1].map((ms) => pool.run({ op: 'sleep', ms }, { type: 'research' })));
  const all = pool.bottlenecks();
  expect(all.slowest).toHaveLength(5);
  expectSlowestFirst(all.slowest);
  expect(all.slowest[0].runMs).toBeGreaterThanOrEqual(39);
  expect(pool.bottlenecks({ limit: 2 }).slowest).toEqual(all.slowest.slice(0, 2));
  expect(pool.bottlenecks({ limit: 0 }).slowest).toEqual([]);
  expect(pool.bottlenecks({ limit: 50 }).slowest).toEqual(all.slowest);
});

poolTest('byType gives run-time p50/p95/p99 and the count per type', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, queueCapacity: 200, workerData: { counters: counters.sab } });
  await Promise.all([
    ...Array.from({ length: 4 }, () => pool.run({ op: 'sleep', ms: 30 }, { type: 'research' })),
    ...Array.from({ length: 7 }, (_, i) => pool.run({ op: 'echo', value: i }, { type: 'ingest' })),
  ]);
  const { byType } = pool.bottlenecks();
  const m = pool.metrics();
  expect(Object.keys(byType).sort()).toEqual(['ingest', 'research']);
  expect(byType.research.count).toBe(4);
  expect(byType.ingest.count).toBe(7);
  for (const type of ['research', 'ingest']) {
    const b = byType[type];
    expect(Object.keys(b).sort()).toEqual(['count', 'p50', 'p95', 'p99']);
    expect(b.p50).toBeLessThanOrEqual(b.p95);
    expect(b.p95).toBeLessThanOrEqual(b.p99);
    expect(b.count).toBe(m.byType[type].runTimeMs.count);
  }
  expect(byType.research.p50).toBeGreaterThanOrEqual(29);
});

poolTest('each try of a retried task is its own entry', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, queueCapacity: 200, workerData: { counters: counters.sab } });
  const handle = pool.submit({ op: 'throw', retryable: true, faultOnAttempts: 1 }, { type: 'research' });
  const value = await handle.result;
  expect(value.attempt).toBe(2);
  const entries = pool.bottlenecks().slowest.filter((e) => e.taskId === handle.id);
  expect(entries.map((e) => e.attempt).sort()).toEqual([1, 2]);
  expect(entries.every((e) => e.traceId === handle.traceId)).toBe(true);
  expect(entries.find((e) => e.attempt === 2).agentId).toBe(pool.getTask(handle.id).agentId);
  expect(entries.find((e) => e.attempt === 1).agentId).toBe(pool.getTask(handle.id).failedAgentIds[0]);
});

poolTest(`at most ${KEPT} runs are kept after more have finished; the slow ones stay`, async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, queueCapacity: 200, workerData: { counters: counters.sab } });
  const sleepers = [0, 1, 2].map(() => pool.submit({ op: 'sleep', ms: 40 }, { type: 'research' }));
  const echoes = Array.from({ length: 130 }, (_, i) => pool.submit({ op: 'echo', value: i }, { type: 'ingest' }));
  await Promise.all([...sleepers, ...echoes].map((h) => h.result));
  const { slowest, byType } = pool.bottlenecks();
  expect(slowest).toHaveLength(KEPT);
  expectSlowestFirst(slowest);
  expect(new Set(slowest.map((e) => e.taskId)).size).toBe(KEPT);
  const kept = new Set(slowest.map((e) => e.taskId));
  for (const s of sleepers) expect(kept.has(s.id)).toBe(true);
  expect(pool.bottlenecks({ limit: 1_000 }).slowest).toHaveLength(KEPT);
  // The per-type figures cover every run, not only the kept ones.
  expect(byType.ingest.count).toBe(130);
  expect(byType.research.count).toBe(3);
});

poolTest('resetMetrics() clears the list and the per-type figures', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, queueCapacity: 200, workerData: { counters: counters.sab } });
  await Promise.all([1, 2, 3].map((i) => pool.run({ op: 'echo', value: i }, { type: 'ingest' })));
  expect(pool.bottlenecks().slowest).toHaveLength(3);
  pool.resetMetrics();
  expect(pool.bottlenecks()).toEqual({ slowest: [], byType: {} });
  const next = pool.submit({ op: 'echo' }, { type: 'research' });
  await next.result;
  const after = pool.bottlenecks();
  expect(after.slowest.map((e) => e.taskId)).toEqual([next.id]);
  expect(Object.keys(after.byType)).toEqual(['research']);
});

poolTest('a bad limit throws InvalidOptionError', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, queueCapacity: 200, workerData: { counters: counters.sab } });
  for (const limit of [-1, 1.5, '3', Number.NaN]) {
    const error = thrownBy(() => pool.bottlenecks({ limit }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(error.option).toBe('limit');
  }
});
