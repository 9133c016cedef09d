// The task ledger, the one owner of task state, with a fake slot table, a manual clock and a real bus:
// admission, slot occupancy and release, counting tries, transitions (settling: ledger-settle.test.mjs;
// what it keeps of settled tasks: finished-tasks.test.mjs).
import { describe, expect, it, vi } from 'vitest';
import { IllegalTransitionError } from '../../dist/src/tasks/ledger.js';
import { START_MS, resultOf, setup, state } from './ledger-rig.mjs';

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
