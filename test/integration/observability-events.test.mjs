/**
 * The event catalogue: PoolEvents is frozen and names every event the pool
 * emits; the per-task trace events are built only when someone listens; the
 * payload fields of taskQueued and taskStarted, taskFailed.agentId and
 * attempt, taskRetried.agentId and agentHung.traceId. Also the opt-in idle
 * spin (idleSpinUs), checked for correctness only.
 */
import { expect } from 'vitest';
import { ErrorCodes, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { recordEvents, rejectionOf, waitForEvents } from '../helpers.mjs';

const DOCUMENTED = [
  'taskQueued',
  'taskStarted',
  'taskCompleted',
  'taskFailed',
  'taskCancelled',
  'taskRetried',
  'taskHeld',
  'taskReleased',
  'agentSpawned',
  'agentReady',
  'agentExited',
  'agentError',
  'agentRestarted',
  'agentHung',
  'agentAbandoned',
  'dependencyDown',
  'dependencyUp',
  'degraded',
  'recovered',
  'drained',
  'alert',
  'metricsReset',
  'scheduleFired',
  'scheduleSkipped',
  'scheduleRejected',
  'flowCompleted',
  'flowFailed',
];

/** Creates the pool through `usePool` and, before any agent starts, wraps its emit to record every event name it emits. */
function create(usePool, counters, options = {}) {
  const pool = usePool({ size: 2, workerData: { counters: counters.sab }, ...options }, { ready: false });
  const emitted = [];
  const emit = pool.emit.bind(pool);
  pool.emit = (name, payload) => {
    emitted.push(name);
    return emit(name, payload);
  };
  return { pool, emitted };
}

poolTest('PoolEvents is frozen and lists every documented event, name = value', () => {
  expect(Object.isFrozen(PoolEvents)).toBe(true);
  expect(Object.keys(PoolEvents).sort()).toEqual([...DOCUMENTED].sort());
  for (const [key, value] of Object.entries(PoolEvents)) expect(value).toBe(key);
  expect(() => {
    PoolEvents.extra = 'extra';
  }).toThrow(TypeError);
  expect(() => {
    PoolEvents.taskCompleted = 'changed';
  }).toThrow(TypeError);
  expect(PoolEvents.taskCompleted).toBe('taskCompleted');
});

poolTest('every event a busy pool emits is in PoolEvents', async ({ usePool, counters }) => {
  const { pool, emitted } = create(usePool, counters, { alerts: { agentFailuresPerHour: 0 } });
  const seen = recordEvents(pool, Object.values(PoolEvents)); // listen to all: trace events are built too
  await pool.ready();
  await pool.run({ op: 'echo' });
  await rejectionOf(pool.run({ op: 'throw', code: 'E_EV' }));
  await pool.run({ op: 'exit', faultOnAttempts: 1 }); // crash, retry, restart
  const holders = [0, 1].map((key) => pool.submit({ op: 'echo', gate: 0, key }));
  await counters.waitForStarted(0);
  await counters.waitForStarted(1);
  const controller = new AbortController();
  const cancelled = pool.submit({ op: 'echo' }, { signal: controller.signal });
  controller.abort(new Error('stop'));
  await rejectionOf(cancelled.result);
  counters.openGate(0);
  await Promise.all(holders.map((h) => h.result));
  pool.resetMetrics();
  await pool.close();
  seen.stop();
  const catalogue = new Set(Object.values(PoolEvents));
  for (const name of emitted) expect(catalogue.has(name), name).toBe(true);
  for (const name of ['taskQueued', 'taskStarted', 'taskCompleted', 'taskFailed', 'taskCancelled', 'taskRetried', 'agentExited', 'agentRestarted', 'alert', 'metricsReset', 'drained']) {
    expect(emitted, name).toContain(name);
  }
});

poolTest('taskQueued and taskStarted are built only when someone listens', async ({ usePool, counters }) => {
  const { pool, emitted } = create(usePool, counters, { eventJournalSize: 0 });
  await pool.ready();
  await pool.run({ op: 'echo' });
  expect(emitted).not.toContain(PoolEvents.taskQueued);
  expect(emitted).not.toContain(PoolEvents.taskStarted);
  const seen = recordEvents(pool, [PoolEvents.taskQueued, PoolEvents.taskStarted]);
  await pool.run({ op: 'echo' });
  seen.stop();
  expect(seen.events.taskQueued).toHaveLength(1);
  expect(seen.events.taskStarted).toHaveLength(1);
});

poolTest('taskQueued and taskStarted payloads', async ({ usePool, counters }) => {
  const { pool } = create(usePool, counters);
  await pool.ready();
  const seen = recordEvents(pool, [PoolEvents.taskQueued, PoolEvents.taskStarted]);
  const handle = pool.submit({ op: 'echo' }, { type: 'research', priority: 3, traceId: 'trace-ev' });
  const value = await handle.result;
  seen.stop();
  expect(seen.events.taskQueued).toEqual([{ taskId: handle.id, traceId: 'trace-ev', type: 'research', priority: 3 }]);
  expect(seen.events.taskStarted).toHaveLength(1);
  const started = seen.events.taskStarted[0];
  const task = pool.getTask(handle.id);
  expect(started).toEqual({
    taskId: handle.id,
    traceId: 'trace-ev',
    type: 'research',
    agentId: value.agentId,
    attempt: 1,
    startedAt: task.startedAt,
    assignmentLatencyMs: task.assignmentLatencyMs,
  });
});

poolTest('taskFailed carries agentId and attempt; taskRetried carries agentId = fromAgentId', async ({ usePool, counters }) => {
  const { pool } = create(usePool, counters, { maxAttempts: 2 });
  await pool.ready();
  const seen = recordEvents(pool, [PoolEvents.taskFailed, PoolEvents.taskRetried]);
  const handle = pool.submit({ op: 'throw', retryable: true, code: 'E_TWICE' }, { traceId: 'trace-fr' });
  const error = await rejectionOf(handle.result);
  seen.stop();
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  const task = pool.getTask(handle.id);
  expect(seen.events.taskRetried).toHaveLength(1);
  const retried = seen.events.taskRetried[0];
  expect(retried).toMatchObject({ taskId: handle.id, traceId: 'trace-fr', type: 'general', attempt: 2, agentId: task.failedAgentIds[0], fromAgentId: task.failedAgentIds[0] });
  expect(seen.events.taskFailed).toHaveLength(1);
  expect(seen.events.taskFailed[0]).toMatchObject({ taskId: handle.id, traceId: 'trace-fr', agentId: task.failedAgentIds[1], attempt: 2, attempts: 2 });
  expect(seen.events.taskFailed[0].error).toBe(error);
});

poolTest('agentHung carries the traceId of the task it was running', async ({ usePool, counters }) => {
  const { pool } = create(usePool, counters, { size: 1, maxAttempts: 1, hangTimeoutMs: 500, heartbeatIntervalMs: 50 });
  await pool.ready();
  const hung = waitForEvents(pool, PoolEvents.agentHung, 1);
  const handle = pool.submit({ op: 'spin', key: 0 }, { traceId: 'trace-hung' }); // a loop with no heartbeat
  await counters.waitForStarted(0);
  const [event] = await hung;
  expect(event).toMatchObject({ agentId: 1, taskId: handle.id, traceId: 'trace-hung' });
  expect(event.silentMs).toBeGreaterThanOrEqual(500);
  const error = await rejectionOf(handle.result);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  expect(error.cause.code).toBe(ErrorCodes.AGENT_HUNG);
});

poolTest('idleSpinUs: 200 runs 200 tasks correctly and closes cleanly', async ({ usePool, counters }) => {
  const { pool } = create(usePool, counters, { idleSpinUs: 200, queueCapacity: 256 });
  await pool.ready();
  const values = Array.from({ length: 200 }, (_, i) => i);
  const results = await Promise.all(values.map((value) => pool.run({ op: 'echo', value }, { type: value % 2 ? 'research' : 'ingest' })));
  expect(results.map((r) => r.value)).toEqual(values);
  expect(results.every((r) => r.attempt === 1)).toBe(true);
  const m = pool.metrics();
  expect(m.tasks).toMatchObject({ submitted: 200, completed: 200, failed: 0, pending: 0 });
  expect(m.byType.research.tasks.completed).toBe(100);
  expect(m.byType.ingest.tasks.completed).toBe(100);
  // Spinning agents still answer control messages and stop when asked.
  expect((await pool.isolationReport()).ok).toBe(true);
  await pool.close();
  expect(pool.listAgents().every((a) => a.status === 'stopped')).toBe(true);
});
