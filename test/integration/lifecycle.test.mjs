/**
 * Pool lifecycle: spawnAgent (up to maxSize), resize (shrinking lets busy
 * agents finish first), failAgent (replace the agent, fail its task over),
 * Symbol.asyncDispose, close() (drain) and destroy() (reject everything pending).
 */
import { expect } from 'vitest';
import {
  ErrorCodes,
  InvalidOptionError,
  PoolClosedError,
  PoolEvents,
  PoolFullError,
} from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { agentsById, recordEvents, rejectionOf, settleTracker, thrownBy, waitForEvents } from '../helpers.mjs';

const ids = (pool) => pool.listAgents().map((a) => a.agentId).sort((a, b) => a - b);

poolTest('spawnAgent() adds a 5th agent that takes work', async ({ usePool, counters }) => {
  const pool = await usePool({ workerData: { counters: counters.sab } });
  const spawned = await pool.spawnAgent();
  expect(spawned).toMatchObject({ agentId: 5, generation: 1, status: 'idle', restarts: 0 });
  expect(ids(pool)).toEqual([1, 2, 3, 4, 5]);
  expect(pool.metrics().agents).toMatchObject({ total: 5, idle: 5 });
  const values = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.run({ op: 'echo', value: i })));
  expect(values.map((v) => v.value)).toEqual(Array.from({ length: 10 }, (_, i) => i));
});

poolTest('spawnAgent() at maxSize rejects with PoolFullError (ERR_POOL_FULL)', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, maxSize: 3, workerData: { counters: counters.sab } });
  await pool.spawnAgent();
  const error = await rejectionOf(pool.spawnAgent());
  expect(error).toBeInstanceOf(PoolFullError);
  expect(error.code).toBe(ErrorCodes.POOL_FULL);
  expect(ids(pool)).toEqual([1, 2, 3]);
});

poolTest('resize(2) retires agents; a busy one finishes its task first, nothing is retried', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 4, workerData: { counters: counters.sab } });
  // One log of both event kinds, in the order they happened.
  const log = [];
  const onCompleted = (e) => log.push({ kind: 'completed', agentId: e.agentId, attempt: e.attempt });
  const onExited = (e) => log.push({ kind: 'exited', agentId: e.agentId, reason: e.reason });
  const onRetried = (e) => log.push({ kind: 'retried', agentId: e.fromAgentId });
  pool.on(PoolEvents.taskCompleted, onCompleted);
  pool.on(PoolEvents.agentExited, onExited);
  pool.on(PoolEvents.taskRetried, onRetried);
  // Every agent is busy on gate 0, so both agents to retire are busy ones.
  const handles = [0, 1, 2, 3].map((key) => pool.submit({ op: 'echo', gate: 0, key, value: key }));
  for (const key of [0, 1, 2, 3]) await counters.waitForStarted(key);

  const resizing = pool.resize(2);
  counters.openGate(0);
  const values = await Promise.all(handles.map((h) => h.result));
  await resizing;
  pool.off(PoolEvents.taskCompleted, onCompleted);
  pool.off(PoolEvents.agentExited, onExited);
  pool.off(PoolEvents.taskRetried, onRetried);

  expect(values.map((v) => [v.value, v.attempt])).toEqual([0, 1, 2, 3].map((k) => [k, 1]));
  expect(new Set(values.map((v) => v.agentId)).size).toBe(4);
  expect(pool.listAgents()).toHaveLength(2);
  expect(pool.listAgents().every((a) => a.generation === 1 && a.restarts === 0)).toBe(true);
  const exits = log.filter((e) => e.kind === 'exited');
  expect(exits).toHaveLength(2);
  expect(exits.every((e) => e.reason === 'retired')).toBe(true);
  // The tasks the retired agents were running completed there, on the first attempt.
  for (const exit of exits) {
    expect(values.filter((v) => v.agentId === exit.agentId).map((v) => v.attempt)).toEqual([1]);
    expect(log.filter((e) => e.kind === 'completed' && e.agentId === exit.agentId)).toHaveLength(1);
  }
  expect(log.filter((e) => e.kind === 'retried')).toEqual([]);
  expect(pool.metrics().tasks).toMatchObject({ completed: 4, failed: 0, retried: 0 });
  // The retired agents are gone, not replaced.
  const retired = exits.map((e) => e.agentId);
  expect(ids(pool).some((id) => retired.includes(id))).toBe(false);
  expect((await pool.run({ op: 'echo', value: 'after shrink' })).value).toBe('after shrink');
});

poolTest('resize(6) grows the pool with new idle agents', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  await pool.resize(6);
  const agents = pool.listAgents();
  expect(agents).toHaveLength(6);
  expect(new Set(agents.map((a) => a.agentId)).size).toBe(6);
  expect(agents.every((a) => a.status === 'idle' && a.generation === 1)).toBe(true);
  expect(pool.metrics().agents).toMatchObject({ total: 6, idle: 6 });
  const values = await Promise.all(Array.from({ length: 12 }, (_, i) => pool.run({ op: 'echo', value: i })));
  expect(values).toHaveLength(12);
});

poolTest('resize() outside 1..maxSize rejects with ERR_INVALID_OPTION', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, maxSize: 4, workerData: { counters: counters.sab } });
  for (const bad of [0, 5, 2.5]) {
    const error = await rejectionOf(pool.resize(bad));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
  }
  expect(pool.listAgents()).toHaveLength(2);
});

poolTest('failAgent(id) replaces the agent (generation + 1, restarts 1) and fails its running task over', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const seen = recordEvents(pool, [PoolEvents.taskRetried, PoolEvents.agentRestarted]);
  const handle = pool.submit({ op: 'echo', gate: 0, key: 0, value: 'failed over' });
  await counters.waitForStarted(0);
  const victim = pool.getTask(handle.id).agentId;
  const before = agentsById(pool).get(victim);
  expect(before).toMatchObject({ generation: 1, restarts: 0, status: 'busy', currentTaskId: handle.id });

  const restarted = waitForEvents(pool, PoolEvents.agentRestarted, 1, 10_000, (e) => e.agentId === victim);
  await pool.failAgent(victim, 'test says so');
  // The retry waits on the same gate on its new agent: open it once it started there.
  await counters.waitForStarted(0, 2);
  counters.openGate(0);
  const value = await handle.result;
  await restarted;
  seen.stop();

  expect(value).toMatchObject({ value: 'failed over', attempt: 2 });
  expect(value.agentId).not.toBe(victim);
  expect(pool.getTask(handle.id)).toMatchObject({ status: 'completed', attempts: 2, failedAgentIds: [victim] });
  expect(seen.events.taskRetried).toHaveLength(1);
  expect(seen.events.taskRetried[0]).toMatchObject({ taskId: handle.id, fromAgentId: victim });
  expect(seen.events.taskRetried[0].error.code).toBe(ErrorCodes.AGENT_CRASHED);
  const after = agentsById(pool).get(victim);
  expect(after).toMatchObject({ agentId: victim, generation: 2, restarts: 1, status: 'idle' });
  expect(after.threadId).not.toBe(before.threadId);
  expect(after.contextId).not.toBe(before.contextId);
});

poolTest('failAgent() with an unknown id rejects with ERR_INVALID_OPTION', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const error = await rejectionOf(pool.failAgent(99, 'no such agent'));
  expect(error).toBeInstanceOf(InvalidOptionError);
  expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
  expect(pool.listAgents().every((a) => a.generation === 1 && a.restarts === 0)).toBe(true);
});

poolTest('Symbol.asyncDispose closes the pool (await using)', async ({ usePool, counters }) => {
  // Node 20 does not parse `await using`; this is what it calls on scope exit.
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const local = pool;
  expect(typeof local[Symbol.asyncDispose]).toBe('function');
  const running = local.submit({ op: 'echo', gate: 0, key: 0, value: 'finished before dispose' });
  await counters.waitForStarted(0);
  const disposing = local[Symbol.asyncDispose]();
  counters.openGate(0);
  await disposing;
  await expect(running.result).resolves.toMatchObject({ value: 'finished before dispose' });
  expect(local.listAgents().every((a) => a.status === 'stopped')).toBe(true);
  const refused = thrownBy(() => local.submit({ op: 'echo' }));
  expect(refused).toBeInstanceOf(PoolClosedError);
  expect(refused.code).toBe(ErrorCodes.POOL_CLOSED);
});

poolTest('close() drains queued and running work before it resolves', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const drained = waitForEvents(pool, PoolEvents.drained, 1);
  for (const key of [0, 1]) tracker.track(pool.submit({ op: 'echo', gate: 0, key, value: key }));
  await counters.waitForStarted(0);
  await counters.waitForStarted(1);
  for (let key = 2; key < 8; key++) tracker.track(pool.submit({ op: 'echo', key, value: key }));

  let closed = false;
  const closing = pool.close().then(() => {
    closed = true;
  });
  expect((await rejectionOf(pool.run({ op: 'echo' }))).code).toBe(ErrorCodes.POOL_CLOSED);
  expect(closed).toBe(false);
  counters.openGate(0);
  await closing;
  await drained;
  tracker.stop();
  expect(tracker.check()).toEqual([]);
  expect([...tracker.tasks.values()].map((t) => [t.fulfilled, t.value?.value])).toEqual(Array.from({ length: 8 }, (_, i) => [1, i]));
  expect(pool.metrics().tasks).toMatchObject({ completed: 8, pending: 0 });
  expect(pool.listAgents().every((a) => a.status === 'stopped')).toBe(true);
});

poolTest('destroy() rejects every pending task with PoolClosedError (ERR_POOL_CLOSED)', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  for (const key of [0, 1]) tracker.track(pool.submit({ op: 'echo', gate: 0, key }));
  await counters.waitForStarted(0);
  await counters.waitForStarted(1);
  for (let key = 2; key < 6; key++) tracker.track(pool.submit({ op: 'echo', key }));

  await pool.destroy();
  await tracker.allSettled(5_000);
  tracker.stop();
  expect(tracker.check()).toEqual([]);
  for (const t of tracker.tasks.values()) {
    expect(t.rejected).toBe(1);
    expect(t.error).toBeInstanceOf(PoolClosedError);
    expect(t.error.code).toBe(ErrorCodes.POOL_CLOSED);
    expect(pool.getTask(t.id).status).toBe('cancelled');
  }
  expect(counters.finished(0) + counters.finished(1)).toBe(0);
  expect(thrownBy(() => pool.submit({ op: 'echo' })).code).toBe(ErrorCodes.POOL_CLOSED);
});
