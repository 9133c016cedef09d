// The task ledger's settle(): exactly once, the promise and the observers, what a settled task
// lets go of (payload, timers, abort cleanup), events, and listeners that throw.
import { describe, expect, it, vi } from 'vitest';
import { SNAPSHOT_KEYS, START_MS, resultOf, setup, state } from './ledger-rig.mjs';

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
