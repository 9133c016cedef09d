/**
 * Graceful degradation: tasks whose type requires a dependency that is down
 * are `held` (counted in the queue capacity) while other work keeps flowing,
 * and are released when it comes back. By default `discovery` and `migration`
 * require the dependency named `discovery`.
 *
 * The test owns the check's answer (`state.up`) and waits for the pool's
 * dependencyDown / dependencyUp / taskHeld / taskReleased events.
 */
import { expect } from 'vitest';
import { ErrorCodes, PoolEvents, QueueFullError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { recordEvents, thrownBy, waitForEvents } from '../helpers.mjs';

/** A pool whose `discovery` dependency answers `state.up`; resolves once the pool has seen it down. */
async function startDown(usePool, options = {}) {
  const state = { up: false, checks: 0 };
  const pool = usePool({
    size: 2,
    dependencies: {
      discovery: {
        check: () => {
          state.checks++;
          return state.up;
        },
        intervalMs: 20,
      },
    },
    ...options,
  }, { ready: false });
  const down = waitForEvents(pool, PoolEvents.dependencyDown, 1);
  await pool.ready();
  const [event] = await down;
  expect(event.name).toBe('discovery');
  return { pool, state };
}

poolTest('discovery and migration tasks are held while the dependency is down; other types keep flowing', async ({ usePool }) => {
  const { pool, state } = await startDown(usePool);
  const seen = recordEvents(pool, [PoolEvents.taskHeld, PoolEvents.taskReleased]);
  const discovery = pool.submit({ op: 'echo', value: 'd' }, { type: 'discovery' });
  const migration = pool.submit({ op: 'echo', value: 'm' }, { type: 'migration', priority: 1 });

  for (const h of [discovery, migration]) expect(pool.getTask(h.id).status).toBe('held');
  expect(pool.metrics().queue).toMatchObject({ held: 2, depth: 2 });
  expect(seen.events.taskHeld.map((e) => [e.taskId, e.type, e.dependencies])).toEqual([
    [discovery.id, 'discovery', ['discovery']],
    [migration.id, 'migration', ['discovery']],
  ]);

  // No head-of-line blocking: every other type runs to completion meanwhile,
  // including work of a lower priority than the held migration task.
  const others = await Promise.all(
    ['general', 'ingest', 'research', 'heartbeat', 'general', 'ingest'].map((type, i) => pool.run({ op: 'echo', value: i }, { type, priority: 9 })),
  );
  expect(others.map((v) => v.value)).toEqual([0, 1, 2, 3, 4, 5]);
  for (const h of [discovery, migration]) expect(pool.getTask(h.id).status).toBe('held');
  expect(pool.metrics().queue.held).toBe(2);
  expect(seen.events.taskReleased).toHaveLength(0);

  const released = waitForEvents(pool, PoolEvents.taskReleased, 2);
  const up = waitForEvents(pool, PoolEvents.dependencyUp, 1);
  state.up = true;
  expect((await up)[0].name).toBe('discovery');
  const releasedEvents = await released;
  expect(releasedEvents.map((e) => e.taskId).sort()).toEqual([discovery.id, migration.id].sort());
  await expect(discovery.result).resolves.toMatchObject({ value: 'd', type: 'discovery' });
  await expect(migration.result).resolves.toMatchObject({ value: 'm', type: 'migration' });
  expect(pool.getTask(discovery.id)).toMatchObject({ status: 'completed', attempts: 1 });
  expect(pool.metrics().queue).toMatchObject({ held: 0, depth: 0 });
  seen.stop();
});

poolTest('held tasks count against queueCapacity', async ({ usePool }) => {
  const { pool, state } = await startDown(usePool, { queueCapacity: 3 });
  const held = [0, 1, 2].map((i) => pool.submit({ op: 'echo', value: i }, { type: i === 1 ? 'migration' : 'discovery' }));
  expect(pool.metrics().queue).toMatchObject({ held: 3, capacity: 3 });

  const refused = thrownBy(() => pool.submit({ op: 'echo' }, { type: 'general' }));
  expect(refused).toBeInstanceOf(QueueFullError);
  expect(refused).toMatchObject({ code: ErrorCodes.QUEUE_FULL, status: 429, depth: 3, capacity: 3 });
  expect(thrownBy(() => pool.submit({ op: 'echo' }, { type: 'discovery' })).code).toBe(ErrorCodes.QUEUE_FULL);
  expect(pool.metrics().tasks.rejected).toBe(2);

  state.up = true;
  expect((await Promise.all(held.map((h) => h.result))).map((v) => v.value)).toEqual([0, 1, 2]);
  // Room again once they ran.
  expect((await pool.run({ op: 'echo', value: 'room' })).value).toBe('room');
});

poolTest('tasks queued while the dependency is up are held when it goes down, then released', async ({ usePool }) => {
  const state = { up: true };
  const pool = await usePool({
    size: 1,
    dependencies: { discovery: { check: () => state.up, intervalMs: 20 } },
    workerData: {},
  });
  expect((await pool.run({ op: 'echo', value: 'while up' }, { type: 'discovery' })).value).toBe('while up');

  const down = waitForEvents(pool, PoolEvents.dependencyDown, 1);
  state.up = false;
  await down;
  const handle = pool.submit({ op: 'echo', value: 'later' }, { type: 'discovery' });
  expect(pool.getTask(handle.id).status).toBe('held');
  state.up = true;
  await expect(handle.result).resolves.toMatchObject({ value: 'later' });
});

poolTest('a check that throws counts as down (dependencyDown carries the error); tasks held until it recovers', async ({ usePool }) => {
  const state = { fail: false };
  const pool = await usePool({
    size: 2,
    dependencies: {
      discovery: {
        check: () => {
          if (state.fail) throw Object.assign(new Error('probe failed'), { code: 'E_PROBE' });
          return true;
        },
        intervalMs: 20,
      },
    },
  });
  expect((await pool.run({ op: 'echo', value: 'up' }, { type: 'discovery' })).value).toBe('up');

  const down = waitForEvents(pool, PoolEvents.dependencyDown, 1);
  state.fail = true;
  const [event] = await down;
  expect(event.name).toBe('discovery');
  expect(event.error).toBeInstanceOf(Error);
  expect(event.error.code).toBe('E_PROBE');

  const handle = pool.submit({ op: 'echo', value: 'waits' }, { type: 'discovery' });
  expect(pool.getTask(handle.id).status).toBe('held');
  expect((await pool.run({ op: 'echo', value: 'flows' })).value).toBe('flows');
  expect(pool.getTask(handle.id).status).toBe('held');

  const up = waitForEvents(pool, PoolEvents.dependencyUp, 1);
  state.fail = false;
  await up;
  await expect(handle.result).resolves.toMatchObject({ value: 'waits' });
});

poolTest('a check that throws from the very first probe: dependencyDown reaches a listener added right after construction', async ({ usePool }) => {
  // Same as a check answering false from the start (see startDown): the first
  // probe's verdict must be observable, not emitted inside the constructor.
  const pool = usePool({
    size: 1,
    dependencies: {
      discovery: {
        check: () => {
          throw Object.assign(new Error('probe failed'), { code: 'E_PROBE' });
        },
        intervalMs: 20,
      },
    },
  }, { ready: false });
  const down = waitForEvents(pool, PoolEvents.dependencyDown, 1, 5_000);
  await pool.ready();
  const handle = pool.submit({ op: 'echo' }, { type: 'discovery' });
  expect(pool.getTask(handle.id).status).toBe('held'); // the pool itself did see it down
  const [event] = await down;
  expect(event.name).toBe('discovery');
  expect(event.error.code).toBe('E_PROBE');
});

poolTest('a rejecting async check also counts as down', async ({ usePool }) => {
  const pool = usePool({
    size: 1,
    dependencies: { discovery: { check: async () => Promise.reject(Object.assign(new Error('nope'), { code: 'E_ASYNC_PROBE' })), intervalMs: 20 } },
  }, { ready: false });
  const down = waitForEvents(pool, PoolEvents.dependencyDown, 1);
  await pool.ready();
  expect((await down)[0].error.code).toBe('E_ASYNC_PROBE');
  const handle = pool.submit({ op: 'echo' }, { type: 'migration' });
  expect(pool.getTask(handle.id).status).toBe('held');
});

poolTest('without a `discovery` dependency given, discovery and migration tasks run (a missing dependency counts as up)', async ({ usePool }) => {
  const pool = await usePool({ size: 1 });
  await expect(pool.run({ op: 'echo', value: 1 }, { type: 'discovery' })).resolves.toMatchObject({ value: 1 });
  await expect(pool.run({ op: 'echo', value: 2 }, { type: 'migration' })).resolves.toMatchObject({ value: 2 });
  expect(pool.metrics().queue.held).toBe(0);
});
