/**
 * schedule() is typed like submit(): in a pool typed by its agent the payload
 * is checked against the handler of `options.type`; signal and transfer are
 * not schedule options; `when` takes one of its two forms; the handle and the
 * schedule events are typed. Each `@ts-expect-error` line must fail to compile.
 */
import { CoordinationPool, PoolEvents, type ScheduleHandle, type ScheduleStats } from 'daedalus-pool';
import { expectType, type Equal } from './assert.js';
import type agent from './typed-agent.js';

const pool = new CoordinationPool<typeof agent>({ agent: new URL('./typed-agent.js', import.meta.url) });

export function typedSchedules(): void {
  const nightly = pool.schedule({ cron: '0 3 * * *', tz: 'Europe/Paris' }, [{ id: 1, name: 'a' }], { type: 'ingest', overlap: 'skip' });
  expectType<Equal<typeof nightly, ScheduleHandle>>(true);
  expectType<Equal<ReturnType<typeof nightly.next>, Date | undefined>>(true);
  expectType<Equal<ReturnType<typeof nightly.stats>, ScheduleStats>>(true);
  pool.schedule({ everyMs: 1_000, immediately: true }, { table: 'users', steps: 1 }, { type: 'migration', priority: 2, overlap: 'queue' });

  // @ts-expect-error: ingest takes Row[], not a string
  pool.schedule({ everyMs: 1_000 }, 'rows', { type: 'ingest' });
  // @ts-expect-error: no handler is called 'nope'
  pool.schedule({ everyMs: 1_000 }, {}, { type: 'nope' });
  // @ts-expect-error: a signal cannot serve every firing
  pool.schedule({ everyMs: 1_000 }, {}, { signal: new AbortController().signal });
  // @ts-expect-error: overlap is 'skip' or 'queue'
  pool.schedule({ everyMs: 1_000 }, {}, { overlap: 'burst' });
  // @ts-expect-error: tz belongs to cron schedules
  pool.schedule({ everyMs: 1_000, tz: 'UTC' }, {});
}

export function scheduleEvents(): void {
  pool.on(PoolEvents.scheduleFired, (e) => {
    expectType<Equal<typeof e.taskId, number>>(true);
    expectType<Equal<typeof e.plannedAtMs, number>>(true);
  });
  pool.on(PoolEvents.scheduleSkipped, (e) => {
    expectType<Equal<typeof e.reason, 'overlap'>>(true);
  });
  pool.on(PoolEvents.scheduleRejected, (e) => {
    expectType<Equal<typeof e.error, Error>>(true);
  });
}
