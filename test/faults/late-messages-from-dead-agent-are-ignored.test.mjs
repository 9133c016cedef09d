/**
 * A message arrives late from an agent incarnation the pool has already
 * buried. Expected: it is ignored; nothing settles twice.
 *
 * Node delivers a worker's messages before its `exit` event, so a message can
 * only arrive after the pool buried an incarnation when the thread outlived
 * its terminate(): a zombie. The fixture's `blockInSyscall` makes one (a
 * thread stuck in open(2) cannot be terminated); once the pool has declared it
 * hung, given up waiting for it and failed its task over, the test releases
 * it, and the thread posts one more message before its termination lands. A
 * control test shows the same message from a live agent is noticed
 * (agentError), so silence from the zombie means it was dropped.
 * The other tests race an agent's outcome against the pool giving up on it
 * (failAgent, a deadline): whichever wins, the task settles exactly once and
 * its result agrees with what really ran.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, vi } from 'vitest';
import { ErrorCodes, PoolEvents, TaskTimeoutError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, recordEvents, rejectionOf, settleTracker, waitForAllIdle, waitForEvents } from '../helpers.mjs';

const INLINE_BYTES = 256;

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

let fifoDir;
// Runs before the usePool fixture destroys the test's pool, so a thread still
// blocked on the FIFO is released first.
afterEach(() => {
  if (fifoDir !== undefined) {
    releaseFifo(join(fifoDir, 'pipe')); // never leave a thread blocked on it
    rmSync(fifoDir, { recursive: true, force: true });
    fifoDir = undefined;
  }
});

/** Opens the FIFO for writing without blocking (ENXIO when no one is reading) and writes a byte. */
function releaseFifo(path) {
  let fd;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    writeSync(fd, 'x');
    return true;
  } catch (error) {
    if (error.code === 'ENXIO' || error.code === 'ENOENT') return false;
    throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Lets the event loop run `turns` full iterations (poll phase included), without a timer. */
async function eventLoopTurns(turns) {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}


poolTest('messages from a buried (zombie) incarnation are ignored; its task settles once, on the retry', async ({ usePool, counters }) => {
  fifoDir = mkdtempSync(join(tmpdir(), 'daedalus-zombie-'));
  const fifo = join(fifoDir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const pool = await usePool({ size: 2, hangTimeoutMs: 1_000, heartbeatIntervalMs: 100, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const seen = recordEvents(pool, [PoolEvents.agentExited, PoolEvents.agentHung, PoolEvents.agentRestarted, PoolEvents.agentError]);
  const buried = waitForEvents(pool, PoolEvents.agentExited, 1);

  const handle = tracker.track(pool.submit({ op: 'blockInSyscall', path: fifo, faultOnAttempts: 1, key: 0, value: 'from the retry' }));
  const value = await handle.result;
  const [exit] = await buried;
  // The pool gave up on the blocked incarnation (terminate() could not stop it) and failed its task over.
  expect(seen.events.agentHung).toHaveLength(1);
  const zombie = { agentId: seen.events.agentHung[0].agentId, generation: seen.events.agentHung[0].generation };
  expect(exit).toMatchObject(zombie);
  expect(value).toMatchObject({ value: 'from the retry', attempt: 2 });
  expect(`${value.agentId}:${value.generation}`).not.toBe(`${zombie.agentId}:${zombie.generation}`);
  expect(counters.late(0)).toBe(0);
  await waitForAllIdle(pool, 2);
  const agentsBefore = pool.listAgents();

  // Release it: the thread runs again, posts its late message, then dies for real.
  expect(releaseFifo(fifo)).toBe(true);
  await counters.waitForLate(0);
  // The message was queued before the word was set; a few loop turns deliver whatever is delivered.
  await eventLoopTurns(5);

  // Run more work through the pool: nothing of the zombie leaks into it.
  for (let key = 1; key <= 6; key++) tracker.track(pool.submit({ op: 'echo', key, value: key }));
  await tracker.allSettled();
  seen.stop();
  expect(tracker.check()).toEqual([]);
  expect(pool.getTask(handle.id)).toMatchObject({ status: 'completed', attempts: 2 });
  expect(seen.events.agentError).toEqual([]);
  // One exit per incarnation: the zombie's real exit later is not a second death of anything.
  expect(seen.events.agentExited).toHaveLength(1);
  expect(pool.listAgents().map((a) => [a.agentId, a.generation, a.restarts])).toEqual(agentsBefore.map((a) => [a.agentId, a.generation, a.restarts]));
}, 30_000);

poolTest('control: the same kind of message from a live agent is noticed (agentError) and the agent is replaced', async ({ usePool }) => {
  const pool = await usePool({ size: 1 });
  const errored = waitForEvents(pool, PoolEvents.agentError, 1);
  const replaced = waitForEvents(pool, PoolEvents.agentRestarted, 1);
  // Whether the result or the stray message reaches the coordinator first, the task completes once.
  const value = await pool.run({ op: 'postRaw', text: 'late message from agent 1 generation 1', value: 'ok', faultOnAttempts: 1 });
  expect(value.value).toBe('ok');
  const [event] = await errored;
  expect((await replaced)[0]).toMatchObject({ agentId: 1, generation: 2 });
  expect(event).toMatchObject({ agentId: 1, generation: 1 });
  expect(event.error.code).toBe('ERR_PROTOCOL_VIOLATION');
});

poolTest.for([
  ['inline (shared-memory completion)', undefined],
  ['by message', 4 * INLINE_BYTES],
])('failAgent while the result is already sent (%s): the task settles exactly once, consistently', async ([_label, resultBytes], { usePool, counters }) => {
  const pool = await usePool({ size: 2, inlinePayloadBytes: INLINE_BYTES, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const seen = recordEvents(pool, [PoolEvents.taskRetried, PoolEvents.agentExited]);
  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1);

  const handle = tracker.track(pool.submit({ op: 'echo', gate: 0, markAfterReply: true, resultBytes, key: 0, value: 'v' }));
  await counters.waitForStarted(0);
  const agentId = pool.getTask(handle.id).agentId;
  expect(typeof agentId).toBe('number');
  // Let the handler finish and send its result while this thread (and so the coordinator) is blocked,
  // then declare its agent failed before the coordinator has seen that result.
  counters.openGate(0);
  counters.blockUntilAfterReply(0);
  const failing = pool.failAgent(agentId, 'declared failed after its result was sent');

  const value = await handle.result;
  await failing;
  await restarted;
  await waitForAllIdle(pool, 2);
  for (let key = 1; key <= 6; key++) tracker.track(pool.submit({ op: 'echo', key, value: key }));
  await tracker.allSettled();
  seen.stop();

  expect(tracker.check()).toEqual([]);
  expect(seen.events.agentExited).toHaveLength(1);
  expect(seen.events.agentExited[0]).toMatchObject({ agentId, generation: 1, reason: 'failed' });
  // Either the result that was already sent stands (no re-run), or it was dropped and the task ran again elsewhere.
  if (value.attempt === 1) {
    expect(value).toMatchObject({ agentId, generation: 1 });
    expect(counters.started(0)).toBe(1);
    expect(seen.events.taskRetried).toHaveLength(0);
    expect(pool.getTask(handle.id)).toMatchObject({ status: 'completed', attempts: 1 });
  } else {
    expect(value.attempt).toBe(2);
    expect(`${value.agentId}:${value.generation}`).not.toBe(`${agentId}:1`);
    expect(counters.started(0)).toBe(2);
    expect(seen.events.taskRetried).toHaveLength(1);
    expect(pool.getTask(handle.id)).toMatchObject({ status: 'completed', attempts: 2 });
  }
  expect(value.value).toBe('v');
  if (resultBytes !== undefined) expect(value.pad).toHaveLength(resultBytes);
  expect([...tracker.tasks.values()].slice(1).map((t) => t.value?.value)).toEqual([1, 2, 3, 4, 5, 6]);
});

poolTest('a result by message that arrives after its deadline failed the task is ignored', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, inlinePayloadBytes: INLINE_BYTES, cancelGraceMs: 5_000, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const handle = tracker.track(pool.submit({ op: 'waitForAbort', returnOnAbort: true, resultBytes: 4 * INLINE_BYTES, key: 0 }, { timeoutMs: 200 }));
  const error = await rejectionOf(handle.result);
  expect(error).toBeInstanceOf(TaskTimeoutError);
  await counters.waitForFinished(0);
  // The late value reached the coordinator before this next task could run on the same (single) agent.
  const next = tracker.track(pool.submit({ op: 'echo', key: 1, value: 'next' }));
  expect((await next.result).value).toBe('next');
  await tracker.allSettled();
  expect(tracker.check()).toEqual([]);
  expect(pool.getTask(handle.id).status).toBe('failed');
  expect(pool.getTask(handle.id).error.code).toBe(ErrorCodes.TASK_TIMEOUT);
  expect(pool.metrics().tasks).toMatchObject({ completed: 1, failed: 1 });
});
