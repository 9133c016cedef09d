/**
 * Waiters: the promises behind pool.onIdle() and pool.onSizeLessThan(n).
 * Whether a promise is still pending is read from a flag after the microtask
 * queue and one event-loop turn have run, not after a sleep.
 */
import { describe, expect, it } from 'vitest';
import { Waiters } from '../../dist/src/coordinator/waiters.js';

/** Tracks whether `promise` has resolved. */
function flagged(promise) {
  const state = { resolved: false };
  state.done = promise.then(() => {
    state.resolved = true;
  });
  return state;
}

/** Lets every queued microtask and one macrotask turn run. */
const settleTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('Waiters.whenIdle', () => {
  it('resolves at once when nothing is pending', async () => {
    const w = flagged(new Waiters().whenIdle(0));
    await settleTurn();
    expect(w.resolved).toBe(true);
  });

  it('waits for notifyIdle when work is pending, then resolves every waiter', async () => {
    const waiters = new Waiters();
    const a = flagged(waiters.whenIdle(2));
    const b = flagged(waiters.whenIdle(1));
    await settleTurn();
    expect([a.resolved, b.resolved]).toEqual([false, false]);
    waiters.notifyIdle();
    await settleTurn();
    expect([a.resolved, b.resolved]).toEqual([true, true]);
  });

  it('a waiter added after notifyIdle waits for the next one', async () => {
    const waiters = new Waiters();
    waiters.notifyIdle();
    const late = flagged(waiters.whenIdle(1));
    await settleTurn();
    expect(late.resolved).toBe(false);
    waiters.notifyIdle();
    await late.done;
    expect(late.resolved).toBe(true);
  });
});

describe('Waiters.whenSizeBelow', () => {
  it('resolves at once when the depth is already below n', async () => {
    const w = flagged(new Waiters().whenSizeBelow(3, 2));
    await settleTurn();
    expect(w.resolved).toBe(true);
  });

  it('a depth equal to n is not below it: waits until checkSize sees fewer', async () => {
    const waiters = new Waiters();
    const w = flagged(waiters.whenSizeBelow(3, 3));
    await settleTurn();
    expect(w.resolved).toBe(false);
    waiters.checkSize(5);
    waiters.checkSize(3);
    await settleTurn();
    expect(w.resolved).toBe(false);
    waiters.checkSize(2);
    await settleTurn();
    expect(w.resolved).toBe(true);
  });

  it('resolves only the waiters whose bound the new depth is under', async () => {
    const waiters = new Waiters();
    const below5 = flagged(waiters.whenSizeBelow(5, 9));
    const below2 = flagged(waiters.whenSizeBelow(2, 9));
    const below8 = flagged(waiters.whenSizeBelow(8, 9));
    waiters.checkSize(4);
    await settleTurn();
    expect([below5.resolved, below2.resolved, below8.resolved]).toEqual([true, false, true]);
    waiters.checkSize(1);
    await settleTurn();
    expect(below2.resolved).toBe(true);
  });

  it('a resolved waiter is not kept: checkSize with nobody waiting is a no-op', async () => {
    const waiters = new Waiters();
    const w = flagged(waiters.whenSizeBelow(2, 4));
    waiters.checkSize(0);
    waiters.checkSize(0);
    await w.done;
    expect(w.resolved).toBe(true);
    expect(() => waiters.checkSize(10)).not.toThrow();
  });
});
