/**
 * Without a type argument the pool keeps its loose signatures: any payload,
 * any type name, and `run<T>()` asserting the result type.
 */
import { CoordinationPool, type TaskHandle } from 'daedalus-pool';
import { expectType, type Equal } from './assert.js';

const pool = new CoordinationPool({ agent: new URL('./typed-agent.js', import.meta.url) });

export async function loose(): Promise<void> {
  const anything = await pool.run({ any: 'payload' }, { type: 'whatever-the-agent-says' });
  expectType<Equal<typeof anything, unknown>>(true);

  const asserted = await pool.run<number>(1);
  expectType<Equal<typeof asserted, number>>(true);

  const handle = pool.submit<string>('x', { type: String('dynamic') });
  expectType<Equal<typeof handle, TaskHandle<string>>>(true);
}
