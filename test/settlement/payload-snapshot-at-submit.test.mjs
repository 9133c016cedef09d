/**
 * A task's payload is what it was at submit(), whatever its size. A payload
 * that fits `inlinePayloadBytes` is serialized into shared memory at submit;
 * a larger one must be captured at submit too, not when an agent claims the
 * task, or the agent sees mutations made after submit (and a payload mutated
 * to hold a function after submit cannot be posted at all).
 *
 * Each test keeps the only agent busy behind a gate, so the task under test is
 * still queued when the test mutates its payload.
 */
import { expect } from 'vitest';
import { poolTest } from '../fixtures/use-pool.mjs';
import { withTimeout } from '../helpers.mjs';
import { createSignals } from './fixtures/signals.mjs';

const AGENT = new URL('./fixtures/settlement-agent.mjs', import.meta.url);
const INLINE = 4_096;

/** A size-1 pool whose agent is running a gated task; returns the pool and the gate's opener. */
async function busyPool(usePool) {
  const signals = createSignals(4);
  const pool = await usePool({ agent: AGENT, size: 1, inlinePayloadBytes: INLINE, workerData: { signals: signals.sab } });
  const blocker = pool.run({ op: 'gate', key: 0 });
  await signals.waitStarted(0);
  return { pool, release: () => signals.openGate(0), blocker };
}

poolTest('payloads small (inline) and large (above inlinePayloadBytes) mutated after submit: the agent sees both as of submit', async ({ usePool }) => {
  const { pool, release, blocker } = await busyPool(usePool);
  const big = 'x'.repeat(4 * INLINE);
  const small = { op: 'payloadSeen', n: 1, items: [1, 2, 3] };
  const large = { op: 'payloadSeen', n: 1, items: [1, 2, 3], big };
  const handles = [pool.submit(small), pool.submit(large)];
  for (const h of handles) expect(pool.getTask(h.id).status).toBe('queued');
  for (const p of [small, large]) {
    p.n = 2;
    p.items.push(4);
  }
  release();
  await withTimeout(blocker, 10_000, 'the gated task');
  const [seenSmall, seenLarge] = await withTimeout(Promise.all(handles.map((h) => h.result)), 10_000, 'the mutated tasks');
  expect({ small: seenSmall, large: seenLarge }).toEqual({
    small: { n: 1, items: [1, 2, 3], fn: 'undefined', bigLength: undefined },
    large: { n: 1, items: [1, 2, 3], fn: 'undefined', bigLength: big.length },
  });
});

poolTest('a large payload given a function after submit: the task still completes with the submit-time value', async ({ usePool }) => {
  const { pool, release, blocker } = await busyPool(usePool);
  const big = 'y'.repeat(4 * INLINE);
  const payload = { op: 'payloadSeen', n: 1, big };
  const handle = pool.submit(payload);
  expect(pool.getTask(handle.id).status).toBe('queued');
  payload.fn = () => 1;
  release();
  await withTimeout(blocker, 10_000, 'the gated task');
  const seen = await withTimeout(handle.result, 10_000, 'the task whose payload was given a function after submit');
  expect(seen).toEqual({ n: 1, items: undefined, fn: 'undefined', bigLength: big.length });
});
