/**
 * MetricsWindow and GroupStats: what one window counts overall, per task type
 * and per agent, as the recorder feeds it task starts, runs, retries and
 * settles. Durations here are made up; only counts and sums are checked.
 */
import { describe, expect, it } from 'vitest';
import { GroupStats, MetricsWindow } from '../../dist/src/metrics/window.js';

const ZERO_SUMMARY = { count: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };

describe('GroupStats', () => {
  it('starts empty', () => {
    const g = new GroupStats();
    expect(g.summary()).toEqual({
      tasks: { completed: 0, failed: 0, retried: 0 },
      assignmentLatencyMs: ZERO_SUMMARY,
      runTimeMs: ZERO_SUMMARY,
      endToEndMs: ZERO_SUMMARY,
    });
    expect(g.busyMs).toBe(0);
    const encoded = g.encode();
    expect(Object.keys(encoded).sort()).toEqual(['assignmentLatency', 'endToEnd', 'runTime']);
    for (const s of Object.values(encoded)) expect(typeof s).toBe('string');
  });
});

/** A detailed window fed with one small mixed history. */
function history(detailed = true) {
  const w = new MetricsWindow(1_000, detailed);
  // research ran twice on agent 1 (one try failed and was retried on agent 2), ingest once on agent 2.
  w.counts.submitted += 3;
  w.recordStart('research', 1, 2);
  w.recordRun('research', 1, 40);
  w.recordRetry('research', 1);
  w.recordStart('research', 2, 3); // a retry's start: the recorder records assignment once per task, the window records what it is given
  w.recordRun('research', 2, 60);
  w.recordSettled('completed', 'research', 2, 70);
  w.recordStart('ingest', 2, 1);
  w.recordRun('ingest', 2, 5);
  w.recordSettled('failed', 'ingest', 2, 8);
  // Cancelled while waiting: no agent, no end-to-end time.
  w.recordSettled('cancelled', 'ingest', undefined, undefined);
  // Failed before any agent ran it (e.g. no agent handles its type).
  w.recordSettled('failed', 'general', undefined, 4);
  return w;
}

describe('MetricsWindow', () => {
  it('counts settles by status and retries, overall', () => {
    const w = history();
    expect(w.startedAt).toBe(1_000);
    expect(w.counts).toEqual({ submitted: 3, rejected: 0, completed: 1, failed: 2, cancelled: 1, retried: 1 });
    expect(w.all.assignment.count).toBe(3);
    expect(w.all.run.count).toBe(3);
    expect(w.all.endToEnd.count).toBe(3); // completed + failed; cancelled has none
    expect(w.all.busyMs).toBe(105);
  });

  it('splits counts and histograms by task type', () => {
    const w = history();
    expect([...w.byType.keys()].sort()).toEqual(['general', 'ingest', 'research']);
    const research = w.byType.get('research').summary();
    expect(research.tasks).toEqual({ completed: 1, failed: 0, retried: 1 });
    expect(research.assignmentLatencyMs.count).toBe(2);
    expect(research.runTimeMs.count).toBe(2);
    expect(research.endToEndMs.count).toBe(1);
    const ingest = w.byType.get('ingest').summary();
    expect(ingest.tasks).toEqual({ completed: 0, failed: 1, retried: 0 }); // cancelled is not a type count
    expect(ingest.runTimeMs.count).toBe(1);
    expect(ingest.endToEndMs.count).toBe(1);
    const general = w.byType.get('general').summary();
    expect(general.tasks).toEqual({ completed: 0, failed: 1, retried: 0 });
    expect(general.runTimeMs.count).toBe(0);
    expect(general.endToEndMs.count).toBe(1);
  });

  it('splits by agent: a retry counts against the agent the failed try ran on, the settle against the last one', () => {
    const w = history();
    expect([...w.byAgent.keys()].sort()).toEqual([1, 2]);
    const a1 = w.byAgent.get(1);
    expect(a1.summary().tasks).toEqual({ completed: 0, failed: 0, retried: 1 });
    expect(a1.run.count).toBe(1);
    expect(a1.busyMs).toBe(40);
    const a2 = w.byAgent.get(2);
    expect(a2.summary().tasks).toEqual({ completed: 1, failed: 1, retried: 0 });
    expect(a2.run.count).toBe(2);
    expect(a2.assignment.count).toBe(2);
    expect(a2.endToEnd.count).toBe(2);
    expect(a2.busyMs).toBe(65);
  });

  it('per-agent and per-type run counts add up to the overall count', () => {
    const w = history();
    const sum = (map) => [...map.values()].reduce((n, g) => n + g.run.count, 0);
    expect(sum(w.byType)).toBe(w.all.run.count);
    expect(sum(w.byAgent)).toBe(w.all.run.count);
    const busy = [...w.byAgent.values()].reduce((n, g) => n + g.busyMs, 0);
    expect(busy).toBe(w.all.busyMs);
  });

  it('a window that is not detailed (the lifetime one) keeps overall figures only', () => {
    const w = history(false);
    expect(w.counts).toEqual({ submitted: 3, rejected: 0, completed: 1, failed: 2, cancelled: 1, retried: 1 });
    expect(w.all.run.count).toBe(3);
    expect(w.all.endToEnd.count).toBe(3);
    expect(w.byType.size).toBe(0);
    expect(w.byAgent.size).toBe(0);
  });

  it('run times are reported in ms (recorded in whole microseconds)', () => {
    const w = new MetricsWindow(0, true);
    w.recordRun('research', 1, 150);
    const s = w.byType.get('research').run.summary();
    expect(s.count).toBe(1);
    expect(s.p50).toBeGreaterThanOrEqual(150);
    expect(s.max).toBeGreaterThanOrEqual(150);
    // HDR with 3 significant digits: within 0.1% of the value recorded.
    expect(s.max).toBeLessThanOrEqual(150 * 1.001);
  });
});
