/**
 * Payloads larger than a slot's inline bytes are kept in shared memory too
 * (the spill area), so they go through the rings like small ones. What must
 * hold: every handler sees exactly its own payload, a chunk is given back
 * whichever way its task ends, and what does not fit travels by message.
 */
import { Buffer } from 'node:buffer';
import { expect, vi } from 'vitest';
import { PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, rejectionOf, settleTracker } from '../helpers.mjs';

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

const INLINE = 256;

/** 20 KB whose bytes depend on the key, so a payload read from another task's chunk would show. */
function bytesFor(key, length = 20_000) {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (key * 31 + i) & 0xff;
  return data;
}

/** Byte-for-byte equality (vitest's deep equality walks a typed array element by element, slowly). */
const sameBytes = (a, b) => a instanceof Uint8Array && Buffer.compare(a, b) === 0;

const spill = (pool) => pool.metrics().sharedMemory.spill;

poolTest('large payloads reach their handlers intact through shared memory, and every chunk is given back', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, inlinePayloadBytes: INLINE, queueCapacity: 200, workerData: { counters: counters.sab } });
  const tracker = settleTracker(pool, PoolEvents);
  const handles = Array.from({ length: 150 }, (_, key) => tracker.track(pool.submit({ op: 'echo', key, value: bytesFor(key) })));
  expect(spill(pool).chunksInUse).toBeGreaterThan(0);
  const results = await Promise.all(handles.map((h) => h.result));
  results.forEach((r, key) => expect(sameBytes(r.value, bytesFor(key)), `payload ${key}`).toBe(true));
  await tracker.allSettled();
  expect(tracker.check()).toEqual([]);
  expect(spill(pool)).toMatchObject({ bytesInUse: 0, chunksInUse: 0 });
  expect(spill(pool).bytes).toBeGreaterThan(0);
});

poolTest('a queued large payload that is cancelled gives its chunk back and never runs', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, inlinePayloadBytes: INLINE, workerData: { counters: counters.sab } });
  const blocker = pool.run({ op: 'echo', gate: 0, key: 0 });
  await counters.waitForStarted(0);
  const controller = new AbortController();
  const victim = pool.submit({ op: 'echo', key: 1, value: bytesFor(1) }, { signal: controller.signal });
  expect(spill(pool).chunksInUse).toBe(1);
  controller.abort(new Error('not needed'));
  expect((await rejectionOf(victim.result)).name).toBe('AbortError');
  expect(spill(pool).chunksInUse).toBe(0);
  counters.openGate(0);
  await blocker;
  expect(counters.started(1)).toBe(0);
});

poolTest('an agent that dies running a task with a spilled payload: the retry reads the same payload', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, inlinePayloadBytes: INLINE, workerData: { counters: counters.sab } });
  const value = bytesFor(7);
  const result = await pool.run({ op: 'exit', faultOnAttempts: 1, key: 0, value });
  expect(sameBytes(result.value, value)).toBe(true);
  expect(result.attempt).toBe(2);
  expect(spill(pool).chunksInUse).toBe(0);
});

poolTest('a payload too large for the spill area, and every payload of a private pool, travel by message instead', async ({ usePool, counters }) => {
  const shared = await usePool({ size: 1, inlinePayloadBytes: INLINE, workerData: { counters: counters.sab } });
  const huge = 'x'.repeat(5 * 1024 * 1024); // above the largest chunk (4 MiB)
  expect((await shared.run({ op: 'echo', key: 0, value: huge })).value).toBe(huge);
  expect(spill(shared).bytes).toBe(0);

  const isolated = await usePool({ size: 1, inlinePayloadBytes: INLINE, payloadIsolation: 'private', workerData: { counters: counters.sab } });
  expect(sameBytes((await isolated.run({ op: 'echo', key: 1, value: bytesFor(1) })).value, bytesFor(1))).toBe(true);
  expect(spill(isolated).bytes).toBe(0);
});
