/**
 * Payloads and results that hold a SharedArrayBuffer: v8.serialize (the shared
 * ring's encoding) refuses them, postMessage shares them. They must travel by
 * message, shared rather than copied, and not be refused as uncloneable.
 */
import { expect } from 'vitest';
import { ErrorCodes } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { thrownBy } from '../helpers.mjs';

const AGENT = new URL('../fixtures/shared-buffer-agent.mjs', import.meta.url);

poolTest('a SharedArrayBuffer in the payload is shared with the agent, not copied', async ({ usePool }) => {
  const pool = usePool({ agent: AGENT, size: 1 }, { ready: false });
  const shared = new SharedArrayBuffer(16);
  expect(await pool.run({ shared }, { type: 'bump' })).toEqual({ length: 4 });
  expect([...new Int32Array(shared)]).toEqual([1, 1, 1, 1]);
});

poolTest('a SharedArrayBuffer in the result comes back', async ({ usePool }) => {
  const pool = usePool({ agent: AGENT, size: 1 }, { ready: false });
  const { shared } = await pool.run({ value: 42 }, { type: 'make' });
  expect(shared).toBeInstanceOf(SharedArrayBuffer);
  expect(new Int32Array(shared)[0]).toBe(42);
});

poolTest('a payload nothing can clone is still refused at submit', ({ usePool }) => {
  const pool = usePool({ agent: AGENT, size: 1 }, { ready: false });
  expect(thrownBy(() => pool.submit({ fn: () => 1 }, { type: 'bump' })).code).toBe(ErrorCodes.DATA_CLONE);
});
