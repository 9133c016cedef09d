/**
 * `close({ drain: false })` and `destroy()` are called with work running and
 * queued. Expected: queued work rejects PoolClosedError (close without
 * drain lets running work finish; destroy rejects it too); no promise is left
 * pending; no handles are left open (process.getActiveResourcesInfo()).
 */
import { expect, vi } from 'vitest';
import { ErrorCodes, PoolClosedError, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, WAIT_MS, activeResources, collectionWatcher, exposeGc, rejectionOf, resourcesLeftOver, settleTracker, thrownBy, withTimeout } from '../helpers.mjs';

const QUEUED = 5;
const gc = exposeGc();

/**
 * Runs `scenario` (which stops a pool), then checks what getActiveResourcesInfo()
 * cannot see (it leaves out unref'd timers and intervals): once the test lets go
 * of the stopped pool, nothing else keeps it alive (the usePool fixture holds its
 * pools only through WeakRefs). The scenario runs in its own
 * function so that none of its locals outlive it: a rejection error still held
 * would keep the pool through its not yet formatted stack frames (V8 keeps each
 * frame's receiver until `.stack` is read), which is the test's doing, not the pool's.
 */
async function expectStoppedPoolCollectable(scenario) {
  const watcher = collectionWatcher(gc);
  await scenario(watcher);
  expect(await watcher.collect(), 'the stopped pool is still reachable').toBe(0);
}

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('close({ drain: false }): queued work rejects PoolClosedError, running work finishes, nothing left open', ({ usePool, counters }) =>
  expectStoppedPoolCollectable(async (watcher) => {
    const baseline = activeResources();
    const pool = await usePool({ size: 1, workerData: { counters: counters.sab } });
    const tracker = settleTracker(pool, PoolEvents);
    const running = tracker.track(pool.submit({ op: 'echo', gate: 0, key: 0, value: 'ran' }));
    await counters.waitForStarted(0);
    const queued = [];
    for (let key = 1; key <= QUEUED; key++) queued.push(tracker.track(pool.submit({ op: 'echo', key, value: key })));

    let closed = false;
    const closing = pool.close({ drain: false }).then(() => {
      closed = true;
    });
    for (const handle of queued) {
      const error = await withTimeout(rejectionOf(handle.result), WAIT_MS, `queued task ${handle.id} to reject`);
      expect(error).toBeInstanceOf(PoolClosedError);
      expect(error.code).toBe(ErrorCodes.POOL_CLOSED);
    }
    expect(closed).toBe(false); // the running task is still held on its gate
    expect(thrownBy(() => pool.submit({ op: 'echo' })).code).toBe(ErrorCodes.POOL_CLOSED);

    counters.openGate(0);
    expect(await running.result).toMatchObject({ value: 'ran' });
    await closing;
    await tracker.allSettled();
    expect(tracker.check()).toEqual([]);
    for (let key = 1; key <= QUEUED; key++) expect(counters.started(key)).toBe(0);
    expect(pool.getTask(running.id).status).toBe('completed');
    expect(await resourcesLeftOver(baseline)).toEqual({});
    watcher.watch(pool);
    tracker.stop();
  }));

poolTest('destroy() mid-task: running and queued work all reject PoolClosedError, nothing pending, nothing left open', ({ usePool, counters }) =>
  expectStoppedPoolCollectable(async (watcher) => {
    const baseline = activeResources();
    const pool = await usePool({ size: 2, cancelGraceMs: 200, workerData: { counters: counters.sab } });
    const tracker = settleTracker(pool, PoolEvents);
    // One cooperative waiter, one busy loop that only termination stops.
    tracker.track(pool.submit({ op: 'echo', gate: 0, key: 0 }));
    tracker.track(pool.submit({ op: 'spin', key: 1 }));
    await counters.waitForStarted(0);
    await counters.waitForStarted(1);
    for (let key = 2; key < QUEUED + 2; key++) tracker.track(pool.submit({ op: 'echo', key }));

    await pool.destroy();
    await tracker.allSettled();
    expect(tracker.check()).toEqual([]);
    for (const t of tracker.tasks.values()) {
      expect(t.rejected).toBe(1);
      expect(t.error).toBeInstanceOf(PoolClosedError);
      expect(t.error.code).toBe(ErrorCodes.POOL_CLOSED);
    }
    expect(thrownBy(() => pool.submit({ op: 'echo' })).code).toBe(ErrorCodes.POOL_CLOSED);
    expect(await resourcesLeftOver(baseline)).toEqual({});
    // destroy() twice is harmless.
    await pool.destroy();
    watcher.watch(pool);
    tracker.stop();
  }));
