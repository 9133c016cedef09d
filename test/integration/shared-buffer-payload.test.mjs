/**
 * Payloads and results that hold a SharedArrayBuffer: v8.serialize (the shared
 * ring's encoding) refuses them, postMessage shares them. They must travel by
 * message, shared rather than copied, and not be refused as uncloneable.
 */
import { afterEach, expect, test } from 'vitest';
import { CoordinationPool, ErrorCodes } from '../../dist/src/index.js';
import { thrownBy } from '../helpers.mjs';

const AGENT = new URL('../fixtures/shared-buffer-agent.mjs', import.meta.url);
let pool;
afterEach(async () => {
  await pool?.destroy();
  pool = undefined;
});

test('a SharedArrayBuffer in the payload is shared with the agent, not copied', async () => {
  pool = new CoordinationPool({ agent: AGENT, size: 1 });
  const shared = new SharedArrayBuffer(16);
  expect(await pool.run({ shared }, { type: 'bump' })).toEqual({ length: 4 });
  expect([...new Int32Array(shared)]).toEqual([1, 1, 1, 1]);
});

test('a SharedArrayBuffer in the result comes back', async () => {
  pool = new CoordinationPool({ agent: AGENT, size: 1 });
  const { shared } = await pool.run({ value: 42 }, { type: 'make' });
  expect(shared).toBeInstanceOf(SharedArrayBuffer);
  expect(new Int32Array(shared)[0]).toBe(42);
});

test('a payload nothing can clone is still refused at submit', () => {
  pool = new CoordinationPool({ agent: AGENT, size: 1 });
  expect(thrownBy(() => pool.submit({ fn: () => 1 }, { type: 'bump' })).code).toBe(ErrorCodes.DATA_CLONE);
});
