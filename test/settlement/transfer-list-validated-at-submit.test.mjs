/**
 * A `transfer` list is checked at submit(): only ArrayBuffers and MessagePorts,
 * each at most once. A bad list throws InvalidOptionError naming `transfer`
 * before anything is accepted; it must not be accepted and then re-queued for
 * ever because the payload cannot be posted to the agent that claimed it.
 */
import { afterEach, expect, test } from 'vitest';
import { CoordinationPool, ErrorCodes, InvalidOptionError } from '../../dist/src/index.js';
import { thrownBy, withTimeout } from '../helpers.mjs';

const AGENT = new URL('./fixtures/settlement-agent.mjs', import.meta.url);

let pool;
afterEach(async () => {
  await pool?.destroy();
  pool = undefined;
});

async function start() {
  pool = new CoordinationPool({ agent: AGENT, size: 1 });
  await pool.ready();
  return pool;
}

const shared = new ArrayBuffer(8);
const badLists = {
  'a typed-array view instead of its buffer': () => [new Uint8Array(4)],
  'a plain object': () => [{}],
  'the same buffer twice': () => [shared, shared],
};

/** Valid lists still work: an ArrayBuffer and a MessagePort are moved into the task, not copied. */
async function validTransfersWork() {
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
  test(`transfer with ${what} throws ERR_INVALID_OPTION at submit, nothing accepted; valid lists still work`, async () => {
    await start();
    const transfer = list();
    const error = thrownBy(() => pool.submit({ op: 'echo', value: 1 }, { transfer }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(error.option).toMatch(/^transfer\[\d+\]$/); // names the bad entry
    expect(pool.metrics().tasks.pending).toBe(0);
    await validTransfersWork();
    await withTimeout(pool.onIdle(), 10_000, 'onIdle after a refused transfer list');
  });
}
