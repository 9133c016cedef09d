/**
 * TypeScript agents: a pool refuses a .ts agent module up front where this
 * Node cannot load TypeScript in a worker (and runs it where Node strips types
 * itself), and the tsx shim runs the same typed agent on any supported Node.
 */
import { expect } from 'vitest';
import { CoordinationPool, ErrorCodes } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';

const TS_AGENT = new URL('../types/typed-agent.ts', import.meta.url);
const TSX_SHIM = new URL('../fixtures/ts-agent-via-tsx.mjs', import.meta.url);
const nodeStripsTypes = typeof process.features.typescript === 'string';

poolTest('a .ts agent module is refused with a coded error naming the fix, or runs where Node strips types', async ({ usePool }) => {
  if (!nodeStripsTypes) {
    let caught;
    try {
      new CoordinationPool({ agent: TS_AGENT, size: 1 });
    } catch (error) {
      caught = error;
    }
    expect(caught?.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(caught.option).toBe('agent');
    expect(caught.message).toMatch(/TypeScript/);
    expect(caught.message).toMatch(/tsImport/);
    return;
  }
  const pool = await usePool({ agent: TS_AGENT, size: 1 });
  expect(await pool.run([{ id: 1, name: 'a' }], { type: 'ingest' })).toMatchObject({ stored: 1 });
});

poolTest('a typed .ts agent loaded through the tsx shim runs its handlers, memory and transfers', async ({ usePool }) => {
  const pool = await usePool({ agent: TSX_SHIM, size: 2 });
  expect(await pool.run({ hello: 'world' })).toEqual({ echo: { hello: 'world' } });
  expect(await pool.run([{ id: 1, name: 'a' }, { id: 2, name: 'b' }], { type: 'ingest' })).toMatchObject({ stored: 2 });
  expect(await pool.run({ table: 'users', steps: 3 }, { type: 'migration' })).toBe('migrated users');
  const bytes = await pool.run(8, { type: 'blob' });
  expect(bytes).toBeInstanceOf(Uint8Array);
  expect(bytes.byteLength).toBe(8);
  expect(await pool.run(undefined, { type: 'ping' })).toBe('pong');
});
