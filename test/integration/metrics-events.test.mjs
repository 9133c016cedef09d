/**
 * Observability: metrics() counters and histograms, per-type split, SLO,
 * utilization, the exported HDR histogram, bottlenecks(), isolationReport(),
 * and the payloads of the task and agent events. Only counts, shapes and consistency are asserted; no
 * latency or duration value is.
 */
import * as hdr from 'hdr-histogram-js';
import { expect } from 'vitest';
import { ErrorCodes, PoolEvents, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { recordEvents, rejectionOf, thrownBy, waitForEvents } from '../helpers.mjs';

const SUMMARY_KEYS = ['count', 'avg', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'];

function expectSummary(summary, count) {
  expect(Object.keys(summary).sort()).toEqual([...SUMMARY_KEYS].sort());
  expect(summary.count).toBe(count);
  for (const key of SUMMARY_KEYS) expect(Number.isFinite(summary[key])).toBe(true);
  if (count > 0) {
    expect(summary.p50).toBeLessThanOrEqual(summary.p99);
    // A percentile is its HDR bucket's upper edge (3 significant digits): at most 0.1% above max.
    expect(summary.p99).toBeLessThanOrEqual(summary.max * 1.001 + 0.001);
  }
}

poolTest('metrics() counts submitted, completed, failed, cancelled, retried and rejected tasks', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, queueCapacity: 2, workerData: { counters: counters.sab } });
  // Both agents held on gate 0: what comes next waits in the queue.
  const holders = [0, 1].map((key) => pool.submit({ op: 'echo', gate: 0, key }));
  await counters.waitForStarted(0);
  await counters.waitForStarted(1);
  const controller = new AbortController();
  const toCancel = pool.submit({ op: 'echo', key: 2 }, { signal: controller.signal });
  const queued = pool.submit({ op: 'echo', key: 3 });
  expect(pool.metrics().tasks).toMatchObject({ submitted: 4, pending: 4, running: 2 });
  expect(pool.metrics().queue.depth).toBe(2);
  expect(thrownBy(() => pool.submit({ op: 'echo' })).code).toBe(ErrorCodes.QUEUE_FULL);
  expect((await rejectionOf(pool.run({ op: 'echo' }))).code).toBe(ErrorCodes.QUEUE_FULL);
  controller.abort(new Error('not needed'));
  expect((await rejectionOf(toCancel.result)).code).toBe(ErrorCodes.ABORTED);
  counters.openGate(0);
  await Promise.all([...holders, queued].map((h) => h.result));

  expect((await rejectionOf(pool.run({ op: 'throw', code: 'E_ONCE' }))).code).toBe(ErrorCodes.TASK_FAILED);
  const retriedOnce = await pool.run({ op: 'throw', retryable: true, faultOnAttempts: 1 });
  expect(retriedOnce.attempt).toBe(2);

  const m = pool.metrics();
  expect(m.tasks).toEqual({ submitted: 6, rejected: 2, pending: 0, running: 0, completed: 4, failed: 1, cancelled: 1, retried: 1 });
  expect(m.queue).toEqual({ depth: 0, held: 0, capacity: 2 });
  expect(m.agents.total).toBe(2);
  expect(m.degraded).toBe(false);
});

poolTest('assignment latency is recorded once per completed task, overall and by type; SLO and utilization are well-formed', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await Promise.all([
    ...Array.from({ length: 5 }, (_, i) => pool.run({ op: 'echo', value: i })),
    ...Array.from({ length: 3 }, (_, i) => pool.run({ op: 'sleep', ms: 2, value: i }, { type: 'ingest' })),
  ]);
  const m = pool.metrics();
  expect(m.tasks.completed).toBe(8);
  expectSummary(m.assignmentLatencyMs, 8);
  expectSummary(m.runTimeMs, 8);
  expect(Object.keys(m.byType).sort()).toEqual(['general', 'ingest']);
  expectSummary(m.byType.general.assignmentLatencyMs, 5);
  expectSummary(m.byType.general.runTimeMs, 5);
  expectSummary(m.byType.ingest.assignmentLatencyMs, 3);
  expectSummary(m.byType.ingest.runTimeMs, 3);
  expect(m.slo.targetMs).toBe(500);
  expect(m.slo.p99Ms).toBe(m.assignmentLatencyMs.p99);
  expect(m.slo.ok).toBe(m.slo.p99Ms <= m.slo.targetMs);
  expect(m.utilization).toBeGreaterThanOrEqual(0);
  expect(m.utilization).toBeLessThanOrEqual(1);
});

poolTest('a fresh pool reports empty histograms', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const m = pool.metrics();
  expectSummary(m.assignmentLatencyMs, 0);
  expectSummary(m.runTimeMs, 0);
  expect(m.byType).toEqual({});
  expect(m.utilization).toBeGreaterThanOrEqual(0);
  expect(m.utilization).toBeLessThanOrEqual(1);
  expect(typeof m.slo.ok).toBe('boolean');
});

poolTest('exportAssignmentHistogram() decodes with hdr-histogram-js to the same count', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const empty = hdr.decodeFromCompressedBase64(pool.exportAssignmentHistogram());
  expect(empty.totalCount).toBe(0);
  await Promise.all(Array.from({ length: 25 }, (_, i) => pool.run({ op: 'echo', value: i }, { type: i % 2 ? 'general' : 'research' })));
  const encoded = pool.exportAssignmentHistogram();
  expect(typeof encoded).toBe('string');
  const decoded = hdr.decodeFromCompressedBase64(encoded);
  expect(decoded.totalCount).toBe(25);
  expect(decoded.totalCount).toBe(pool.metrics().assignmentLatencyMs.count);
});

poolTest('bottlenecks({ limit }) lists the slowest tasks, sorted by run time descending, with per-type counts', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const handles = [];
  for (let i = 0; i < 6; i++) handles.push(pool.submit({ op: 'sleep', ms: 1 + i * 3, value: i }, { type: i % 2 ? 'ingest' : 'general' }));
  await Promise.all(handles.map((h) => h.result));
  const ids = handles.map((h) => h.id);

  const all = pool.bottlenecks({ limit: 100 });
  expect(all.slowest).toHaveLength(6);
  expect(all.slowest.map((e) => e.taskId).sort((a, b) => a - b)).toEqual(ids);
  for (let i = 1; i < all.slowest.length; i++) expect(all.slowest[i - 1].runMs).toBeGreaterThanOrEqual(all.slowest[i].runMs);
  for (const e of all.slowest) {
    const h = handles.find((x) => x.id === e.taskId);
    expect(e).toMatchObject({ traceId: h.traceId, type: pool.getTask(h.id).type, agentId: pool.getTask(h.id).agentId });
    expect(Number.isFinite(e.runMs) && Number.isFinite(e.waitMs)).toBe(true);
  }
  expect(all.byType.general.count).toBe(3);
  expect(all.byType.ingest.count).toBe(3);

  const top = pool.bottlenecks({ limit: 3 });
  expect(top.slowest).toEqual(all.slowest.slice(0, 3));
  expect(pool.bottlenecks().slowest).toHaveLength(6); // default: every kept entry (up to 100)
});

poolTest('isolationReport() resolves ok with distinct threadId, contextId and memoryId per agent', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 4, workerData: { counters: counters.sab } });
  const report = await pool.isolationReport();
  expect(report.ok).toBe(true);
  expect(report.agents).toHaveLength(4);
  expect(report.agents.map((a) => a.agentId).sort()).toEqual([1, 2, 3, 4]);
  for (const key of ['threadId', 'contextId', 'memoryId']) expect(new Set(report.agents.map((a) => a[key])).size).toBe(4);
  const listed = new Map(pool.listAgents().map((a) => [a.agentId, a]));
  for (const a of report.agents) {
    expect(a.threadId).toBe(listed.get(a.agentId).threadId);
    expect(a.contextId).toBe(listed.get(a.agentId).contextId);
    expect(a.ownCanaryVisible).toBe(true);
    expect(a.canariesSeen).toEqual([]); // no other agent's canary
  }
  expect(report.checks.length).toBeGreaterThan(0);
  // Every check passes but the informational one that says payloads are shared (the default mode).
  expect(report.checks.every((c) => (c.ok === true || c.informational === true) && typeof c.name === 'string')).toBe(true);
});

poolTest('taskCompleted and taskFailed carry the documented fields', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const seen = recordEvents(pool, [PoolEvents.taskCompleted, PoolEvents.taskFailed]);
  const ok = pool.submit({ op: 'echo', value: 'ok' }, { type: 'ingest', traceId: 'trace-ok' });
  const okValue = await ok.result;
  const bad = pool.submit({ op: 'throw', code: 'E_BAD' }, { traceId: 'trace-bad' });
  const error = await rejectionOf(bad.result);
  seen.stop();

  expect(seen.events.taskCompleted).toHaveLength(1);
  const completed = seen.events.taskCompleted[0];
  expect(completed).toMatchObject({ taskId: ok.id, traceId: 'trace-ok', type: 'ingest', agentId: okValue.agentId, attempt: 1 });
  expect(completed.runMs).toBeGreaterThanOrEqual(0);
  expect(completed.assignmentLatencyMs).toBeGreaterThanOrEqual(0);

  expect(seen.events.taskFailed).toHaveLength(1);
  const failed = seen.events.taskFailed[0];
  expect(failed).toMatchObject({ taskId: bad.id, traceId: 'trace-bad', type: 'general', attempts: 1 });
  expect(failed.error).toBe(error);
  expect(failed.error).toBeInstanceOf(TaskFailedError);
  expect(failed.error.cause.code).toBe('E_BAD');
});

poolTest('agentReady fires for the initial agents; agentSpawned and agentReady for a spawned one', async ({ usePool, counters }) => {
  const pool = usePool({ size: 2, workerData: { counters: counters.sab } }, { ready: false });
  const initialReady = waitForEvents(pool, PoolEvents.agentReady, 2);
  await pool.ready();
  const ready = await initialReady;
  expect(ready.map((e) => e.agentId).sort()).toEqual([1, 2]);
  const listed = new Map(pool.listAgents().map((a) => [a.agentId, a]));
  for (const e of ready) {
    expect(e).toMatchObject({ generation: 1, threadId: listed.get(e.agentId).threadId, contextId: listed.get(e.agentId).contextId });
    expect(e.startMs).toBeGreaterThanOrEqual(0);
  }

  // Listen first: agentSpawned is emitted inside spawnAgent().
  const events = [waitForEvents(pool, PoolEvents.agentSpawned, 1, 20_000), waitForEvents(pool, PoolEvents.agentReady, 1, 20_000)];
  const [snapshot, [spawned], [readied]] = await Promise.all([pool.spawnAgent(), ...events]);
  expect(spawned).toEqual({ agentId: snapshot.agentId, generation: 1, role: 'default', threadId: snapshot.threadId });
  expect(readied).toMatchObject({ agentId: snapshot.agentId, generation: 1, threadId: snapshot.threadId, contextId: snapshot.contextId });
  expect(typeof readied.contextId).toBe('string');
  expect(readied.startMs).toBeGreaterThanOrEqual(0);
});
