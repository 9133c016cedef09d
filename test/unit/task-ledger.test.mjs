// The task ledger, the one owner of task state, with a fake slot table, a manual clock and a real bus:
// admission, slot occupancy and release, counting tries, settling exactly once (what it keeps of
// settled tasks: finished-tasks.test.mjs).
import { describe, expect, it, vi } from 'vitest';
import { IllegalTransitionError } from '../../dist/src/tasks/ledger.js';
import { SNAPSHOT_KEYS, START_MS, resultOf, setup, state } from './ledger-rig.mjs';

describe('TaskLedger admission', () => {
  it('admit adds the task to the pending set, get finds it, pendingCount counts it', () => {
    const { ledger, admitNew } = setup();
    expect(ledger.pendingCount).toBe(0);
    const a = admitNew();
    const b = admitNew();
    expect(ledger.pendingCount).toBe(2);
    expect(ledger.get(a.id)).toBe(a);
    expect(ledger.get(b.id)).toBe(b);
    expect([...ledger.pending()]).toEqual([a, b]);
  });

  it('get of an id never admitted is undefined', () => {
    const { ledger, admitNew } = setup();
    admitNew();
    expect(ledger.get(999)).toBeUndefined();
  });

  it('observers are told of each admission with the pending count after it', () => {
    const { admitNew, admitted } = setup();
    const a = admitNew();
    const b = admitNew();
    expect(admitted).toEqual([{ id: a.id, pendingCount: 1 }, { id: b.id, pendingCount: 2 }]);
  });

  it('an observer without onAdmitted is fine: only onSettled is required', () => {
    const onSettled = vi.fn();
    const { admitNew, ledger } = setup({ observers: [{ onSettled }] });
    const t = admitNew();
    expect(ledger.settle(t, { ok: true, value: 1 }, 'completed')).toBe(true);
    expect(onSettled).toHaveBeenCalledTimes(1);
  });

  it('a new task starts queued, without a slot, placement 0 and no tries', () => {
    const { admitNew } = setup();
    const t = admitNew({ type: 'scan' });
    expect(t.phase).toBe('queued');
    expect(t.slot).toBeUndefined();
    expect(t.placement).toBe(0);
    expect(t.attempts.started).toBe(0);
    expect(t.settled).toBe(false);
    expect(t.type).toBe('scan');
    expect(t.agentId).toBeUndefined();
    expect(t.startedAt).toBeUndefined();
  });

  it('the trace id is the caller’s when given, else <prefix>-<id>', () => {
    const { admitNew } = setup();
    expect(admitNew({ traceId: 'given' }).traceId).toBe('given');
    const t = admitNew();
    expect(t.traceId).toBe(`pfx-${t.id}`);
  });
});

describe('TaskLedger slots', () => {
  it('occupy puts the task in the slot, moves it, and counts a new placement each time', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.occupy(t, 4, 'queued');
    expect(t.slot).toBe(4);
    expect(t.phase).toBe('queued');
    expect(t.placement).toBe(1);
    expect(ledger.inSlot(4)).toBe(t);
    ledger.releaseSlot(t);
    ledger.occupy(t, 6, 'placed');
    expect(t.phase).toBe('placed');
    expect(t.placement).toBe(2);
    expect(ledger.inSlot(6)).toBe(t);
  });

  it('occupied lists every occupied slot with its task', () => {
    const { ledger, admitNew } = setup();
    const a = admitNew();
    const b = admitNew();
    ledger.occupy(a, 1, 'queued');
    ledger.occupy(b, 7, 'placed');
    expect(new Map(ledger.occupied())).toEqual(new Map([[1, a], [7, b]]));
  });

  it('inSlot of a slot nobody occupies is undefined', () => {
    const { ledger } = setup();
    expect(ledger.inSlot(0)).toBeUndefined();
  });

  it('releaseSlot frees the slot exactly once, however often it is called', () => {
    const { ledger, admitNew, released } = setup();
    const t = admitNew();
    ledger.occupy(t, 3, 'queued');
    ledger.releaseSlot(t);
    ledger.releaseSlot(t);
    ledger.releaseSlot(t, true);
    expect(released).toEqual([3]);
    expect(t.slot).toBeUndefined();
    expect(ledger.inSlot(3)).toBeUndefined();
    expect([...ledger.occupied()]).toEqual([]);
  });

  it('releaseSlot of a task that never had a slot frees nothing', () => {
    const { ledger, admitNew, released } = setup();
    ledger.releaseSlot(admitNew());
    expect(released).toEqual([]);
  });

  it('a quarantined slot is forgotten by the ledger but never handed back to the slot table', () => {
    const { ledger, admitNew, released } = setup();
    const t = admitNew();
    ledger.occupy(t, 5, 'placed');
    ledger.releaseSlot(t, true);
    expect(released).toEqual([]);
    expect(t.slot).toBeUndefined();
    expect(ledger.inSlot(5)).toBeUndefined();
    // And a later plain release does not free it either: the task no longer holds it.
    ledger.releaseSlot(t);
    expect(released).toEqual([]);
  });

  it('a slot re-occupied by another task stays that task’s in the ledger when the old task lets go', () => {
    const { ledger, admitNew, released } = setup();
    const old = admitNew();
    const next = admitNew();
    ledger.occupy(old, 2, 'queued');
    ledger.occupy(next, 2, 'placed');
    ledger.releaseSlot(old);
    expect(old.slot).toBeUndefined();
    expect(ledger.inSlot(2)).toBe(next);
    expect(next.slot).toBe(2);
    released.length = 0;
    ledger.releaseSlot(next);
    expect(released).toEqual([2]);
    expect(ledger.inSlot(2)).toBeUndefined();
  });

  it('a slot re-occupied by another task is not handed back to the slot table by the old task', () => {
    const { ledger, admitNew, released } = setup();
    const old = admitNew();
    const next = admitNew();
    ledger.occupy(old, 2, 'queued');
    ledger.occupy(next, 2, 'placed');
    ledger.releaseSlot(old);
    // Freeing slot 2 here would let the slot table allocate it again while `next` is still in it.
    expect(released).toEqual([]);
  });

  it('settle does not release the slot: a running task keeps it until its agent lets go', () => {
    const { ledger, admitNew, released } = setup();
    const t = admitNew();
    ledger.occupy(t, 9, 'placed');
    ledger.markStarted(t, 1, 1, START_MS + 1);
    ledger.settle(t, { ok: false, error: new Error('cancelled') }, 'cancelled');
    expect(released).toEqual([]);
    expect(ledger.inSlot(9)).toBe(t);
    ledger.releaseSlot(t);
    expect(released).toEqual([9]);
  });
});

describe('TaskLedger tries', () => {
  it('markStarted moves the task to running and counts the placement once however often it is seen', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.occupy(t, 0, 'placed');
    ledger.markStarted(t, 3, 1, START_MS + 5);
    ledger.markStarted(t, 3, 1, START_MS + 5);
    ledger.markStarted(t, 3, 1, START_MS + 9);
    expect(t.phase).toBe('running');
    expect(t.attempts.started).toBe(1);
    expect(t.agentId).toBe(3);
    expect(t.startedAt).toBe(START_MS + 5);
  });

  it('a new placement counts a new try, on whichever agent runs it', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.occupy(t, 0, 'placed');
    ledger.markStarted(t, 3, 1, START_MS + 5);
    ledger.releaseSlot(t);
    ledger.occupy(t, 1, 'queued');
    ledger.markStarted(t, 4, 2, START_MS + 20);
    ledger.markStarted(t, 4, 2, START_MS + 20);
    expect(t.attempts.started).toBe(2);
    expect(t.attempts.lastStarted()).toMatchObject({ attempt: 2, agentId: 4, generation: 2, placement: 2, startedAt: START_MS + 20 });
    expect(t.agentId).toBe(4);
  });

  it('a task picked straight from the ring moves queued -> running', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.occupy(t, 0, 'queued');
    ledger.markStarted(t, 1, 1, START_MS);
    expect(t.phase).toBe('running');
  });

  it('assignment latency is measured from queuedAt to the first start only, never negative', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.occupy(t, 0, 'placed');
    ledger.markStarted(t, 1, 1, START_MS + 40);
    expect(t.assignmentLatencyMs).toBe(40);
    ledger.releaseSlot(t);
    ledger.occupy(t, 0, 'queued');
    ledger.markStarted(t, 2, 1, START_MS + 500);
    expect(t.assignmentLatencyMs).toBe(40);

    const early = admitNew();
    ledger.occupy(early, 1, 'placed');
    ledger.markStarted(early, 1, 1, START_MS - 3);
    expect(early.assignmentLatencyMs).toBe(0);
  });

  it('markStarted on a settled task changes nothing', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.settle(t, { ok: false, error: new Error('gone') }, 'cancelled');
    ledger.markStarted(t, 1, 1, START_MS);
    expect(t.phase).toBe('cancelled');
    expect(t.attempts.started).toBe(0);
  });

  it('markTryFailed records the error and finish time on the current try', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.occupy(t, 0, 'placed');
    ledger.markStarted(t, 2, 7, START_MS + 1);
    const error = new Error('boom');
    ledger.markTryFailed(t, error, START_MS + 30);
    expect(t.attempts.lastStarted()).toMatchObject({ error, finishedAt: START_MS + 30 });
    expect(t.attempts.lastError()).toBe(error);
    expect(t.attempts.failures()).toEqual([{ attempt: 1, agentId: 2, generation: 7, error, startedAt: START_MS + 1, finishedAt: START_MS + 30 }]);
  });

  it('markTryFailed with no try started for the current placement records nothing', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.occupy(t, 0, 'placed');
    ledger.markTryFailed(t, new Error('never ran'), START_MS);
    expect(t.attempts.started).toBe(0);
    expect(t.attempts.failedAgentIds()).toEqual([]);

    // A previous placement's try is not blamed for a failure of the new, unstarted one.
    ledger.markStarted(t, 1, 1, START_MS);
    ledger.releaseSlot(t);
    ledger.occupy(t, 0, 'queued');
    ledger.markTryFailed(t, new Error('not started either'), START_MS + 1);
    expect(t.attempts.lastStarted().error).toBeUndefined();
  });

  it('failedAgentIds and failedIncarnations are derived from the failed tries in the log', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    const run = (slot, agentId, generation, fail) => {
      ledger.occupy(t, slot, 'queued');
      ledger.markStarted(t, agentId, generation, START_MS);
      if (fail) ledger.markTryFailed(t, new Error(`on ${agentId}:${generation}`), START_MS + 1);
      ledger.releaseSlot(t);
    };
    run(0, 1, 1, true);
    run(0, 2, 1, false); // started, not failed (e.g. still running when cancelled)
    run(0, 1, 2, true);
    run(0, 3, 1, true);
    run(0, 1, 2, true); // the same incarnation again: listed once as an incarnation, twice as an agent
    expect(t.attempts.started).toBe(5);
    expect(t.attempts.failedAgentIds()).toEqual([1, 1, 3, 1]);
    expect(t.attempts.failedIncarnations()).toEqual(new Set(['1:1', '1:2', '3:1']));
    expect(t.attempts.failures().map((f) => f.attempt)).toEqual([1, 3, 4, 5]);
  });
});

describe('TaskLedger settle', () => {
  it('settles exactly once: the second call returns false and changes nothing', async () => {
    const { ledger, admitNew, clock } = setup();
    const t = admitNew();
    expect(ledger.settle(t, { ok: true, value: 'first' }, 'completed')).toBe(true);
    const finishedAt = t.finishedAt;
    clock.advance(100);
    expect(ledger.settle(t, { ok: true, value: 'second' }, 'completed')).toBe(false);
    expect(ledger.settle(t, { ok: false, error: new Error('late') }, 'failed')).toBe(false);
    expect(t.phase).toBe('completed');
    expect(t.finishedAt).toBe(finishedAt);
    expect(t.error).toBeUndefined();
    await expect(resultOf(t)).resolves.toBe('first');
  });

  it('a success resolves the promise with the value; the task is kept for get() and leaves pending', async () => {
    const { ledger, admitNew, clock } = setup();
    const t = admitNew();
    clock.advance(25);
    ledger.settle(t, { ok: true, value: { answer: 42 } }, 'completed');
    await expect(resultOf(t)).resolves.toEqual({ answer: 42 });
    expect(t.settled).toBe(true);
    expect(t.finishedAt).toBe(START_MS + 25);
    expect(ledger.pendingCount).toBe(0);
    expect([...ledger.pending()]).toEqual([]);
    expect(ledger.get(t.id)).toBeUndefined();
    expect(ledger.settledSnapshot(t.id)).toMatchObject({ id: t.id, status: 'completed', finishedAt: START_MS + 25 });
  });

  it('a settled task drops its payload: what get() keeps is metadata only', () => {
    const { ledger, admitNew } = setup();
    for (const [phase, outcome] of [['completed', { ok: true, value: 1 }], ['failed', { ok: false, error: new Error('f') }], ['cancelled', { ok: false, error: new Error('c') }]]) {
      const t = admitNew({}, { big: 'x'.repeat(10_000) });
      expect(t.payload.bytes.length).toBeGreaterThan(10_000);
      ledger.settle(t, outcome, phase);
      expect(t.payload, phase).toEqual({ kind: 'bytes', bytes: new Uint8Array(0), withTrace: false });
      expect(Object.isFrozen(t.payload)).toBe(true);
      expect(Object.keys(ledger.settledSnapshot(t.id)).sort(), phase).toEqual(SNAPSHOT_KEYS);
    }
  });

  it('a pending task keeps its payload as admitted', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew({}, { n: 5 });
    const payload = t.payload;
    ledger.occupy(t, 0, 'placed');
    ledger.markStarted(t, 1, 1, START_MS);
    expect(t.payload).toBe(payload);
  });

  it('a failure rejects the promise once with the error and records it on the task', async () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    const error = new Error('failed for good');
    ledger.settle(t, { ok: false, error }, 'failed');
    ledger.settle(t, { ok: false, error: new Error('other') }, 'failed');
    ledger.settle(t, { ok: true, value: 1 }, 'completed');
    await expect(resultOf(t)).rejects.toBe(error);
    expect(t.error).toBe(error);
    expect(t.phase).toBe('failed');
  });

  it('a rejected task that nobody awaits does not surface as an unhandled rejection', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const { ledger, admitNew } = setup();
      ledger.settle(admitNew(), { ok: false, error: new Error('ignored') }, 'failed');
      // Unhandled rejections are reported after the microtask queue drains; one macrotask turn covers it.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('observers hear of each settlement once, with the phase and the pending count after it', () => {
    const { ledger, admitNew, settled } = setup();
    const a = admitNew();
    const b = admitNew();
    const c = admitNew();
    ledger.settle(b, { ok: true, value: 1 }, 'completed');
    ledger.settle(b, { ok: true, value: 1 }, 'completed');
    ledger.settle(a, { ok: false, error: new Error('x') }, 'failed');
    ledger.settle(c, { ok: false, error: new Error('y') }, 'cancelled');
    ledger.settle(c, { ok: false, error: new Error('y') }, 'cancelled');
    expect(settled).toEqual([
      { id: b.id, phase: 'completed', pendingCount: 2 },
      { id: a.id, phase: 'failed', pendingCount: 1 },
      { id: c.id, phase: 'cancelled', pendingCount: 0 },
    ]);
  });

  it('the promise is already settled when observers are told', async () => {
    let seenState;
    const { ledger, admitNew } = setup({ observers: [{ onSettled(task) { seenState = state(resultOf(task)); } }] });
    const t = admitNew();
    ledger.settle(t, { ok: true, value: 1 }, 'completed');
    expect(await seenState).toBe('fulfilled');
  });

  it('the abort cleanup runs once, on settle, and is dropped', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    const cleanup = vi.fn();
    t.cleanup = cleanup;
    ledger.settle(t, { ok: false, error: new Error('aborted') }, 'cancelled');
    ledger.settle(t, { ok: false, error: new Error('aborted') }, 'cancelled');
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(t.cleanup).toBeUndefined();
  });

  it('the deadline timer is cleared on settle: the manual clock has nothing armed and it never fires', () => {
    const { ledger, admitNew, clock } = setup();
    const t = admitNew();
    const fired = vi.fn();
    t.deadlineTimer = clock.setTimeout(fired, 50);
    expect(clock.pending).toBe(1);
    ledger.settle(t, { ok: true, value: 1 }, 'completed');
    expect(clock.pending).toBe(0);
    expect(t.deadlineTimer).toBeUndefined();
    clock.advance(1_000);
    expect(fired).not.toHaveBeenCalled();
  });

  it('settle leaves timers that are not the task’s deadline alone', () => {
    const { ledger, admitNew, clock } = setup();
    const t = admitNew();
    const other = vi.fn();
    clock.setTimeout(other, 10);
    t.deadlineTimer = clock.setTimeout(() => {}, 10);
    ledger.settle(t, { ok: true, value: 1 }, 'completed');
    expect(clock.pending).toBe(1);
    clock.advance(10);
    expect(other).toHaveBeenCalledTimes(1);
  });

  it('the current try gets the settle time as its finish, unless it already has one', () => {
    const { ledger, admitNew, clock } = setup();
    const open = admitNew();
    ledger.occupy(open, 0, 'placed');
    ledger.markStarted(open, 1, 1, START_MS);
    clock.advance(70);
    ledger.settle(open, { ok: false, error: new Error('cancel') }, 'cancelled');
    expect(open.attempts.lastStarted().finishedAt).toBe(START_MS + 70);

    const failed = admitNew();
    ledger.occupy(failed, 1, 'placed');
    ledger.markStarted(failed, 1, 1, START_MS + 70);
    ledger.markTryFailed(failed, new Error('x'), START_MS + 75);
    clock.advance(30);
    ledger.settle(failed, { ok: false, error: new Error('x') }, 'failed');
    expect(failed.attempts.lastStarted().finishedAt).toBe(START_MS + 75);
  });

  it('taskCompleted carries the task ref, agent, attempt, run time and assignment latency', () => {
    const { ledger, admitNew, bus, clock } = setup();
    const events = [];
    bus.on('taskCompleted', (e) => events.push(e));
    const t = admitNew({ type: 'scan', traceId: 'tr-1' });
    ledger.occupy(t, 0, 'placed');
    ledger.markStarted(t, 5, 2, START_MS + 10);
    clock.advance(110);
    ledger.settle(t, { ok: true, value: 1 }, 'completed');
    expect(events).toEqual([{ taskId: t.id, traceId: 'tr-1', type: 'scan', agentId: 5, attempt: 1, runMs: 100, assignmentLatencyMs: 10 }]);
  });

  it('taskCompleted for a task never seen starting reports agent -1, no attempt and zero times', () => {
    const { ledger, admitNew, bus, clock } = setup();
    const events = [];
    bus.on('taskCompleted', (e) => events.push(e));
    const t = admitNew();
    clock.advance(5);
    ledger.settle(t, { ok: true, value: 1 }, 'completed');
    expect(events).toEqual([{ taskId: t.id, traceId: `pfx-${t.id}`, type: 'general', agentId: -1, attempt: 0, runMs: 0, assignmentLatencyMs: 0 }]);
  });

  it('taskFailed carries the agent of the last try, the attempt count and the error', () => {
    const { ledger, admitNew, bus } = setup();
    const events = [];
    bus.on('taskFailed', (e) => events.push(e));
    const t = admitNew({ type: 'scan' });
    for (const agentId of [1, 2]) {
      ledger.occupy(t, 0, 'queued');
      ledger.markStarted(t, agentId, 1, START_MS);
      ledger.markTryFailed(t, new Error(`on ${agentId}`), START_MS + 1);
      ledger.releaseSlot(t);
    }
    const error = new Error('final');
    ledger.settle(t, { ok: false, error }, 'failed');
    expect(events).toEqual([{ taskId: t.id, traceId: `pfx-${t.id}`, type: 'scan', agentId: 2, attempt: 2, error, attempts: 2 }]);
  });

  it('taskFailed for a task that never started has no agent and attempt 0', () => {
    const { ledger, admitNew, bus } = setup();
    const events = [];
    bus.on('taskFailed', (e) => events.push(e));
    const t = admitNew();
    const error = new Error('no agent handles it');
    ledger.settle(t, { ok: false, error }, 'failed');
    expect(events).toEqual([{ taskId: t.id, traceId: `pfx-${t.id}`, type: 'general', agentId: undefined, attempt: 0, error, attempts: 0 }]);
  });

  it('taskCancelled carries the reason, which is the cause of the cancellation error', () => {
    const { ledger, admitNew, bus } = setup();
    const events = [];
    bus.on('taskCancelled', (e) => events.push(e));
    const t = admitNew({ traceId: 'tr-c' });
    const reason = { why: 'user pressed stop' };
    ledger.settle(t, { ok: false, error: new Error('The task was aborted', { cause: reason }) }, 'cancelled');
    expect(events).toEqual([{ taskId: t.id, traceId: 'tr-c', type: 'general', reason }]);
  });

  it('exactly one event per settlement, of the settled phase only', () => {
    const { ledger, admitNew, bus } = setup();
    const seen = [];
    for (const name of ['taskCompleted', 'taskFailed', 'taskCancelled']) bus.on(name, (e) => seen.push([name, e.taskId]));
    const a = admitNew();
    const b = admitNew();
    const c = admitNew();
    for (let i = 0; i < 2; i++) {
      ledger.settle(a, { ok: true, value: 1 }, 'completed');
      ledger.settle(b, { ok: false, error: new Error('b') }, 'failed');
      ledger.settle(c, { ok: false, error: new Error('c') }, 'cancelled');
    }
    expect(seen).toEqual([['taskCompleted', a.id], ['taskFailed', b.id], ['taskCancelled', c.id]]);
  });

  it('no event is built or emitted when nobody listens', () => {
    const { ledger, admitNew, bus } = setup();
    const emit = vi.spyOn(bus, 'emit');
    const t = admitNew();
    // Reading the trace id would build it: an unheard settle must not touch it either.
    const traceId = vi.spyOn(t, 'traceId', 'get');
    ledger.settle(t, { ok: true, value: 1 }, 'completed');
    ledger.settle(admitNew(), { ok: false, error: new Error('f') }, 'failed');
    ledger.settle(admitNew(), { ok: false, error: new Error('c') }, 'cancelled');
    expect(emit).not.toHaveBeenCalled();
    expect(traceId).not.toHaveBeenCalled();
  });

  it('an event goes out only for the names a subscriber wants', () => {
    const { ledger, admitNew, bus } = setup();
    const delivered = [];
    bus.subscribe({ wants: (name) => name === 'taskFailed', deliver: (name, payload) => delivered.push([name, payload.taskId]) });
    const emit = vi.spyOn(bus, 'emit');
    ledger.settle(admitNew(), { ok: true, value: 1 }, 'completed');
    const failed = admitNew();
    ledger.settle(failed, { ok: false, error: new Error('f') }, 'failed');
    expect(emit).toHaveBeenCalledTimes(1);
    expect(delivered).toEqual([['taskFailed', failed.id]]);
  });

  it('a listener that throws does not stop the settlement', async () => {
    const { ledger, admitNew, bus, settled } = setup();
    const warned = new Promise((resolve) => process.once('warning', resolve));
    bus.on('taskCompleted', () => { throw new Error('listener bug'); });
    const t = admitNew();
    expect(ledger.settle(t, { ok: true, value: 'v' }, 'completed')).toBe(true);
    await expect(resultOf(t)).resolves.toBe('v');
    expect(settled).toHaveLength(1);
    expect((await warned).code).toBe('ERR_LISTENER_THREW');
  });

  it('settle does not throw when a listener throws an error whose stack cannot be read', async () => {
    const { ledger, admitNew, bus } = setup();
    const hostile = new Error('unreadable');
    Object.defineProperty(hostile, 'stack', { get() { throw new Error('stack getter'); } });
    const later = vi.fn();
    bus.on('taskCompleted', () => { throw hostile; });
    bus.on('taskCompleted', later);
    const t = admitNew();
    expect(() => ledger.settle(t, { ok: true, value: 1 }, 'completed')).not.toThrow();
    expect(later).toHaveBeenCalledTimes(1);
    await expect(resultOf(t)).resolves.toBe(1);
  });
});

describe('TaskLedger transitions', () => {
  it('moving a settled task back to queued throws IllegalTransitionError naming the task and both phases', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.settle(t, { ok: true, value: 1 }, 'completed');
    let thrown;
    try {
      ledger.move(t, 'queued');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IllegalTransitionError);
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({ taskId: t.id, from: 'completed', to: 'queued' });
    expect(thrown.message).toBe(`task ${t.id} cannot move from completed to queued`);
    expect(t.phase).toBe('completed');
  });

  it('occupying a slot with a settled task is refused before the slot is taken', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.settle(t, { ok: false, error: new Error('x') }, 'cancelled');
    expect(() => ledger.occupy(t, 3, 'queued')).toThrow(IllegalTransitionError);
    expect(ledger.inSlot(3)).toBeUndefined();
    expect(t.slot).toBeUndefined();
    expect(t.placement).toBe(0);
  });

  it('a held task cannot be started: markStarted throws and counts no try', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.move(t, 'held');
    expect(() => ledger.markStarted(t, 1, 1, START_MS)).toThrow(IllegalTransitionError);
    expect(t.phase).toBe('held');
    expect(t.attempts.started).toBe(0);
  });

  it('settling a held task as completed is refused and leaves the task pending and its promise open', async () => {
    const { ledger, admitNew, settled } = setup();
    const t = admitNew();
    ledger.move(t, 'held');
    expect(() => ledger.settle(t, { ok: true, value: 1 }, 'completed')).toThrow(IllegalTransitionError);
    expect(t.phase).toBe('held');
    expect(ledger.pendingCount).toBe(1);
    expect(settled).toEqual([]);
    expect(await state(resultOf(t))).toBe('pending');
    // It can still fail properly.
    expect(ledger.settle(t, { ok: false, error: new Error('down') }, 'failed')).toBe(true);
  });

  it('a move to the phase the task is already in is a no-op, even for a terminal phase', () => {
    const { ledger, admitNew } = setup();
    const t = admitNew();
    ledger.settle(t, { ok: true, value: 1 }, 'completed');
    expect(() => ledger.move(t, 'completed')).not.toThrow();
    expect(t.phase).toBe('completed');
  });
});
