// Task bodies shared by every library's worker file, so all pools run the same code and
// only the pool around it differs. Each export is one task kind; the per-library files
// (daedalus-agent.mjs, piscina-agent.mjs, ...) expose them under the same names.
import { threadId } from 'node:worker_threads';

/** Wall clock in ms with sub-ms resolution, comparable across threads (the clock). */
export const wallMs = () => performance.timeOrigin + performance.now();

function spinUntil(deadlineMs) {
  while (performance.now() < deadlineMs);
}

/** Hands the payload straight back: a round trip then measures the pool, not work. */
export function noop(payload) {
  return payload;
}

/** `iterations` rounds of xorshift32: CPU work the bench calibrates to about 1 ms on the main thread. */
export function burn(iterations) {
  let x = 2463534242;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x >>> 0;
}

export function cpu(payload) {
  return { i: payload.i, x: burn(payload.iterations) };
}

/** Receives a byte payload and answers with a few numbers, so only the payload's trip is measured. */
export function bytes(payload) {
  const data = payload.data;
  return { i: payload.i, bytes: data.byteLength, first: data[0] };
}

/**
 * Records when the handler started and ended (wall clock) and on which thread, after spinning
 * `spinMs` (a synchronous task of known length). Assignment latency and idle gaps come from these.
 */
export function stamp(payload) {
  const start = wallMs();
  if (payload.spinMs > 0) spinUntil(performance.now() + payload.spinMs);
  return { i: payload.i, start, end: wallMs(), threadId };
}

/**
 * Writes the wall clock (integer microseconds) into word `payload.slot` of the bench's marks
 * (a SharedArrayBuffer): "the fault starts now". The marks come in the payload, or for
 * daedalus in workerData (its payloads cannot carry a SharedArrayBuffer through the ring).
 */
export function markStart(payload, workerData) {
  const marks = payload.marks ?? workerData?.marks;
  if (marks instanceof SharedArrayBuffer) Atomics.store(new BigInt64Array(marks), payload.slot, BigInt(Math.round(wallMs() * 1000)));
}

/** Fault ops every library can run: `crash` exits the thread mid-task, `oom` fills the JS heap; else echo. */
export function fault(payload, workerData) {
  if (payload.op === 'crash') {
    markStart(payload, workerData);
    process.exit(1);
  }
  if (payload.op === 'oom') {
    markStart(payload, workerData);
    const hog = [];
    for (;;) hog.push(Array.from({ length: 1_000 }, (_, k) => ({ k, s: `item-${k}-${hog.length}` })));
  }
  return { i: payload.i };
}
