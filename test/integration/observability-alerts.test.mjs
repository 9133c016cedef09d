/**
 * `alert` events end to end, with tiny thresholds and a 20 ms check interval
 * (heartbeatIntervalMs; hangTimeoutMs stays far above it): slow tasks, a
 * type's run-time p95, failures per agent per hour, and queue depth. Tests
 * wait for the alert events themselves, never for time to pass.
 */
import { expect } from 'vitest';
import { ErrorCodes, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { recordEvents, rejectionOf, waitForEvents } from '../helpers.mjs';

const CHECK_MS = 20;

/** Starts a pool through `usePool` and records every alert from the start; `alertsOf(kind)` lists those of one kind. */
async function startRecordingAlerts(usePool, counters, options) {
  const pool = usePool(
    {
      size: 1,
      heartbeatIntervalMs: CHECK_MS,
      hangTimeoutMs: 30_000,
      workerData: { counters: counters.sab },
      ...options,
    },
    { ready: false },
  );
  const recorder = recordEvents(pool, [PoolEvents.alert]);
  await pool.ready();
  return { pool, alertsOf: (kind) => recorder.events.alert.filter((a) => a.kind === kind) };
}

poolTest('a running task past slowTaskMs raises a warning, then a critical alert, naming the task', async ({ usePool, counters }) => {
  const { pool, alertsOf } = await startRecordingAlerts(usePool, counters, { alerts: { slowTaskMs: { warning: 50, critical: 1_000 } } });
  const critical = waitForEvents(pool, PoolEvents.alert, 1, undefined, (a) => a.kind === 'slowTask' && a.severity === 'critical');
  const handle = pool.submit({ op: 'echo', gate: 0, key: 0 }, { type: 'research', traceId: 'trace-slow' });
  await critical;
  // Still running (held on its gate): exactly one alert per severity so far, in order.
  const slow = alertsOf('slowTask');
  expect(slow.map((a) => a.severity)).toEqual(['warning', 'critical']);
  const agentId = pool.getTask(handle.id).agentId;
  expect(pool.getTask(handle.id).status).toBe('running');
  expect(slow[0]).toMatchObject({ kind: 'slowTask', severity: 'warning', threshold: 50, taskId: handle.id, traceId: 'trace-slow', type: 'research', agentId });
  expect(slow[1]).toMatchObject({ kind: 'slowTask', severity: 'critical', threshold: 1_000, taskId: handle.id, traceId: 'trace-slow', type: 'research', agentId });
  expect(slow[0].value).toBeGreaterThan(50);
  expect(slow[1].value).toBeGreaterThan(1_000);
  for (const a of slow) expect(typeof a.message).toBe('string');
  counters.openGate(0);
  await handle.result;
  expect(alertsOf('slowTask').filter((a) => a.severity === 'warning')).toHaveLength(1);
});

poolTest('a slow task alerts once per severity even when a check runs between its end and the read of its completion', async ({ usePool, counters }) => {
  // The race, built on purpose: the handler ends and publishes its result
  // while this thread is blocked in the check phase of the event loop. On
  // unblocking, the overdue periodic check (timers phase) runs before the
  // completion is read (poll phase): the task is no longer running, but its
  // run is not recorded yet either.
  const { pool, alertsOf } = await startRecordingAlerts(usePool, counters, { heartbeatIntervalMs: 10, alerts: { slowTaskMs: { warning: 20, critical: 80 } } });
  const critical = waitForEvents(pool, PoolEvents.alert, 1, undefined, (a) => a.kind === 'slowTask' && a.severity === 'critical');
  const handle = pool.submit({ op: 'sleep', ms: 250, key: 0, markAfterReply: true }, { type: 'research' });
  await critical;
  await new Promise((resolve) => setImmediate(resolve));
  counters.blockUntilAfterReply(0);
  await handle.result;
  expect(alertsOf('slowTask').map((a) => a.severity)).toEqual(['warning', 'critical']);
});

poolTest('a slow run that ends before any periodic check alerts once, when it finishes', async ({ usePool, counters }) => {
  // The periodic check runs every 10 s here: the 60 ms run is judged when it ends.
  const { pool, alertsOf } = await startRecordingAlerts(usePool, counters, { heartbeatIntervalMs: 10_000, hangTimeoutMs: 60_000, alerts: { slowTaskMs: { warning: 20, critical: 10_000 } } });
  const handle = pool.submit({ op: 'sleep', ms: 60 }, { type: 'ingest', traceId: 'trace-short' });
  await handle.result;
  // Raised while the run was recorded, before the task settled.
  expect(alertsOf('slowTask')).toHaveLength(1);
  expect(alertsOf('slowTask')[0]).toMatchObject({ severity: 'warning', threshold: 20, taskId: handle.id, traceId: 'trace-short', type: 'ingest' });
  expect(alertsOf('slowTask')[0].value).toBeGreaterThanOrEqual(59);
});

poolTest('fast tasks raise no slow-task alert', async ({ usePool, counters }) => {
  const { pool, alertsOf } = await startRecordingAlerts(usePool, counters, { alerts: { slowTaskMs: { warning: 5_000, critical: 10_000 } } });
  await Promise.all(Array.from({ length: 10 }, (_, i) => pool.run({ op: 'echo', value: i })));
  expect(alertsOf('slowTask')).toEqual([]);
});

poolTest('a type whose run-time p95 passes its own threshold raises typeP95; a type not in the map never does', async ({ usePool, counters }) => {
  const { pool, alertsOf } = await startRecordingAlerts(usePool, counters, { alerts: { typeP95Ms: { research: 30 } } });
  // ingest is as slow, but has no threshold. It runs first, so the check that
  // raises research's alert has already seen ingest's figures.
  await Promise.all(Array.from({ length: 3 }, () => pool.run({ op: 'sleep', ms: 40 }, { type: 'ingest' })));
  const raised = waitForEvents(pool, PoolEvents.alert, 1, undefined, (a) => a.kind === 'typeP95');
  await Promise.all(Array.from({ length: 3 }, () => pool.run({ op: 'sleep', ms: 40 }, { type: 'research' })));
  const [alert] = await raised;
  expect(alert).toMatchObject({ kind: 'typeP95', severity: 'warning', type: 'research', threshold: 30 });
  expect(alert.value).toBeGreaterThanOrEqual(39);
  expect(alertsOf('typeP95').map((a) => a.type)).toEqual(['research']);
});

poolTest('more failed tries on one agent than agentFailuresPerHour raise one critical alert', async ({ usePool, counters }) => {
  const { pool, alertsOf } = await startRecordingAlerts(usePool, counters, { alerts: { agentFailuresPerHour: 1 } });
  const raised = waitForEvents(pool, PoolEvents.alert, 1, undefined, (a) => a.kind === 'agentFailures');
  const first = await rejectionOf(pool.run({ op: 'throw', code: 'E_FAIL_1' }));
  expect(first.code).toBe(ErrorCodes.TASK_FAILED);
  expect(alertsOf('agentFailures')).toEqual([]); // one failure: at the limit, not above
  await rejectionOf(pool.run({ op: 'throw', code: 'E_FAIL_2' }));
  const [alert] = await raised;
  expect(alert).toMatchObject({ kind: 'agentFailures', severity: 'critical', agentId: 1, threshold: 1, value: 2 });
  // Still above the limit: no second alert (checked as each failure is recorded, before the task settles).
  await rejectionOf(pool.run({ op: 'throw', code: 'E_FAIL_3' }));
  expect(alertsOf('agentFailures')).toHaveLength(1);
});

poolTest('waiting tasks above queueDepthShare of queueCapacity raise a queueDepth warning', async ({ usePool, counters }) => {
  const { pool, alertsOf } = await startRecordingAlerts(usePool, counters, { queueCapacity: 4, alerts: { queueDepthShare: 0.5 } });
  // The only agent is held busy on gate 0: what comes next waits in the queue.
  const holder = pool.submit({ op: 'echo', gate: 0, key: 0 });
  await counters.waitForStarted(0);
  const raised = waitForEvents(pool, PoolEvents.alert, 1, undefined, (a) => a.kind === 'queueDepth');
  const waiting = [1, 2, 3].map((key) => pool.submit({ op: 'echo', key }));
  expect(pool.metrics().queue.depth).toBe(3);
  const [alert] = await raised;
  expect(alert).toMatchObject({ kind: 'queueDepth', severity: 'warning', threshold: 0.5, value: 0.75 });
  expect(alert.taskId).toBeUndefined();
  counters.openGate(0);
  await Promise.all([holder, ...waiting].map((h) => h.result));
  expect(alertsOf('queueDepth')).toHaveLength(1);
});
