/**
 * Alert decisions without a thread: the pure helpers of metrics/alerts.js and
 * the AlertMonitor's edge triggering (one alert when a condition starts,
 * re-armed once it clears), fed with hand-made times and run lengths.
 */
import { describe, expect, it } from 'vitest';
import { AlertMonitor, failuresWithinHour, slowTaskSeverity, typeP95Threshold } from '../../dist/src/metrics/alerts.js';

const HOUR_MS = 3_600_000;

const thresholds = (over = {}) => ({
  slowWarningMs: 100,
  slowCriticalMs: 200,
  typeP95Ms: 50,
  agentFailuresPerHour: 2,
  queueDepthShare: 0.5,
  ...over,
});

/** A monitor whose raised alerts land in `alerts`. */
function monitor(over) {
  const alerts = [];
  const m = new AlertMonitor(thresholds(over), (alert) => alerts.push(alert));
  return { m, alerts };
}

const running = (taskId, runningMs, extra = {}) => ({ taskId, traceId: `trace-${taskId}`, type: 'research', agentId: 3, runningMs, ...extra });

/** A finished run as the recorder reports it: the task (read only when the run matters), its agent, its length. */
const run = (taskId, runMs) => [{ id: taskId, traceId: `trace-${taskId}`, type: 'research', assignmentLatencyMs: 1 }, 3, runMs];

/** A tick with nothing running, no per-type figures and an empty queue, unless given. */
function tick(m, { now = 0, tasks = [], p95 = new Map(), depth = 0, capacity = 10 } = {}) {
  m.tick(now, tasks, p95, depth, capacity);
}

describe('slowTaskSeverity', () => {
  it('is undefined up to the warning threshold, warning above it, critical above the critical one', () => {
    const t = thresholds();
    expect(slowTaskSeverity(0, t)).toBeUndefined();
    expect(slowTaskSeverity(100, t)).toBeUndefined(); // "slower than": equal is not over
    expect(slowTaskSeverity(100.5, t)).toBe('warning');
    expect(slowTaskSeverity(200, t)).toBe('warning');
    expect(slowTaskSeverity(200.5, t)).toBe('critical');
    expect(slowTaskSeverity(1e9, t)).toBe('critical');
  });
});

describe('typeP95Threshold', () => {
  it('a single number applies to every type', () => {
    const t = thresholds({ typeP95Ms: 70 });
    expect(typeP95Threshold('research', t)).toBe(70);
    expect(typeP95Threshold('anything', t)).toBe(70);
  });

  it('a per-type map gives each listed type its own threshold and none to the others', () => {
    const t = thresholds({ typeP95Ms: { research: 70, ingest: 5 } });
    expect(typeP95Threshold('research', t)).toBe(70);
    expect(typeP95Threshold('ingest', t)).toBe(5);
    expect(typeP95Threshold('general', t)).toBeUndefined();
  });
});

describe('failuresWithinHour', () => {
  it('drops the failures an hour old or older, in place, and counts the rest', () => {
    const now = 10 * HOUR_MS;
    const times = [now - HOUR_MS - 1, now - HOUR_MS, now - HOUR_MS + 1, now - 5, now];
    expect(failuresWithinHour(times, now)).toBe(3);
    expect(times).toEqual([now - HOUR_MS + 1, now - 5, now]);
  });

  it('keeps everything inside the hour and empties a list that is all stale', () => {
    const recent = [100, 200, 300];
    expect(failuresWithinHour(recent, 400)).toBe(3);
    expect(recent).toEqual([100, 200, 300]);
    const stale = [1, 2, 3];
    expect(failuresWithinHour(stale, 3 + HOUR_MS)).toBe(0);
    expect(stale).toEqual([]);
    expect(failuresWithinHour([], 0)).toBe(0);
  });
});

describe('AlertMonitor: slow tasks', () => {
  it('raises a warning once, then a critical once, as a running task crosses each threshold', () => {
    const { m, alerts } = monitor();
    m.onRunning(running(7, 50));
    expect(alerts).toEqual([]);
    m.onRunning(running(7, 150));
    m.onRunning(running(7, 160));
    m.onRunning(running(7, 199));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'slowTask', severity: 'warning', threshold: 100, value: 150, taskId: 7, traceId: 'trace-7', type: 'research', agentId: 3 });
    expect(typeof alerts[0].message).toBe('string');
    m.onRunning(running(7, 250));
    m.onRunning(running(7, 900));
    expect(alerts.map((a) => a.severity)).toEqual(['warning', 'critical']);
    expect(alerts[1]).toMatchObject({ kind: 'slowTask', severity: 'critical', threshold: 200, value: 250, taskId: 7, traceId: 'trace-7' });
  });

  it('keeps each task apart', () => {
    const { m, alerts } = monitor();
    m.onRunning(running(1, 150));
    m.onRunning(running(2, 150));
    m.onRunning(running(1, 150));
    expect(alerts.map((a) => [a.taskId, a.severity])).toEqual([
      [1, 'warning'],
      [2, 'warning'],
    ]);
  });

  it('leaves agentId out when the task has no known agent', () => {
    const { m, alerts } = monitor();
    m.onRunning(running(1, 150, { agentId: undefined }));
    expect(alerts).toHaveLength(1);
    expect('agentId' in alerts[0]).toBe(false);
  });

  it('a finished run already alerted while running raises nothing more', () => {
    const { m, alerts } = monitor();
    m.onRunning(running(4, 120));
    m.onRunning(running(4, 220));
    m.onRun(...run(4, 230));
    expect(alerts.map((a) => a.severity)).toEqual(['warning', 'critical']);
  });

  it('a slow run the periodic check never saw alerts once when it finishes, at the highest severity reached', () => {
    const { m, alerts } = monitor();
    m.onRun(...run(5, 150));
    expect(alerts.map((a) => [a.taskId, a.severity])).toEqual([[5, 'warning']]);
    m.onRun(...run(6, 500));
    expect(alerts.map((a) => [a.taskId, a.severity])).toEqual([
      [5, 'warning'],
      [6, 'critical'],
    ]);
    m.onRun(...run(8, 20));
    expect(alerts).toHaveLength(2);
  });

  it('after its run is recorded a task id is forgotten: a retry of it that is slow alerts again', () => {
    const { m, alerts } = monitor();
    m.onRunning(running(9, 150));
    m.onRun(...run(9, 160));
    m.onRunning(running(9, 150, { traceId: 'trace-9' }));
    expect(alerts.map((a) => [a.taskId, a.severity])).toEqual([
      [9, 'warning'],
      [9, 'warning'],
    ]);
  });

  it('tick() checks every running task it is given', () => {
    const { m, alerts } = monitor();
    tick(m, { tasks: [running(1, 10), running(2, 150), running(3, 300)] });
    expect(alerts.map((a) => [a.taskId, a.severity])).toEqual([
      [2, 'warning'],
      [3, 'critical'],
    ]);
    tick(m, { tasks: [running(1, 10), running(2, 160), running(3, 310)] });
    expect(alerts).toHaveLength(2);
  });
});

describe('AlertMonitor: per-type p95', () => {
  it('warns once when a type goes above its threshold, re-arms when it is back at or below it', () => {
    const { m, alerts } = monitor({ typeP95Ms: 50 });
    tick(m, { p95: new Map([['research', 40]]) });
    expect(alerts).toEqual([]);
    tick(m, { p95: new Map([['research', 80]]) });
    tick(m, { p95: new Map([['research', 90]]) });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'typeP95', severity: 'warning', threshold: 50, value: 80, type: 'research' });
    expect(alerts[0].taskId).toBeUndefined();
    tick(m, { p95: new Map([['research', 50]]) }); // equal is not above: cleared
    tick(m, { p95: new Map([['research', 60]]) });
    expect(alerts.map((a) => a.value)).toEqual([80, 60]);
  });

  it('one number applies to every type, each type triggering on its own', () => {
    const { m, alerts } = monitor({ typeP95Ms: 50 });
    tick(m, { p95: new Map([['research', 80], ['ingest', 10]]) });
    tick(m, { p95: new Map([['research', 80], ['ingest', 70]]) });
    expect(alerts.map((a) => a.type)).toEqual(['research', 'ingest']);
  });

  it('a per-type map alerts only the listed types, each against its own threshold', () => {
    const { m, alerts } = monitor({ typeP95Ms: { research: 100, ingest: 5 } });
    tick(m, { p95: new Map([['research', 90], ['ingest', 6], ['general', 1e6]]) });
    expect(alerts.map((a) => [a.type, a.threshold, a.value])).toEqual([['ingest', 5, 6]]);
    tick(m, { p95: new Map([['research', 101], ['ingest', 6], ['general', 1e6]]) });
    expect(alerts.map((a) => [a.type, a.threshold, a.value])).toEqual([
      ['ingest', 5, 6],
      ['research', 100, 101],
    ]);
  });
});

describe('AlertMonitor: agent failures per hour', () => {
  it('raises one critical alert when an agent passes the hourly limit', () => {
    const { m, alerts } = monitor({ agentFailuresPerHour: 2 });
    m.onAttemptFailed(1, 1_000);
    m.onAttemptFailed(1, 2_000);
    expect(alerts).toEqual([]); // 2 is the limit, not above it
    m.onAttemptFailed(1, 3_000);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'agentFailures', severity: 'critical', threshold: 2, value: 3, agentId: 1 });
    m.onAttemptFailed(1, 4_000);
    tick(m, { now: 5_000 });
    expect(alerts).toHaveLength(1);
  });

  it('counts each agent on its own', () => {
    const { m, alerts } = monitor({ agentFailuresPerHour: 1 });
    m.onAttemptFailed(1, 1_000);
    m.onAttemptFailed(2, 1_000);
    expect(alerts).toEqual([]);
    m.onAttemptFailed(2, 2_000);
    expect(alerts.map((a) => a.agentId)).toEqual([2]);
  });

  it('failures older than an hour drop out at the periodic check, which re-arms the alert', () => {
    const { m, alerts } = monitor({ agentFailuresPerHour: 1 });
    m.onAttemptFailed(4, 1_000);
    m.onAttemptFailed(4, 2_000);
    expect(alerts).toHaveLength(1);
    tick(m, { now: 1_000 + HOUR_MS }); // the first failure is an hour old: one left, at the limit
    m.onAttemptFailed(4, 1_000 + HOUR_MS + 10); // two within the hour again
    expect(alerts.map((a) => [a.agentId, a.value])).toEqual([
      [4, 2],
      [4, 2],
    ]);
  });

  it('a limit of 0 alerts on the first failure', () => {
    const { m, alerts } = monitor({ agentFailuresPerHour: 0 });
    m.onAttemptFailed(3, 10);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'agentFailures', threshold: 0, value: 1, agentId: 3 });
  });
});

describe('AlertMonitor: queue depth', () => {
  it('warns once when the waiting share passes queueDepthShare, re-arms when it drops back', () => {
    const { m, alerts } = monitor({ queueDepthShare: 0.5 });
    tick(m, { depth: 5, capacity: 10 }); // exactly the share: not above
    expect(alerts).toEqual([]);
    tick(m, { depth: 6, capacity: 10 });
    tick(m, { depth: 9, capacity: 10 });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'queueDepth', severity: 'warning', threshold: 0.5, value: 0.6 });
    tick(m, { depth: 2, capacity: 10 });
    tick(m, { depth: 8, capacity: 10 });
    expect(alerts.map((a) => a.value)).toEqual([0.6, 0.8]);
  });

  it('a capacity of 0 never alerts', () => {
    const { m, alerts } = monitor({ queueDepthShare: 0.5 });
    tick(m, { depth: 3, capacity: 0 });
    expect(alerts).toEqual([]);
  });
});
