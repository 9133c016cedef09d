/**
 * MetricsRecorder: windows versus lifetime, the bounded slowest-task list
 * behind bottlenecks(), per-type p95 for alerts, and the observer hook the
 * alert monitor hangs on. No threads; run lengths are made up.
 */
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { MetricsRecorder } from '../../dist/src/metrics/recorder.js';

let nextTaskId = 1;
function entry(runMs, type = 'research', agentId = 1) {
  const taskId = nextTaskId++;
  return { taskId, traceId: `trace-${taskId}`, type, agentId, attempt: 1, runMs, waitMs: 0.5, startedAt: 10_000, finishedAt: 10_000 + runMs };
}

/** Records a run the way the coordinator does: the task, its agent and attempt, start and finish. */
function recordRun(r, e) {
  r.recordRun({ id: e.taskId, traceId: e.traceId, type: e.type, assignmentLatencyMs: e.waitMs }, e.agentId, e.attempt, e.startedAt, e.finishedAt);
}

describe('MetricsRecorder', () => {
  it('reset() starts a new window and leaves the lifetime totals alone', () => {
    const r = new MetricsRecorder();
    const firstStart = r.window.startedAt;
    r.recordSubmitted();
    r.recordSubmitted();
    r.recordRejected();
    r.recordStart({ id: 1, type: 'research' }, 1, 2, 0, true);
    recordRun(r, entry(30));
    r.recordSettled('completed', 'research', 1, 0, 40);
    r.reset();
    expect(r.window.startedAt).toBeGreaterThanOrEqual(firstStart);
    expect(r.window.counts).toEqual({ submitted: 0, rejected: 0, completed: 0, failed: 0, cancelled: 0, retried: 0 });
    expect(r.window.all.run.count).toBe(0);
    expect(r.window.byType.size).toBe(0);
    expect(r.bottlenecks(100)).toEqual({ slowest: [], byType: {} });
    expect(r.lifetime.counts).toEqual({ submitted: 2, rejected: 1, completed: 1, failed: 0, cancelled: 0, retried: 0 });
    expect(r.lifetime.all.run.count).toBe(1);
    expect(r.lifetime.all.endToEnd.count).toBe(1);
  });

  it('keeps the slowest `slowestKept` runs, slowest first', () => {
    const r = new MetricsRecorder(undefined, 3);
    const runs = [5, 50, 1, 70, 20, 70, 2].map((ms) => entry(ms));
    for (const e of runs) recordRun(r, e);
    const { slowest } = r.bottlenecks(100);
    expect(slowest.map((e) => e.runMs)).toEqual([70, 70, 50]);
    // Equal run times keep arrival order.
    expect(slowest.map((e) => e.taskId)).toEqual([runs[3].taskId, runs[5].taskId, runs[1].taskId]);
    expect(slowest[0]).toEqual(runs[3]);
    expect(r.bottlenecks(1).slowest.map((e) => e.runMs)).toEqual([70]);
    expect(r.bottlenecks(0).slowest).toEqual([]);
  });

  it('bottlenecks() hands out copies', () => {
    const r = new MetricsRecorder(undefined, 3);
    recordRun(r, entry(9));
    r.bottlenecks(1).slowest[0].runMs = -1;
    expect(r.bottlenecks(1).slowest[0].runMs).toBe(9);
  });

  it('per-type run-time percentiles and counts, and p95 per type for the alerts', () => {
    const r = new MetricsRecorder();
    for (let i = 0; i < 20; i++) recordRun(r, entry(100 + i, 'research'));
    for (let i = 0; i < 5; i++) recordRun(r, entry(1, 'ingest', 2));
    const { byType } = r.bottlenecks(100);
    expect(byType.research.count).toBe(20);
    expect(byType.ingest.count).toBe(5);
    expect(byType.research.p50).toBeGreaterThanOrEqual(109);
    expect(byType.research.p95).toBeGreaterThanOrEqual(118);
    expect(byType.research.p99).toBeGreaterThanOrEqual(byType.research.p95);
    const p95 = r.typeP95Ms();
    expect([...p95.keys()].sort()).toEqual(['ingest', 'research']);
    expect(p95.get('research')).toBe(byType.research.p95);
  });

  it('exportHistograms() encodes the window overall and per type', () => {
    const r = new MetricsRecorder();
    for (let i = 0; i < 4; i++) {
      r.recordStart({ id: 1, type: 'research' }, 1, 1 + i, 0, true);
      recordRun(r, entry(10 + i));
      r.recordSettled('completed', 'research', 1, 0, 20 + i);
    }
    r.recordStart({ id: 1, type: 'ingest' }, 2, 1, 0, true);
    recordRun(r, entry(3, 'ingest', 2));
    const out = r.exportHistograms();
    expect(out.unit).toBe('us');
    expect(out.encoding).toBe('hdr-compressed-base64');
    expect(out.window.startedAt).toBe(r.window.startedAt);
    expect(out.window.durationMs).toBeGreaterThanOrEqual(0);
    const count = (s) => hdr.decodeFromCompressedBase64(s).totalCount;
    expect(count(out.assignmentLatency)).toBe(5);
    expect(count(out.runTime)).toBe(5);
    expect(count(out.endToEnd)).toBe(4);
    expect(Object.keys(out.byType).sort()).toEqual(['ingest', 'research']);
    expect(count(out.byType.research.runTime)).toBe(4);
    expect(count(out.byType.ingest.runTime)).toBe(1);
    expect(count(out.byType.ingest.endToEnd)).toBe(0);
  });

  it('tells its observer of every run and every failed attempt', () => {
    const seen = [];
    const r = new MetricsRecorder({ onRun: (task) => seen.push(['run', task.id]), onAttemptFailed: (agentId, at) => seen.push(['failed', agentId, at]) });
    const e = entry(4);
    recordRun(r, e);
    r.recordAttemptFailed(3, 1234);
    expect(seen).toEqual([
      ['run', e.taskId],
      ['failed', 3, 1234],
    ]);
  });
});
