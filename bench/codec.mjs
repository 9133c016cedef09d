// Micro-benchmark: writing a value into a slot of the shared inline-bytes buffer
// and reading it back, with the value codec (src/ring/value-codec.ts) against
// what the ring does today (src/ring/codec.ts): v8.serialize, copy into the
// slot; copy out of the slot, v8.deserialize.
//
//   npx tsc -p tsconfig.json && node bench/codec.mjs [--reps 5] [--ms 200] [--wall]
//
// Each (value, codec) pair runs in a fresh process, `reps` times, alternating, so
// that neither codec inherits the other's JIT or heap state, and drift on a busy
// machine hits both. Prints ns per operation: median over reps, and the best rep.
// Time is the process's CPU time (process.cpuUsage) unless --wall: on a shared
// machine it does not count the time spent descheduled.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { decode, encodeInto, isPlainJson } from '../dist/src/ring/value-codec.js';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    ms: { type: 'string', default: '200' },
    wall: { type: 'boolean', default: false },
    child: { type: 'string' }, // "<case index>:<codec>": measure that pair, print JSON
  },
});

const INLINE = 4096; // the default inlinePayloadBytes
const bytes = new Uint8Array(new SharedArrayBuffer(8 * INLINE));
const slot = bytes.subarray(3 * INLINE, 4 * INLINE); // a view per slot, made once: the codec's quickest target

/** An order with line items, grown until its JSON is about 1 KB. */
function kilobyteObject(item) {
  const o = { id: 12345, name: 'order-12345', status: 'shipped', tags: ['a', 'bb', 'ccc'], items: [] };
  for (let i = 0; JSON.stringify(o).length < 1000; i++) o.items.push(item(i));
  return o;
}

const CASES = [
  ['{i: 1}', { i: 1 }],
  ['[{i: 1}, traceId] (what submit encodes)', [{ i: 1 }, '0e6b4b44-5b6e-4f0a-9a63-58a6f5cbd8b1']],
  ['1 KB object, 16 items of 4 fields', kilobyteObject((i) => ({ sku: `SKU-${1000 + i}`, qty: i % 5, price: 9.99 + i, gift: i % 2 === 0 }))],
  ['1 KB object, 15 items of 3 strings', kilobyteObject((i) => ({ sku: `SKU-${1000 + i}`, title: `Item number ${i} of the catalogue`, note: 'ships in 2 days' }))],
  ['object with a Date', { id: 7, at: new Date(1_700_000_000_000), name: 'reminder' }],
];

const CODECS = {
  'value-codec': {
    encode: (v) => encodeInto(v, slot),
    decode: (n) => decode(slot, 0, n),
  },
  'v8.serialize': {
    encode: (v) => {
      const encoded = serialize(v);
      bytes.set(encoded, 5 * INLINE);
      return encoded.length;
    },
    decode: (n) => deserialize(bytes.slice(5 * INLINE, 5 * INLINE + n)),
  },
};

const clock = args.wall
  ? () => performance.now()
  : () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };

let sink = 0;

/** ns per call of fn, over about `ms` of the clock. */
function time(fn, ms) {
  let calls = 0;
  const started = clock();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 100; i++) fn();
    calls += 100;
    elapsed = clock() - started;
  }
  return (elapsed * 1e6) / calls;
}

function child(spec) {
  const [index, name] = spec.split(':');
  const value = CASES[Number(index)][1];
  const codec = CODECS[name];
  const length = codec.encode(value);
  if (length < 0) throw new Error(`${name}: does not fit`);
  const ops = {
    encode: () => (sink ^= codec.encode(value)),
    decode: () => (sink ^= codec.decode(length) === undefined ? 1 : 0),
    both: () => (sink ^= codec.decode(codec.encode(value)) === undefined ? 1 : 0),
  };
  if (name === 'value-codec') ops.check = () => (sink ^= isPlainJson(value) ? 1 : 0);
  const ms = Number(args.ms);
  const out = { bytes: length };
  for (const [op, fn] of Object.entries(ops)) {
    time(fn, ms / 2); // warm up
    out[op] = time(fn, ms);
  }
  process.stdout.write(JSON.stringify(out));
}

function parent() {
  const self = fileURLToPath(import.meta.url);
  const runs = CASES.map(() => ({ 'value-codec': [], 'v8.serialize': [] }));
  for (let rep = 0; rep < Number(args.reps); rep++) {
    for (let index = 0; index < CASES.length; index++) {
      for (const name of Object.keys(CODECS)) {
        const flags = ['--child', `${index}:${name}`, '--ms', args.ms, ...(args.wall ? ['--wall'] : [])];
        const run = spawnSync(process.execPath, [self, ...flags], { encoding: 'utf8' });
        if (run.status !== 0) throw new Error(run.stderr);
        runs[index][name].push(JSON.parse(run.stdout));
      }
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const best = (xs) => Math.min(...xs);
  const fmt = (ns) => `${ns.toFixed(0).padStart(7)} ns`;
  const col = (text, width) => String(text).padStart(width);
  console.log(`node ${process.version}, ${args.reps} reps of ${args.ms} ms ${args.wall ? 'wall' : 'CPU'} time per op; ns/op, median of reps (slot ${INLINE} B)\n`);
  console.log(`${'value'.padEnd(42)}${'codec'.padEnd(14)}${col('bytes', 6)}${col('encode', 11)}${col('decode', 11)}${col('enc+dec', 11)}${col('best', 11)}`);
  CASES.forEach(([label], index) => {
    const of = (name, op) => runs[index][name].map((r) => r[op]);
    for (const name of Object.keys(CODECS)) {
      const cells = `${fmt(median(of(name, 'encode')))}${fmt(median(of(name, 'decode')))}${fmt(median(of(name, 'both')))}${fmt(best(of(name, 'both')))}`;
      console.log(`${(name === 'value-codec' ? label : '').padEnd(42)}${name.padEnd(14)}${col(runs[index][name][0].bytes, 6)}${cells}`);
    }
    const ratio = (f) => `x${(f(of('v8.serialize', 'both')) / f(of('value-codec', 'both'))).toFixed(2)}`;
    const path = isPlainJson(CASES[index][1]) ? 'JSON' : 'V8';
    console.log(`${''.padEnd(42)}${'speed-up'.padEnd(14)}${col('', 28)}${col(ratio(median), 11)}${col(ratio(best), 11)}`);
    console.log(`${''.padEnd(42)}${'check'.padEnd(14)}${col('', 6)}${fmt(median(of('value-codec', 'check')))}   isPlainJson: ${path} path\n`);
  });
}

if (args.child !== undefined) child(args.child);
else parent();
