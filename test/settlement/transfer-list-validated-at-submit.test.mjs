/**
 * A `transfer` list is checked at submit(): only ArrayBuffers and MessagePorts,
 * each at most once. A bad list throws InvalidOptionError naming `transfer`
 * before anything is accepted; it must not be accepted and then re-queued for
 * ever because the payload cannot be posted to the agent that claimed it.
 */
import { expect } from 'vitest';
import { ErrorCodes, InvalidOptionError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { thrownBy, withTimeout } from '../helpers.mjs';

const AGENT = new URL('./fixtures/settlement-agent.mjs', import.meta.url);

function start(usePool) {
  return usePool({ agent: AGENT, size: 1 });
}

const shared = new ArrayBuffer(8);
const badLists = {
  'a typed-array view instead of its buffer': () => [new Uint8Array(4)],
  'a plain object': () => [{}],
  'the same buffer twice': () => [shared, shared],
};

/** Valid lists still work: an ArrayBuffer and a MessagePort are moved into the task, not copied. */
async function validTransfersWork(pool) {
  const buffer = new ArrayBuffer(16);
  const { port1, port2 } = new MessageChannel();
  try {
    const value = await withTimeout(pool.run({ op: 'echo', value: 'moved', buffer, port: port2 }, { transfer: [buffer, port2] }), 10_000, 'a task with a valid transfer list');
    expect(value.value).toBe('moved');
    expect(buffer.byteLength).toBe(0); // detached: moved, not copied
  } finally {
    port1.close();
  }
}

for (const [what, list] of Object.entries(badLists)) {
  poolTest(`transfer with ${what} throws ERR_INVALID_OPTION at submit, nothing accepted; valid lists still work`, async ({ usePool }) => {
    const pool = await start(usePool);
    const transfer = list();
    const error = thrownBy(() => pool.submit({ op: 'echo', value: 1 }, { transfer }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(error.option).toMatch(/^transfer\[\d+\]$/); // names the bad entry
    expect(pool.metrics().tasks.pending).toBe(0);
    await validTransfersWork(pool);
    await withTimeout(pool.onIdle(), 10_000, 'onIdle after a refused transfer list');
  });
}
