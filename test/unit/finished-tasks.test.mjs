// What the task ledger keeps of settled tasks for getTask(): a snapshot per task,
// as it settled, for the most recent finishedTasksKept of them, oldest evicted first.
import { describe, expect, it } from 'vitest';
import { Handle } from '../../dist/src/tasks/task.js';
import { collectionWatcher, exposeGc } from '../helpers.mjs';
import { START_MS, setup } from './ledger-rig.mjs';

describe('TaskLedger: settled tasks kept for getTask()', () => {
  it('keeps nothing of a settled task that holds the caller\'s objects: signal, transfer list, flow inputs', async () => {
    const { ledger, makeTask } = setup();
    const watcher = collectionWatcher(exposeGc());
    // The caller: submits with its own objects and lets go of them (and of the task) when this returns.
    const caller = () => {
      const controller = new AbortController();
      const buffer = new ArrayBuffer(1_024);
      const inputs = { fetch: { rows: [1, 2, 3] } };
      for (const o of [controller.signal, buffer, inputs]) watcher.watch(o);
      const task = makeTask({ type: 'ingest', priority: 2, traceId: 'kept-1', signal: controller.signal, transfer: [buffer], flow: { id: 7, node: 'report', inputs } });
      ledger.admit(task);
      ledger.settle(task, { ok: true, value: 1 }, 'completed');
      return task.id;
    };
    const id = caller();
    expect(ledger.settledSnapshot(id)).toMatchObject({ id, type: 'ingest', priority: 2, traceId: 'kept-1', status: 'completed' });
    expect(await watcher.collect()).toBe(0);
  });

  it('keeps no reference to a settled task\'s result once the caller lets go', async () => {
    const { ledger, makeTask } = setup();
    const watcher = collectionWatcher(exposeGc());
    // The caller: submits, takes the handle, gets the result, and lets go of all three when this returns.
    const caller = async () => {
      const task = makeTask();
      ledger.admit(task);
      const handle = new Handle(task);
      const value = { rows: Array.from({ length: 1_000 }, (_, i) => i) };
      watcher.watch(value);
      ledger.settle(task, { ok: true, value }, 'completed');
      return [task.id, (await handle.result).rows.length];
    };
    const [id, rows] = await caller();
    expect(rows).toBe(1_000);
    expect(ledger.settledSnapshot(id)?.status).toBe('completed');
    expect(await watcher.collect()).toBe(0);
  });

  it('a settled task is shown as it settled: tries, agents, times, error, trace and parent', () => {
    const { ledger, admitNew, clock } = setup();
    const plain = admitNew({ type: 'ingest' });
    plain.parentId = 3;
    ledger.markStarted(plain, 4, 1, START_MS + 2);
    clock.advance(10);
    ledger.settle(plain, { ok: true, value: 1 }, 'completed');
    expect(ledger.get(plain.id)).toBeUndefined();
    expect(ledger.settledSnapshot(plain.id)).toEqual({
      id: plain.id, traceId: `pfx-${plain.id}`, type: 'ingest', priority: plain.options.priority, status: 'completed', attempts: 1, agentId: 4,
      failedAgentIds: [], queuedAt: START_MS, startedAt: START_MS + 2, finishedAt: START_MS + 10, assignmentLatencyMs: 2, error: undefined, parentId: 3,
    });
    const retried = admitNew({ traceId: 'caller-trace', priority: 9 });
    const error = new Error('second try failed too');
    ledger.occupy(retried, 0, 'queued');
    ledger.markStarted(retried, 1, 1, START_MS + 11);
    ledger.markTryFailed(retried, new Error('first'), START_MS + 12);
    ledger.occupy(retried, 1, 'queued');
    ledger.markStarted(retried, 2, 1, START_MS + 13);
    ledger.markTryFailed(retried, error, START_MS + 14);
    ledger.settle(retried, { ok: false, error }, 'failed');
    expect(ledger.settledSnapshot(retried.id)).toMatchObject({ traceId: 'caller-trace', priority: 9, status: 'failed', attempts: 2, agentId: 2, failedAgentIds: [1, 2], startedAt: START_MS + 13, error, parentId: undefined });
    const never = admitNew();
    ledger.settle(never, { ok: false, error: new Error('cancelled') }, 'cancelled');
    expect(ledger.settledSnapshot(never.id)).toMatchObject({ status: 'cancelled', attempts: 0, agentId: undefined, startedAt: undefined, assignmentLatencyMs: undefined });
  });

  it('finds every kept task when two kept ids share a slot of its id index', () => {
    // finishedTasksKept 3: an index of 16 slots, so ids 1 and 17 share one.
    const { ledger, admitNew } = setup({ finishedTasksKept: 3 });
    const tasks = Array.from({ length: 17 }, () => admitNew());
    for (const t of tasks.slice(1)) ledger.settle(t, { ok: true, value: t.id }, 'completed');
    ledger.settle(tasks[0], { ok: true, value: 1 }, 'completed');
    expect([1, 15, 16, 17].map((id) => ledger.settledSnapshot(id)?.id)).toEqual([1, undefined, 16, 17]);
  });

  it('keeps the newest finishedTasksKept settled tasks for getTask(), evicting the oldest first', () => {
    const { ledger, admitNew } = setup({ finishedTasksKept: 3 });
    const tasks = Array.from({ length: 10 }, () => admitNew());
    for (const t of tasks) ledger.settle(t, { ok: true, value: t.id }, 'completed');
    const kept = tasks.filter((t) => ledger.settledSnapshot(t.id) !== undefined).map((t) => t.id);
    expect(kept).toEqual(tasks.slice(-3).map((t) => t.id));
  });

  it('newest means most recently settled, not highest id', () => {
    const { ledger, admitNew } = setup({ finishedTasksKept: 2 });
    const [a, b, c] = [admitNew(), admitNew(), admitNew()];
    ledger.settle(c, { ok: true, value: 1 }, 'completed');
    ledger.settle(a, { ok: true, value: 1 }, 'completed');
    ledger.settle(b, { ok: true, value: 1 }, 'completed');
    expect(ledger.settledSnapshot(c.id)).toBeUndefined();
    expect(ledger.settledSnapshot(a.id)?.id).toBe(a.id);
    expect(ledger.settledSnapshot(b.id)?.id).toBe(b.id);
  });

  it('pending tasks are never evicted, however many others settle', () => {
    const { ledger, admitNew } = setup({ finishedTasksKept: 1 });
    const waiting = admitNew();
    for (let i = 0; i < 5; i++) ledger.settle(admitNew(), { ok: true, value: i }, 'completed');
    expect(ledger.get(waiting.id)).toBe(waiting);
    expect(ledger.pendingCount).toBe(1);
  });

  it('failed and cancelled tasks count toward the same limit', () => {
    const { ledger, admitNew } = setup({ finishedTasksKept: 2 });
    const a = admitNew();
    const b = admitNew();
    const c = admitNew();
    ledger.settle(a, { ok: false, error: new Error('a') }, 'failed');
    ledger.settle(b, { ok: false, error: new Error('b') }, 'cancelled');
    ledger.settle(c, { ok: true, value: 1 }, 'completed');
    expect([a, b, c].map((t) => ledger.settledSnapshot(t.id)?.status)).toEqual([undefined, 'cancelled', 'completed']);
  });

  it('finishedTasksKept of 0 keeps no settled task, while pending ones stay findable', () => {
    const { ledger, admitNew } = setup({ finishedTasksKept: 0 });
    const a = admitNew();
    const b = admitNew();
    const waiting = admitNew();
    ledger.settle(a, { ok: true, value: 1 }, 'completed');
    expect(ledger.settledSnapshot(a.id)).toBeUndefined();
    ledger.settle(b, { ok: false, error: new Error('b') }, 'failed');
    expect(ledger.settledSnapshot(b.id)).toBeUndefined();
    expect(ledger.get(waiting.id)).toBe(waiting);
  });

  it('finishedTasksKept of 1 keeps only the last settled task', () => {
    const { ledger, admitNew } = setup({ finishedTasksKept: 1 });
    const a = admitNew();
    const b = admitNew();
    ledger.settle(a, { ok: true, value: 1 }, 'completed');
    expect(ledger.settledSnapshot(a.id)?.id).toBe(a.id);
    ledger.settle(b, { ok: true, value: 1 }, 'completed');
    expect(ledger.settledSnapshot(a.id)).toBeUndefined();
    expect(ledger.settledSnapshot(b.id)?.id).toBe(b.id);
  });

  it('without finishedTasksKept the default of 10 000 applies', () => {
    const { ledger, admitNew } = setup();
    const first = admitNew();
    ledger.settle(first, { ok: true, value: 0 }, 'completed');
    for (let i = 0; i < 9_999; i++) ledger.settle(admitNew(), { ok: true, value: i }, 'completed');
    expect(ledger.settledSnapshot(first.id)?.id).toBe(first.id);
    ledger.settle(admitNew(), { ok: true, value: 'one more' }, 'completed');
    expect(ledger.settledSnapshot(first.id)).toBeUndefined();
  });
});
