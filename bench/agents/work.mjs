// Task bodies shared by every library's worker file, so all pools run the same code and
// only the pool around it differs. Each export is one task kind; the per-library files
// (daedalus-agent.mjs, piscina-agent.mjs, ...) expose them under the same names.
import { threadId } from 'node:worker_threads';
import { deflateSync } from 'node:zlib';

/** Wall clock in ms with sub-ms resolution, comparable across threads (the issue's clock). */
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

const WORDS = (
  'the of and to a in is that for it as was with be by on not he this are or his from at which but have an they you were her she there ' +
  'been one all we their has would when if so no will more its out up what about into than them can only other new some could time these ' +
  'two may then do first any like now my over such our man me even most made after also did many before must through back years where much ' +
  'your way well down should because each just those people state world house still government during school water system number program ' +
  'between under never another without again place around however home small found thought went part general high upon against right ' +
  'country public information business service request response server client queue worker thread memory latency throughput pool task'
).split(' ');
const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const ROUTES = ['/api/users', '/api/orders', '/api/items', '/static/app.js', '/health', '/api/search', '/login'];

/** xorshift32 from `seed`, as floats in [0, 1). */
function random(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
}

const corpora = new Map();

/**
 * `bytes` of deterministic, realistic text for variant `variant`: English-like prose (words drawn
 * with a Zipf-like skew, sentences and paragraphs) interleaved with server log lines and JSON
 * records, the kind of text deflate spends its life on (it compresses about 3:1, like prose and
 * logs do). Built once per (variant, size) per thread and kept.
 */
export function corpusText(variant, bytes) {
  const key = `${variant}:${bytes}`;
  let buf = corpora.get(key);
  if (buf !== undefined) return buf;
  const r = random(0x9e3779b9 ^ (variant * 2_654_435_761));
  const pick = (list) => list[Math.floor(r() * r() * list.length)];
  const parts = [];
  let length = 0;
  let clock = Date.UTC(2026, 3, 22, 9, 0, 0) + variant * 86_400_000;
  while (length < bytes) {
    let chunk;
    const kind = r();
    if (kind < 0.5) {
      const sentences = [];
      for (let s = 2 + Math.floor(r() * 5); s > 0; s--) {
        const words = [];
        for (let w = 4 + Math.floor(r() * 16); w > 0; w--) words.push(pick(WORDS));
        if (r() < 0.2) words.splice(1 + Math.floor(r() * (words.length - 1)), 0, String(Math.floor(r() * 10_000)));
        words[0] = words[0][0].toUpperCase() + words[0].slice(1);
        sentences.push(`${words.join(r() < 0.15 ? ', ' : ' ')}${r() < 0.1 ? '?' : '.'}`);
      }
      chunk = `${sentences.join(' ')}\n\n`;
    } else if (kind < 0.8) {
      clock += Math.floor(r() * 2_000);
      const status = r() < 0.9 ? 200 : pick([301, 404, 500, 503]);
      chunk = `${new Date(clock).toISOString()} ${pick(LEVELS)} [worker-${Math.floor(r() * 8)}] ${pick(['GET', 'GET', 'POST', 'PUT'])} ${pick(ROUTES)}/${Math.floor(r() * 100_000)} ${status} ${(r() * 250).toFixed(1)}ms ${Math.floor(r() * 65_536)}B\n`;
    } else {
      const id = Math.floor(r() * 1_000_000);
      chunk = `${JSON.stringify({ id, user: `${pick(WORDS)}_${id % 977}`, active: r() < 0.7, score: Math.round(r() * 1e4) / 100, tags: [pick(WORDS), pick(WORDS)], updatedAt: new Date(clock).toISOString() })}\n`;
    }
    parts.push(chunk);
    length += chunk.length;
  }
  buf = Buffer.from(parts.join('').slice(0, bytes), 'latin1');
  corpora.set(key, buf);
  return buf;
}

/**
 * zlib's deflate (level `level`) of corpus text `variant`: a real library function over real
 * input. The first call on a thread builds all `variants` texts, so a warm-up task on each agent
 * is enough to keep text building out of a timed batch whatever variants it then gets.
 */
export function deflate(payload) {
  for (let v = 0; v < (payload.variants ?? 0); v++) corpusText(v, payload.bytes);
  const out = deflateSync(corpusText(payload.variant, payload.bytes), { level: payload.level });
  return { i: payload.i, bytes: out.byteLength };
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
