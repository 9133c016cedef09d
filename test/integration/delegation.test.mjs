/**
 * Delegation between agents (ctx.run, ctx.submit) and its deadlock rule. The
 * deadlock tests build the cycle on purpose: every agent is held by a task
 * waiting on a subtask that only those agents could run.
 */
import { expect } from 'vitest';
import { ErrorCodes, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { waitForEvents, waitForWord } from '../helpers.mjs';

const ARCHITECT = new URL('../fixtures/roles/architect.mjs', import.meta.url);
const DEVELOPER = new URL('../fixtures/roles/developer.mjs', import.meta.url);
const DELEGATOR = new URL('../fixtures/roles/delegator.mjs', import.meta.url);


poolTest('ctx.submit resolves at acceptance with the subtask id and trace id, then its result', async ({ usePool }) => {
  const pool = await usePool({ agents: { architect: { agent: ARCHITECT }, developer: { agent: DEVELOPER } } });
  const parent = pool.submit({ part: 'docs', traceId: 'own-trace' }, { type: 'handOff' });
  const out = await parent.result;
  expect(out.traceId).toBe('own-trace');
  expect(out.result).toMatchObject({ part: 'docs', traceId: 'own-trace', taskId: out.id });
  expect(pool.getTask(out.id)).toMatchObject({ parentId: parent.id, traceId: 'own-trace' });
});

poolTest('cancelling a parent aborts the subtask it is waiting on', async ({ usePool }) => {
  const counters = new SharedArrayBuffer(8);
  const words = new Int32Array(counters);
  const pool = await usePool({
    agents: { architect: { agent: new URL('../fixtures/roles/holder-architect.mjs', import.meta.url) }, developer: { agent: DEVELOPER } },
    workerData: { counters },
  });
  const controller = new AbortController();
  const cancelled = waitForEvents(pool, PoolEvents.taskCancelled, 2);
  const parent = pool.run({}, { type: 'waitOnHold', signal: controller.signal });
  await waitForWord(words, 1, 1); // the subtask's handler is running
  controller.abort(new Error('no longer needed'));
  await expect(parent).rejects.toMatchObject({ code: ErrorCodes.ABORTED });
  const ids = (await cancelled).map((e) => e.taskId);
  await waitForWord(words, 0, 1); // and its handler saw ctx.signal abort
  expect(ids).toHaveLength(2);
});

poolTest('a task that delegates to the only agent that could run the subtask fails with ERR_DEADLOCK instead of hanging', async ({ usePool }) => {
  const counters = new SharedArrayBuffer(8);
  const pool = await usePool({ agent: DELEGATOR, size: 1, workerData: { counters } });
  const outer = pool.submit({ barrier: 1 }, { type: 'outer' });
  const result = await outer.result;
  expect(result.code).toBe(ErrorCodes.DEADLOCK);
  expect(result.cycle).toEqual([outer.id]);
  expect(pool.getTask(result.taskId)).toMatchObject({ parentId: outer.id, status: 'failed', attempts: 0 });
});

poolTest('when every agent waits on a subtask, the youngest subtask fails with ERR_DEADLOCK and the rest finish', async ({ usePool }) => {
  const counters = new SharedArrayBuffer(8);
  const pool = await usePool({ agent: DELEGATOR, size: 2, workerData: { counters } });
  const outers = [pool.submit({ barrier: 2 }, { type: 'outer' }), pool.submit({ barrier: 2 }, { type: 'outer' })];
  const results = await Promise.all(outers.map((h) => h.result));
  const deadlocked = results.filter((r) => r.code === ErrorCodes.DEADLOCK);
  const finished = results.filter((r) => r.inner !== undefined);
  expect(deadlocked).toHaveLength(1);
  expect(finished).toHaveLength(1);
  const [dead] = deadlocked;
  // The youngest waiting subtask is the one failed; the cycle names both holders.
  const subtaskIds = results.map((r) => r.taskId ?? undefined).filter((id) => id !== undefined);
  expect(dead.cycle).toEqual(outers.map((h) => h.id));
  expect(subtaskIds).toEqual([dead.taskId]);
  expect(dead.taskId).toBeGreaterThan(Math.max(...outers.map((h) => h.id)));
  expect(finished[0].inner.from).toBeGreaterThan(0);
});
