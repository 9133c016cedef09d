// The slot value codec: JSON fast path for plain data, a 'binary' form for plain
// data around typed arrays and ArrayBuffers, V8 structured clone for everything else. The property test generates random nested values of every
// kind and checks that decode(encodeInto(v)) is indistinguishable from
// structuredClone(v): same prototypes, own keys (holes, undefined members),
// property attributes, Object.is on every primitive (-0, NaN), shared and
// cyclic references, typed-array offsets, and that the fast paths are taken
// exactly for the values that are plain (and small: at most 32 nodes).
import { describe, expect, it } from 'vitest';
import { decode, encode, encodeInto, formatOf, isPlainJson } from '../../dist/src/ring/value-codec.js';
import { makeRng, seedsFrom } from './prng.mjs';

// ---------------------------------------------------------------- comparison

const tagOf = (v) => Object.prototype.toString.call(v);
const isBoxed = (v) => ['[object Number]', '[object String]', '[object Boolean]', '[object BigInt]'].includes(tagOf(v));

/**
 * '' when `b` is a faithful clone of `a` (itself a structured clone), else the
 * path of the first difference. `pairs`/`back` make the object identity maps a
 * bijection, so a shared reference must stay shared (and a cycle cyclic).
 */
function cloneDiff(a, b, path = '$', pairs = new Map(), back = new Map()) {
  if (typeof a !== typeof b) return `${path}: typeof ${typeof a} vs ${typeof b}`;
  if (typeof a !== 'object' || a === null || b === null) return Object.is(a, b) ? '' : `${path}: ${String(a)} vs ${String(b)}`;
  if (pairs.has(a) || back.has(b)) return pairs.get(a) === b && back.get(b) === a ? '' : `${path}: reference structure differs`;
  pairs.set(a, b);
  back.set(b, a);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototype differs`;
  if (tagOf(a) !== tagOf(b)) return `${path}: ${tagOf(a)} vs ${tagOf(b)}`;
  if (a instanceof Date && !Object.is(a.getTime(), b.getTime())) return `${path}: date ${a.getTime()} vs ${b.getTime()}`;
  if (a instanceof RegExp && (a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex)) return `${path}: regexp`;
  if (isBoxed(a) && !Object.is(a.valueOf(), b.valueOf())) return `${path}: boxed value`;
  if (a instanceof Map || a instanceof Set) {
    const ea = [...a.entries()];
    const eb = [...b.entries()];
    if (ea.length !== eb.length) return `${path}: size ${ea.length} vs ${eb.length}`;
    for (let i = 0; i < ea.length; i++) {
      const d = cloneDiff(ea[i][0], eb[i][0], `${path}.key(${i})`, pairs, back) || cloneDiff(ea[i][1], eb[i][1], `${path}.get(${i})`, pairs, back);
      if (d) return d;
    }
  }
  if (a instanceof ArrayBuffer) {
    if (a.byteLength !== b.byteLength) return `${path}: byteLength`;
    const ua = new Uint8Array(a);
    const ub = new Uint8Array(b);
    for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return `${path}: byte ${i}`;
  }
  if (ArrayBuffer.isView(a)) {
    if (a.byteOffset !== b.byteOffset || a.byteLength !== b.byteLength) return `${path}: view range`;
    const d = cloneDiff(a.buffer, b.buffer, `${path}.buffer`, pairs, back);
    if (d) return d;
  }
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return `${path}: keys [${ka.map(String)}] vs [${kb.map(String)}]`;
  for (const k of ka) {
    const da = Object.getOwnPropertyDescriptor(a, k);
    const db = Object.getOwnPropertyDescriptor(b, k);
    for (const attr of ['enumerable', 'configurable', 'writable']) if (da[attr] !== db[attr]) return `${path}.${String(k)}: ${attr}`;
    const d = cloneDiff('value' in da ? da.value : a[k], 'value' in db ? db.value : b[k], `${path}.${String(k)}`, pairs, back);
    if (d) return d;
  }
  return '';
}

// ---------------------------------------------------------------- generation

const CHARS = [
  'a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\u0000', '\u001f', '\u007f', 'é', 'ß', '\u2028', '\u2029', '中', '\ufeff', '\uffff',
  '😀', '\ud800', '\udbff', '\udc00', '\udfff', // astral pair, lone high and low surrogates
];

function randomString(rng) {
  if (rng.chance(0.1)) return rng.pick(['', '__proto__', 'constructor', '0', '42', '4294967295', '-1', '1.5', 'length']);
  let s = '';
  for (let n = rng.int(12); n > 0; n--) s += rng.pick(CHARS);
  return s;
}

class Point {
  constructor(x) {
    this.x = x;
  }
}

const put = (o, key, value, enumerable = true) => Object.defineProperty(o, key, { value, enumerable, writable: true, configurable: true });

/** A random value; ctx.plain is cleared when any part of it is not plain JSON (or is shared). */
function generate(rng, depth, ctx) {
  if (ctx.objects.length > 0 && !ctx.plainOnly && rng.chance(0.04)) {
    ctx.plain = false; // a reference to an ancestor (cycle) or to an earlier object (shared)
    return rng.pick(ctx.objects);
  }
  const kinds = ctx.plainOnly || rng.chance(0.6) ? PLAIN_KINDS : EXOTIC_KINDS;
  const kind = depth >= 4 ? rng.pick(['number', 'string', 'bool', 'null']) : rng.pick(kinds);
  return MAKERS[kind](rng, depth, ctx);
}

const PLAIN_KINDS = ['number', 'string', 'bool', 'null', 'object', 'object', 'array', 'array'];
const EXOTIC_KINDS = [
  'oddNumber', 'undefined', 'bigint', 'date', 'regexp', 'map', 'set', 'typed', 'arrayBuffer', 'dataView', 'buffer', 'error',
  'boxed', 'nullProto', 'instance', 'oddObject', 'oddArray',
];

const track = (ctx, o) => (ctx.objects.push(o), o);
const exotic = (ctx, v) => ((ctx.plain = false), v);

const MAKERS = {
  number: (rng) => rng.pick([0, 1, -1, 42, 2 ** 31, -(2 ** 53) + 1, 2 ** 53 - 1, 1e300, 5e-324, -1e-7, 0.1 + 0.2, rng.next() * 1e6 - 5e5]),
  string: randomString,
  bool: (rng) => rng.chance(0.5),
  null: () => null,
  oddNumber: (rng, _d, ctx) => exotic(ctx, rng.pick([-0, NaN, Infinity, -Infinity])),
  undefined: (_rng, _d, ctx) => exotic(ctx, undefined),
  bigint: (rng, _d, ctx) => exotic(ctx, rng.pick([0n, -1n, 2n ** 70n])),
  date: (rng, _d, ctx) => exotic(ctx, track(ctx, new Date(rng.chance(0.2) ? NaN : rng.int(4e12)))),
  regexp: (rng, _d, ctx) => {
    const re = new RegExp(rng.pick(['a+b', '^\\d{2,}$', '[\\ud800]', '(?<y>\\w)']), rng.pick(['', 'g', 'imsu', 'y', 'd']));
    re.lastIndex = rng.int(3);
    return exotic(ctx, track(ctx, re));
  },
  map: (rng, depth, ctx) => {
    const m = track(ctx, new Map());
    ctx.plain = false;
    for (let n = rng.int(4); n > 0; n--) m.set(generate(rng, depth + 1, ctx), generate(rng, depth + 1, ctx));
    return m;
  },
  set: (rng, depth, ctx) => {
    const s = track(ctx, new Set());
    ctx.plain = false;
    for (let n = rng.int(4); n > 0; n--) s.add(generate(rng, depth + 1, ctx));
    return s;
  },
  typed: (rng, _d, ctx) => {
    ctx.binary = true;
    const Ctor = rng.pick([Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint32Array, Float32Array, Float64Array, BigInt64Array]);
    const buffer = new ArrayBuffer(32);
    const view = new Ctor(buffer, rng.pick([0, 8, 16]), rng.int(2) + 1); // an offset view over a larger buffer
    for (let i = 0; i < view.length; i++) view[i] = Ctor === BigInt64Array ? BigInt(rng.int(1000) - 500) : rng.pick([0, -0, 1, 255, -7, NaN, 0.5]);
    return track(ctx, view);
  },
  arrayBuffer: (rng, _d, ctx) => ((ctx.binary = true), track(ctx, new Uint8Array([rng.int(256), 1, 2]).buffer)),
  dataView: (rng, _d, ctx) => ((ctx.binary = true), track(ctx, new DataView(new ArrayBuffer(8), rng.int(4), 2))),
  buffer: (rng, _d, ctx) => exotic(ctx, track(ctx, rng.chance(0.5) ? Buffer.alloc(3, 7) : Buffer.from('pooled'))),
  error: (rng, depth, ctx) => {
    const Ctor = rng.pick([Error, TypeError, RangeError, SyntaxError, EvalError, URIError, ReferenceError]);
    const e = track(ctx, rng.chance(0.5) ? new Ctor(randomString(rng), { cause: generate(rng, depth + 1, ctx) }) : new Ctor(randomString(rng)));
    if (rng.chance(0.3)) e.extra = 1; // structured clone drops it
    return exotic(ctx, e);
  },
  boxed: (rng, _d, ctx) => exotic(ctx, track(ctx, Object(rng.pick([1, -0, 'str', true, 5n])))),
  nullProto: (rng, depth, ctx) => {
    const o = track(ctx, Object.create(null));
    ctx.plain = false;
    put(o, randomString(rng), generate(rng, depth + 1, ctx));
    return o;
  },
  instance: (rng, depth, ctx) => {
    ctx.plain = false;
    return track(ctx, new Point(generate(rng, depth + 1, ctx)));
  },
  object: (rng, depth, ctx) => {
    const o = track(ctx, {});
    for (let n = rng.int(6); n > 0; n--) {
      const key = randomString(rng);
      if (key === '\u0000') ctx.markerKey = true; // the binary form's marker: such a value goes to V8 instead
      if (!Object.hasOwn(o, key)) put(o, key, generate(rng, depth + 1, ctx)); // no overwrites: ctx.plain must describe what is kept
    }
    return o;
  },
  array: (rng, depth, ctx) => {
    const a = track(ctx, []);
    for (let n = rng.int(6); n > 0; n--) a.push(generate(rng, depth + 1, ctx));
    return a;
  },
  // Plain-looking objects that JSON would not copy faithfully, and harmless extras that it would.
  oddObject: (rng, depth, ctx) => {
    const o = MAKERS.object(rng, depth, ctx);
    switch (rng.int(6)) {
      case 0: put(o, randomString(rng), undefined); ctx.plain = false; break;
      case 1: {
        const inner = generate(rng, depth + 1, ctx); // structured clone reads it through the getter
        Object.defineProperty(o, 'g' + randomString(rng), { get: () => inner, enumerable: true, configurable: true });
        ctx.plain = false;
        break;
      }
      case 2: put(o, 'toJSON', () => 'not me', false); ctx.plain = false; break;
      // Skipped by JSON and structured clone alike, so still plain:
      case 3: put(o, Symbol('ignored'), () => 'symbol key'); break;
      case 4: put(o, 'hidden', () => 'non-enumerable', false); break;
      default: Object.defineProperty(o, 'hiddenGetter', { get: () => new Date(), enumerable: false }); break;
    }
    return o;
  },
  oddArray: (rng, depth, ctx) => {
    const a = MAKERS.array(rng, depth, ctx);
    switch (rng.int(3)) {
      case 0: a.length += 1 + rng.int(2); ctx.plain = false; break; // trailing holes
      case 1: if (a.length > 0) { delete a[rng.int(a.length)]; ctx.plain = false; } break;
      default: a[randomString(rng) + 'x'] = generate(rng, depth + 1, ctx); ctx.plain = false; break; // a named property
    }
    return a;
  },
};

/** Nodes of a plain (tree-shaped) value, counted as the codec counts them: every value, containers included. */
function nodeCount(v) {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return 1;
  return 1 + Object.values(v).reduce((sum, child) => sum + nodeCount(child), 0);
}

const MAX_NODES = 32; // the codec's cap on the JSON path

/** The form encodeInto must choose: 'json' for plain data, 'binary' for plain data around buffers, else 'v8'. */
function randomValue(rng) {
  const ctx = { plain: true, binary: false, markerKey: false, plainOnly: rng.chance(0.4), objects: [] };
  const value = generate(rng, 0, ctx);
  const fast = ctx.plain && nodeCount(value) <= MAX_NODES;
  const format = !fast ? 'v8' : !ctx.binary ? 'json' : ctx.markerKey ? 'v8' : 'binary';
  return { value, format };
}

// ---------------------------------------------------------------- tests

describe('value codec: property test against structuredClone', () => {
  for (const seed of seedsFrom('VALUE_CODEC_SEEDS', [1, 7, 2024, 99991])) {
    it(`round-trips 1500 random values exactly like structuredClone (seed ${seed})`, () => {
      const rng = makeRng(seed);
      // A view at an offset, like a slot. Room for a whole pooled Buffer's backing store, which a
      // typed array carries with it as structuredClone does (Buffer.poolSize is 8 KiB on Node 20, 64 KiB on 24).
      const region = new Uint8Array(new SharedArrayBuffer(1 << 18), 24);
      const counts = { json: 0, binary: 0, v8: 0 };
      for (let n = 0; n < 1500; n++) {
        const { value, format: expectedFormat } = randomValue(rng);
        const expected = structuredClone(value);
        const offset = 1 + rng.int(4000);
        const capacity = 1 << 17;
        region[offset - 1] = 0xa5;
        region[offset + capacity] = 0x5a;
        const written = encodeInto(value, region, offset, capacity);
        const where = `seed ${seed}, value #${n}`;
        expect(written, where).toBeGreaterThan(0);
        expect([region[offset - 1], region[offset + capacity]], `${where}: wrote outside its range`).toEqual([0xa5, 0x5a]);
        const format = formatOf(region, offset);
        expect(format, `${where}: fast paths taken for exactly the plain values`).toBe(expectedFormat);
        expect(isPlainJson(value), where).toBe(expectedFormat === 'json');
        counts[format]++;
        expect(cloneDiff(expected, decode(region, offset, written)), where).toBe('');
        expect(Buffer.from(encode(value)).equals(region.subarray(offset, offset + written)), `${where}: encode() gives the same bytes`).toBe(true);
        // Exactly-fitting capacity fits; one byte less does not (or, for JSON, falls to a shorter V8 form).
        // Half the time through a view of exactly the region (TextEncoder writes it), else an offset (Buffer writes it).
        const exactView = rng.chance(0.5);
        const tryIn = (cap) => (exactView ? encodeInto(value, region.subarray(offset, offset + cap)) : encodeInto(value, region, offset, cap));
        expect(tryIn(written), where).toBe(written);
        const tighter = tryIn(written - 1);
        if (tighter !== -1) {
          expect(format !== 'v8' && formatOf(region, offset) === 'v8' && tighter <= written - 1, where).toBe(true);
          expect(cloneDiff(expected, decode(region, offset, tighter)), where).toBe('');
        }
      }
      // The generator exercises both paths in earnest.
      expect(counts.json).toBeGreaterThan(400);
      expect(counts.binary).toBeGreaterThan(30);
      expect(counts.v8).toBeGreaterThan(400);
    });
  }
});

describe('value codec: fast path', () => {
  const region = new Uint8Array(new SharedArrayBuffer(4096));
  const roundTrip = (v) => decode(region, 0, encodeInto(v, region));

  it('takes JSON for plain values, including lone surrogates and __proto__ keys', () => {
    const proto = JSON.parse('{"__proto__": {"x": [1, "\\ud800"]}}');
    for (const v of [{ i: 1 }, [{ i: 1 }, 'trace-id'], 0, -1.5, 'x\ud800y\udc00', '', true, null, [], {}, proto, [[[{ a: [null] }]]]]) {
      expect(encodeInto(v, region)).toBeGreaterThan(0);
      expect(formatOf(region), JSON.stringify(v)).toBe('json');
      expect(cloneDiff(structuredClone(v), roundTrip(v))).toBe('');
    }
  });

  it('sends to V8 what JSON would change', () => {
    const shared = { s: 1 };
    const cyclic = { a: 1 };
    cyclic.self = cyclic;
    const holey = [];
    holey[1] = 1;
    const deep = [];
    let inner = deep;
    for (let i = 0; i < 100; i++) inner = inner[0] = [];
    for (const v of [-0, NaN, [1, undefined], { a: undefined }, holey, new Date(0), [shared, shared], cyclic, deep, Object.create(null), 1n, new Point(1)]) {
      encodeInto(v, region);
      expect(formatOf(region)).toBe('v8');
      expect(cloneDiff(structuredClone(v), roundTrip(v))).toBe('');
    }
    const out = roundTrip([shared, shared]);
    expect(out[0]).toBe(out[1]);
  });

  it('takes the binary form for plain data around typed arrays, DataViews and ArrayBuffers; views of one buffer share it again', () => {
    const buffer = new ArrayBuffer(64);
    new Uint8Array(buffer).forEach((_, i, a) => (a[i] = i));
    const v = { i: 1, head: new Uint8Array(buffer, 0, 8), tail: new Float64Array(buffer, 32, 2), raw: buffer, dv: new DataView(new ArrayBuffer(4)), big: [new BigInt64Array([-1n])] };
    expect(encodeInto(v, region)).toBeGreaterThan(0);
    expect(formatOf(region)).toBe('binary');
    const out = roundTrip(v);
    expect(cloneDiff(structuredClone(v), out)).toBe('');
    expect(out.head.buffer).toBe(out.raw);
    expect(out.tail.buffer).toBe(out.raw);
    expect(formatOf(encode(new Uint8Array(70_000)))).toBe('binary');
  });

  it('leaves to V8 what the binary form cannot say: Buffers, shared or resizable memory, a "\\u0000" key, a view met twice', () => {
    const view = new Uint8Array(4);
    const resizable = new ArrayBuffer(8, { maxByteLength: 16 });
    for (const v of [Buffer.alloc(3, 7), new Uint8Array(resizable), { '\u0000': 1, view: new Uint8Array(2) }, [view, view]]) {
      encodeInto(v, region);
      expect(formatOf(region)).toBe('v8');
      expect(cloneDiff(structuredClone(v), roundTrip(v))).toBe('');
    }
    // A SharedArrayBuffer cannot go into bytes at all (postMessage shares it): the V8 path says so.
    expect(() => encodeInto({ view: new Int32Array(new SharedArrayBuffer(8)) }, region)).toThrow(expect.objectContaining({ name: 'DataCloneError' }));
  });

  it('a malformed binary frame (a broken or hostile agent) throws instead of decoding to something', () => {
    const length = encodeInto({ data: new Uint8Array([1, 2, 3]) }, region);
    const frame = region.slice(0, length);
    expect(() => decode(frame, 0, length - 1)).toThrow(RangeError); // bytes missing
    expect(() => decode(frame, 0, 3)).toThrow(RangeError); // header cut
    const badLength = frame.slice();
    badLength[1] = 0xff; // text longer than the frame
    expect(() => decode(badLength, 0, length)).toThrow(RangeError);
    const text = new TextEncoder().encode('[{"\\u0000":[99,0,0,1]},[3]]');
    const forged = new Uint8Array(5 + text.length + 3);
    forged.set([0xfe, text.length, 0, 0, 0]);
    forged.set(text, 5);
    expect(() => decode(forged, 0, forged.length)).toThrow(TypeError); // unknown kind
  });

  it(`takes JSON for up to ${MAX_NODES} nodes, V8 beyond (where V8 is as fast)`, () => {
    const records = (n) => Array.from({ length: n }, (_, i) => ({ i })); // 1 + 2n nodes
    expect(isPlainJson(records(15))).toBe(true);
    expect(isPlainJson(records(16))).toBe(false);
    expect(isPlainJson(Array.from({ length: MAX_NODES - 1 }, () => 1))).toBe(true);
    expect(isPlainJson(Array.from({ length: MAX_NODES }, () => 1))).toBe(false);
    const big = records(200);
    const written = encodeInto(big, region);
    expect(written).toBeGreaterThan(0);
    expect(formatOf(region)).toBe('v8');
    expect(decode(region, 0, written)).toEqual(big);
  });

  it('finds a shared object among many', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ i }));
    many.push(many[13]);
    const written = encodeInto(many, region);
    expect(formatOf(region)).toBe('v8');
    const out = decode(region, 0, written);
    expect(out[20]).toBe(out[13]);
  });

  it('runs a getter once, as structured clone does', () => {
    let calls = 0;
    const v = {};
    Object.defineProperty(v, 'g', { get: () => ++calls, enumerable: true });
    expect(roundTrip(v)).toEqual({ g: 1 });
    expect(calls).toBe(1);
  });

  it('forgets the objects it saw: the same object twice in a row still takes JSON', () => {
    const v = { a: [1] };
    encodeInto(v, region);
    encodeInto(v, region);
    expect(formatOf(region)).toBe('json');
  });
});

describe('value codec: capacity', () => {
  const region = new Uint8Array(new SharedArrayBuffer(1 << 16), 8, 1024);

  it('returns -1 without throwing when the value does not fit, and writes nothing outside its range', () => {
    region.fill(0xee);
    expect(encodeInto({ s: 'x'.repeat(200) }, region, 10, 100)).toBe(-1);
    expect(encodeInto([new Date(0), 'é'.repeat(300)], region, 10, 100)).toBe(-1);
    expect(encodeInto(1, region, 10, 0)).toBe(-1);
    expect(region.subarray(0, 10).every((b) => b === 0xee) && region.subarray(110).every((b) => b === 0xee)).toBe(true);
  });

  it('refuses a huge value after looking at about `capacity` of it', () => {
    const huge = Array.from({ length: 1_000_000 }, (_, i) => ({ i }));
    const started = performance.now();
    expect(encodeInto(huge, region)).toBe(-1);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('refuses a string longer than the capacity without serializing it', () => {
    const stringify = JSON.stringify;
    JSON.stringify = () => {
      throw new Error('serialized');
    };
    try {
      expect(encodeInto({ s: 'x'.repeat(2000) }, region)).toBe(-1);
    } finally {
      JSON.stringify = stringify;
    }
  });

  it('falls back to V8 when the JSON text is too big but the V8 form fits', () => {
    const doubles = Array.from({ length: 30 }, (_, i) => i + 0.1234567890123);
    expect(isPlainJson(doubles)).toBe(true);
    expect(JSON.stringify(doubles).length).toBeGreaterThan(400);
    const written = encodeInto(doubles, region, 0, 400);
    expect(written).toBeGreaterThan(0);
    expect(formatOf(region)).toBe('v8');
    expect(decode(region, 0, written)).toEqual(doubles);
  });

  it('tells a too-big value through a view of exactly the region too', () => {
    const view = region.subarray(100, 110);
    expect(encodeInto('x'.repeat(8), view)).toBe(10);
    expect(encodeInto('x'.repeat(9), view)).toBe(-1); // 11 bytes as JSON, 13 as V8
    expect(encodeInto('中'.repeat(2), view)).toBe(8);
    expect(decode(view, 0, 8)).toBe('中中');
    expect(encodeInto('中'.repeat(4), view)).toBe(-1); // 14 bytes as JSON, 12 as V8 (two-byte string)
    const written = encodeInto('é'.repeat(5), view); // 12 bytes as JSON, but V8 writes Latin-1: 9
    expect([written, formatOf(view)]).toEqual([9, 'v8']);
    expect(decode(view, 0, written)).toBe('ééééé');
  });


  it('throws a RangeError for a range outside the view', () => {
    expect(() => encodeInto(1, region, 1000, 100)).toThrow(RangeError);
    expect(() => decode(region, 1020, 10)).toThrow(RangeError);
  });
});

describe('value codec: uncloneable values', () => {
  const region = new Uint8Array(4096);
  const { port1 } = new MessageChannel();
  port1.unref();
  const cases = {
    function: () => 1,
    symbol: Symbol('s'),
    'function member': { f() {} },
    proxy: new Proxy({}, {}),
    'proxy of an array': new Proxy([1], {}),
    WeakMap: new WeakMap(),
    Promise: Promise.resolve(),
    arguments: (function () {
      return arguments;
    })(1, 2),
    // Not refused by structured clone, which shares it, but the ring cannot hold shared memory:
    // the caller sends such a value by message.
    SharedArrayBuffer: { sab: new SharedArrayBuffer(8) },
    MessagePort: port1,
  };
  for (const [name, v] of Object.entries(cases)) {
    it(`throws a DataCloneError for ${name}`, () => {
      let thrown;
      try {
        encodeInto(v, region);
      } catch (error) {
        thrown = error;
      }
      expect(thrown?.name).toBe('DataCloneError');
      expect(thrown).toBeInstanceOf(globalThis.DOMException);
      expect(() => encode(v)).toThrow(thrown.message);
    });
  }
});

describe('value codec: decode copies out', () => {
  it('returns values that do not alias the slot bytes', () => {
    const region = new Uint8Array(new SharedArrayBuffer(256));
    const written = encodeInto({ bytes: new Uint8Array([1, 2, 3]), s: 'abc' }, region);
    const out = decode(region, 0, written);
    region.fill(0);
    expect(out.bytes.buffer).toBeInstanceOf(ArrayBuffer);
    expect([...out.bytes]).toEqual([1, 2, 3]);
    expect(out.s).toBe('abc');
  });

  it('decodes what encode() returns', () => {
    for (const v of [{ i: 1 }, new Map([[1, { d: new Date(5) }]])]) {
      const bytes = encode(v);
      expect(cloneDiff(structuredClone(v), decode(bytes, 0, bytes.length))).toBe('');
    }
  });
});
