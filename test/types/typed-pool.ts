/**
 * A pool typed by its agent module: payloads are checked against the handler
 * of the task's type, results are the handlers' awaited returns, and a type no
 * handler takes does not compile. Each `@ts-expect-error` line must fail to
 * compile, or tsc reports the directive as unused.
 */
import { CoordinationPool, TaskType, type TaskHandle } from 'daedalus-pool';
import { expectType, type Equal } from './assert.js';
import { defineAgent } from 'daedalus-pool/agent';
import type agent from './typed-agent.js';
import type { Row } from './typed-agent.js';

const pool = new CoordinationPool<typeof agent>({ agent: new URL('./typed-agent.js', import.meta.url) });
const rows: Row[] = [{ id: 1, name: 'a' }];

export async function results(): Promise<void> {
  const echoed = await pool.run({ hello: 'world' });
  expectType<Equal<typeof echoed, { echo: unknown }>>(true);

  const stored = await pool.run(rows, { type: TaskType.ingest, priority: 2 });
  expectType<Equal<typeof stored, { stored: number; byAgent: number }>>(true);

  const migrated = await pool.run({ table: 'users', steps: 3 }, { type: 'migration', traceId: 'mig-1' });
  expectType<Equal<typeof migrated, string>>(true);

  // A handler that returns withTransfer(value, list) delivers the value.
  const bytes = await pool.run(16, { type: 'blob' });
  expectType<Equal<typeof bytes, Uint8Array<ArrayBuffer>>>(true);

  // A handler without parameters takes any payload.
  const pong = await pool.run(undefined, { type: 'ping' });
  expectType<Equal<typeof pong, 'pong'>>(true);

  const handle = pool.submit(rows, { type: 'ingest' });
  expectType<Equal<typeof handle, TaskHandle<{ stored: number; byAgent: number }>>>(true);
  expectType<Equal<Awaited<typeof handle.result>, { stored: number; byAgent: number }>>(true);
}

export async function mistakes(): Promise<void> {
  // @ts-expect-error: ingest takes Row[], not a string
  await pool.run('rows', { type: 'ingest' });

  // @ts-expect-error: migration's payload needs `steps`
  await pool.run({ table: 'users' }, { type: 'migration' });

  // @ts-expect-error: no handler takes 'reporting'
  await pool.run({}, { type: 'reporting' });

  // @ts-expect-error: a free string is not one of the agent's types
  await pool.run({}, { type: String('ingest') });

  const stored = await pool.run(rows, { type: 'ingest' });
  // @ts-expect-error: the result is { stored, byAgent }, it has no `rows`
  console.log(stored.rows);

  const migrated = await pool.run({ table: 't', steps: 1 }, { type: 'migration' });
  // @ts-expect-error: migration returns a string, not a number
  const n: number = migrated;
  console.log(n);

  // @ts-expect-error: submit checks the payload the same way
  pool.submit(42, { type: 'ingest' });
}

// An agent without a 'general' handler: every task must name its type.
const toolsAgent = defineAgent({ handlers: { count: (rows: Row[]) => rows.length } });
const tools = new CoordinationPool<typeof toolsAgent>({ agent: new URL('./tools-agent.js', import.meta.url) });

export async function noDefaultType(): Promise<void> {
  const counted = await tools.run(rows, { type: 'count' });
  expectType<Equal<typeof counted, number>>(true);
  // @ts-expect-error: without `type` the task is 'general', which this agent does not handle
  await tools.run(rows);
}
