/**
 * exportHistograms(): every encoded histogram decodes with hdr-histogram-js to
 * the count and the p99 that metrics() reports, overall and per task type, so
 * CI can archive a run and compare it later.
 */
import * as hdr from 'hdr-histogram-js';
import { expect } from 'vitest';
import { poolTest } from '../fixtures/use-pool.mjs';
import { rejectionOf } from '../helpers.mjs';

async function workload(pool) {
  await Promise.all([
    ...Array.from({ length: 6 }, (_, i) => pool.run({ op: 'sleep', ms: 20 + i * 5, value: i }, { type: 'research' })),
    ...Array.from({ length: 30 }, (_, i) => pool.run({ op: 'echo', value: i }, { type: 'ingest' })),
    rejectionOf(pool.run({ op: 'throw', code: 'E_HIST' }, { type: 'ingest' })),
  ]);
}

/** The parts of exportHistograms() paired with the metrics() summary each one must match. */
const PARTS = [
  ['assignmentLatency', 'assignmentLatencyMs'],
  ['runTime', 'runTimeMs'],
  ['endToEnd', 'endToEndMs'],
];

poolTest('the export is labelled: microseconds, compressed base64 HDR, the current window', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await workload(pool);
  const out = pool.exportHistograms();
  const m = pool.metrics();
  expect(out.unit).toBe('us');
  expect(out.encoding).toBe('hdr-compressed-base64');
  expect(out.window.startedAt).toBe(m.window.startedAt);
  expect(out.window.durationMs).toBeGreaterThan(0);
  for (const [part] of PARTS) expect(typeof out[part]).toBe('string');
  expect(Object.keys(out.byType).sort()).toEqual(['ingest', 'research']);
});

poolTest('overall histograms decode to the count of metrics()', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await workload(pool);
  const out = pool.exportHistograms();
  const m = pool.metrics();
  for (const [part, summary] of PARTS) {
    const decoded = hdr.decodeFromCompressedBase64(out[part]);
    expect(decoded.totalCount, part).toBe(m[summary].count);
    expect(decoded.totalCount, part).toBeGreaterThan(0);
  }
  expect(hdr.decodeFromCompressedBase64(out.runTime).totalCount).toBe(37);
  expect(pool.exportAssignmentHistogram()).toBe(out.assignmentLatency);
});

poolTest('overall histograms decode to the p99 of metrics()', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await workload(pool);
  const out = pool.exportHistograms();
  const m = pool.metrics();
  for (const [part, summary] of PARTS) {
    const decoded = hdr.decodeFromCompressedBase64(out[part]);
    expect(decoded.getValueAtPercentile(99) / 1_000, part).toBe(m[summary].p99);
  }
});

poolTest('per-type histograms decode to the per-type count and p99 of metrics()', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await workload(pool);
  const out = pool.exportHistograms();
  const m = pool.metrics();
  for (const type of ['research', 'ingest']) {
    for (const [part, summary] of PARTS) {
      const decoded = hdr.decodeFromCompressedBase64(out.byType[type][part]);
      expect(decoded.totalCount, `${type} ${part}`).toBe(m.byType[type][summary].count);
      expect(decoded.getValueAtPercentile(99) / 1_000, `${type} ${part}`).toBe(m.byType[type][summary].p99);
    }
  }
  expect(hdr.decodeFromCompressedBase64(out.byType.research.runTime).totalCount).toBe(6);
  expect(hdr.decodeFromCompressedBase64(out.byType.ingest.runTime).totalCount).toBe(31);
  // Values are microseconds: a 20 ms sleep is at least 19,000 us.
  expect(hdr.decodeFromCompressedBase64(out.byType.research.runTime).minNonZeroValue).toBeGreaterThanOrEqual(19_000);
});

poolTest('after resetMetrics() the export is of the new, empty window', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await workload(pool);
  pool.resetMetrics();
  const out = pool.exportHistograms();
  for (const [part] of PARTS) expect(hdr.decodeFromCompressedBase64(out[part]).totalCount).toBe(0);
  expect(out.byType).toEqual({});
  expect(out.window.startedAt).toBe(pool.metrics().window.startedAt);
});
