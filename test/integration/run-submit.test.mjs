/**
 * run() and submit(): values, handles, trace ids, the task lifecycle seen
 * through getTask(), admission errors (thrown by submit, rejected by run),
 * payloads and results that do not fit a ring slot, transfer lists both ways,
 * and values that cannot cross the thread boundary.
 */
import { expect } from 'vitest';
import {
  DataCloneError,
  ErrorCodes,
  QueueFullError,
  TaskFailedError,
  UnknownTaskTypeError,
} from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { collectionWatcher, exposeGc, rejectionOf, thrownBy } from '../helpers.mjs';

poolTest('run() resolves with the handler\'s value', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await expect(pool.run({ op: 'echo', value: { n: 42, list: [1, 2, 3] } })).resolves.toMatchObject({ value: { n: 42, list: [1, 2, 3] }, attempt: 1 });
  const values = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.run({ op: 'echo', value: n }, { type: 'ingest' })));
  expect(values.map((v) => [v.value, v.type])).toEqual([1, 2, 3, 4, 5].map((n) => [n, 'ingest']));
});

poolTest('results the caller has dropped are collected, though getTask() still knows their tasks', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
  const watcher = collectionWatcher(exposeGc());
  // In a function of its own, so no frame of this test still holds the last result.
  const runAll = async () => {
    const ids = [];
    for (let i = 0; i < 20; i++) {
      // Big enough to travel back by message rather than through the slot.
      const handle = pool.submit({ op: 'echo', value: i, resultBytes: 100_000 });
      ids.push(handle.id);
      const result = await handle.result;
      expect(result.pad).toHaveLength(100_000);
      watcher.watch(result);
    }
    return ids;
  };
  const ids = await runAll();
  expect(ids.map((id) => pool.getTask(id)?.status)).toEqual(ids.map(() => 'completed'));
  expect(await watcher.collect()).toBe(0);
});

poolTest('submit() returns { id, traceId, result } synchronously', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const handle = pool.submit({ op: 'echo', value: 'sync' });
  expect(handle).not.toBeInstanceOf(Promise);
  expect(Number.isInteger(handle.id)).toBe(true);
  expect(typeof handle.traceId).toBe('string');
  expect(handle.traceId.length).toBeGreaterThan(0);
  expect(handle.result).toBeInstanceOf(Promise);
  const value = await handle.result;
  expect(value).toMatchObject({ value: 'sync', taskId: handle.id });
  const second = pool.submit({ op: 'echo' });
  expect(second.id).not.toBe(handle.id);
  await second.result;
});

poolTest('a caller\'s traceId is kept; without one a distinct traceId is generated', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const mine = pool.submit({ op: 'echo' }, { traceId: 'trace-from-caller' });
  expect(mine.traceId).toBe('trace-from-caller');
  const a = pool.submit({ op: 'echo' });
  const b = pool.submit({ op: 'echo' });
  expect(a.traceId).not.toBe(b.traceId);
  await Promise.all([mine.result, a.result, b.result]);
  expect(pool.getTask(mine.id).traceId).toBe('trace-from-caller');
  expect(pool.getTask(a.id).traceId).toBe(a.traceId);
});

poolTest('getTask() follows a task from queued to running to completed', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
  // The only agent is held on gate 0, so the second task has to wait in the queue.
  const blocker = pool.submit({ op: 'echo', gate: 0, key: 0 });
  await counters.waitForStarted(0);
  const handle = pool.submit({ op: 'echo', gate: 1, key: 1, value: 'watched' });

  const queued = pool.getTask(handle.id);
  expect(queued).toMatchObject({ id: handle.id, traceId: handle.traceId, type: 'general', priority: 5, status: 'queued', attempts: 0, failedAgentIds: [] });
  expect(typeof queued.queuedAt).toBe('number');
  expect(queued.startedAt).toBeUndefined();
  expect(queued.finishedAt).toBeUndefined();
  expect(pool.getTask(blocker.id)).toMatchObject({ status: 'running', attempts: 1 });

  counters.openGate(0);
  await blocker.result;
  await counters.waitForStarted(1);
  const running = pool.getTask(handle.id);
  expect(running).toMatchObject({ status: 'running', attempts: 1 });
  expect(typeof running.startedAt).toBe('number');
  expect(running.finishedAt).toBeUndefined();

  counters.openGate(1);
  const value = await handle.result;
  const done = pool.getTask(handle.id);
  expect(done).toMatchObject({ status: 'completed', attempts: 1, agentId: value.agentId, failedAgentIds: [], error: undefined });
  expect(typeof done.startedAt).toBe('number');
  expect(typeof done.finishedAt).toBe('number');
  expect(typeof done.assignmentLatencyMs).toBe('number');
  expect(done.startedAt).toBeGreaterThanOrEqual(done.queuedAt);
  expect(done.finishedAt).toBeGreaterThanOrEqual(done.startedAt);
  expect(done.assignmentLatencyMs).toBeGreaterThanOrEqual(0);
  expect(pool.getTask(123_456)).toBeUndefined();
});

poolTest('unknown task type: submit throws UnknownTaskTypeError, run rejects with it', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const thrown = thrownBy(() => pool.submit({ op: 'echo' }, { type: 'no-such-type' }));
  expect(thrown).toBeInstanceOf(UnknownTaskTypeError);
  expect(thrown.code).toBe(ErrorCodes.UNKNOWN_TASK_TYPE);

  let promise;
  expect(() => {
    promise = pool.run({ op: 'echo' }, { type: 'no-such-type' });
  }).not.toThrow();
  const rejected = await rejectionOf(promise);
  expect(rejected).toBeInstanceOf(UnknownTaskTypeError);
  expect(rejected.code).toBe(ErrorCodes.UNKNOWN_TASK_TYPE);
  expect(pool.metrics().tasks.submitted).toBe(0);
});

poolTest('queue full: submit throws QueueFullError (429), run rejects with it', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, queueCapacity: 2, workerData: { counters: counters.sab } });
  const blocker = pool.submit({ op: 'echo', gate: 0, key: 0 });
  await counters.waitForStarted(0);
  const waiting = [pool.submit({ op: 'echo', value: 1 }), pool.submit({ op: 'echo', value: 2 })];
  expect(pool.metrics().queue.depth).toBe(2);

  const thrown = thrownBy(() => pool.submit({ op: 'echo', value: 3 }));
  expect(thrown).toBeInstanceOf(QueueFullError);
  expect(thrown).toMatchObject({ code: ErrorCodes.QUEUE_FULL, status: 429, depth: 2, capacity: 2 });
  expect(thrown.retryAfterMs).toBeGreaterThan(0);

  let promise;
  expect(() => {
    promise = pool.run({ op: 'echo', value: 4 });
  }).not.toThrow();
  const rejected = await rejectionOf(promise);
  expect(rejected).toBeInstanceOf(QueueFullError);
  expect(rejected).toMatchObject({ code: ErrorCodes.QUEUE_FULL, status: 429 });

  counters.openGate(0);
  await blocker.result;
  expect((await Promise.all(waiting.map((h) => h.result))).map((v) => v.value)).toEqual([1, 2]);
  expect(pool.metrics().tasks).toMatchObject({ submitted: 3, rejected: 2, completed: 3 });
});

poolTest('a payload larger than inlinePayloadBytes reaches the handler intact', async ({ usePool, counters }) => {
  let pool = await usePool({ size: 2, inlinePayloadBytes: 256, workerData: { counters: counters.sab } });
  const big = Array.from({ length: 2_000 }, (_, i) => `item-${i}`);
  const value = await pool.run({ op: 'echo', value: big });
  expect(value.value).toEqual(big);
  // And with the default slot size (4096 bytes).
  await pool.destroy();
  pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const text = 'p'.repeat(64 * 1024);
  expect((await pool.run({ op: 'echo', value: text })).value).toBe(text);
});

poolTest('a result larger than a ring slot comes back intact', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const value = await pool.run({ op: 'echo', value: 'small payload', resultBytes: 50_000 });
  expect(value.value).toBe('small payload');
  expect(value.pad).toBe('r'.repeat(50_000));
});

poolTest('a transfer list moves the ArrayBuffer: detached in the caller after dispatch, contents arrive', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const buffer = new ArrayBuffer(1_024);
  new Uint8Array(buffer).fill(9);
  const handle = pool.submit({ op: 'echo', value: buffer }, { transfer: [buffer] });
  const value = await handle.result;
  expect(buffer.byteLength).toBe(0); // detached: it was moved, not copied
  expect(value.value).toBeInstanceOf(ArrayBuffer);
  expect(value.value.byteLength).toBe(1_024);
  expect(new Uint8Array(value.value).every((b) => b === 9)).toBe(true);
  expect(pool.getTask(handle.id)).toMatchObject({ status: 'completed', attempts: 1 });
});

poolTest('withTransfer() in a handler sends buffers back', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const value = await pool.run({ op: 'transferOut', size: 100_000, fill: 5, value: 'out' });
  expect(value.value).toBe('out');
  expect(value.buffer).toBeInstanceOf(ArrayBuffer);
  expect(value.buffer.byteLength).toBe(100_000);
  expect(new Uint8Array(value.buffer).every((b) => b === 5)).toBe(true);
});

poolTest('an uncloneable payload: submit throws DataCloneError and nothing is accepted', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const thrown = thrownBy(() => pool.submit({ op: 'echo', value: () => 'functions do not clone' }));
  expect(thrown).toBeInstanceOf(DataCloneError);
  expect(thrown.code).toBe(ErrorCodes.DATA_CLONE);
  const rejected = await rejectionOf(pool.run({ op: 'echo', value: Symbol('nope') }));
  expect(rejected.code).toBe(ErrorCodes.DATA_CLONE);
  expect(pool.metrics().tasks.submitted).toBe(0);
  // The pool is unaffected.
  expect((await pool.run({ op: 'echo', value: 'still fine' })).value).toBe('still fine');
});

poolTest('an uncloneable result fails that task with cause ERR_DATA_CLONE; the agent keeps running', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
  const [before] = pool.listAgents();
  const handle = pool.submit({ op: 'returnUncloneable', key: 3 });
  const error = await rejectionOf(handle.result);
  expect(error).toBeInstanceOf(TaskFailedError);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  expect(error.cause.code).toBe(ErrorCodes.DATA_CLONE);
  expect(pool.getTask(handle.id)).toMatchObject({ status: 'failed', attempts: 1 });

  // Same agent, same incarnation, still serving.
  const value = await pool.run({ op: 'echo', value: 'after' });
  expect(value).toMatchObject({ value: 'after', agentId: before.agentId, generation: before.generation });
  const [after] = pool.listAgents();
  expect(after).toMatchObject({ agentId: before.agentId, generation: before.generation, threadId: before.threadId, restarts: 0 });
});
