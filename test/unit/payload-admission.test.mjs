// Payload admission at submit: what the pool keeps (a copy, a clone or the caller's object with a transfer
// list), what it refuses (values that cannot cross, bad transfer lists), and the form an agent receives.
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataCloneError, InvalidOptionError, PoolError } from '../../dist/src/errors.js';
import { readFrom } from '../../dist/src/ring/codec.js';
import { admitPayload, checkTransferList, messageForm } from '../../dist/src/tasks/payload.js';
import { thrownBy } from '../helpers.mjs';

const decode = (bytes) => readFrom(bytes, 0, bytes.length);

const channels = [];
function port() {
  const ch = new MessageChannel();
  channels.push(ch);
  return ch.port1;
}
afterEach(() => {
  for (const ch of channels.splice(0)) {
    ch.port1.close();
    ch.port2.close();
  }
});

function detachedBuffer() {
  const ab = new ArrayBuffer(16);
  structuredClone(ab, { transfer: [ab] });
  expect(ab.byteLength).toBe(0);
  return ab;
}

describe('admitPayload: copied at submit', () => {
  it('a plain payload is kept as encoded bytes that decode to what was submitted', () => {
    const payload = { n: 1, list: [1, 2, 3], nested: { s: 'x' }, when: new Date(0), map: new Map([['k', 1]]) };
    const kept = admitPayload(payload, undefined, undefined);
    expect(kept.kind).toBe('bytes');
    expect(kept.withTrace).toBe(false);
    expect(kept.bytes).toBeInstanceOf(Uint8Array);
    expect(decode(kept.bytes)).toEqual(payload);
  });

  it('mutating the original after submit does not change what is kept', () => {
    const payload = { n: 1, list: [1, 2], nested: { s: 'before' }, buf: new Uint8Array([1, 2, 3]) };
    const kept = admitPayload(payload, undefined, undefined);
    payload.n = 99;
    payload.list.push(3);
    payload.nested.s = 'after';
    payload.buf[0] = 200;
    payload.added = true;
    const decoded = decode(kept.bytes);
    expect(decoded).toEqual({ n: 1, list: [1, 2], nested: { s: 'before' }, buf: new Uint8Array([1, 2, 3]) });
    expect(decoded).not.toHaveProperty('added');
  });

  it('the kept bytes are not a view of the caller’s buffer: overwriting the caller’s buffer changes nothing', () => {
    const ab = new ArrayBuffer(4);
    new Uint8Array(ab).set([1, 2, 3, 4]);
    const kept = admitPayload(ab, undefined, undefined);
    new Uint8Array(ab).fill(0);
    expect(new Uint8Array(decode(kept.bytes))).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  it('primitives, undefined and null are admitted as bytes', () => {
    for (const value of [0, -1.5, 'text', true, null, undefined, 10n]) {
      const kept = admitPayload(value, undefined, undefined);
      expect(kept.kind, String(value)).toBe('bytes');
      expect(decode(kept.bytes)).toEqual(value);
    }
  });

  it('with a trace id the bytes carry [payload, traceId] and withTrace is set', () => {
    const kept = admitPayload({ n: 1 }, 'trace-7', undefined);
    expect(kept.kind).toBe('bytes');
    expect(kept.withTrace).toBe(true);
    expect(decode(kept.bytes)).toEqual([{ n: 1 }, 'trace-7']);
  });

  it('an empty trace id is still a trace id', () => {
    const kept = admitPayload(1, '', undefined);
    expect(kept.withTrace).toBe(true);
    expect(decode(kept.bytes)).toEqual([1, '']);
  });
});

describe('admitPayload: SharedArrayBuffer payloads', () => {
  it('a SharedArrayBuffer payload becomes a clone that still shares the memory', () => {
    const sab = new SharedArrayBuffer(8);
    const kept = admitPayload({ sab }, undefined, undefined);
    expect(kept.kind).toBe('clone');
    expect(kept.withTrace).toBe(false);
    expect(kept.value.sab).toBeInstanceOf(SharedArrayBuffer);
    // Shared, not copied: a write through either side is seen by the other.
    new Uint8Array(kept.value.sab)[0] = 7;
    expect(new Uint8Array(sab)[0]).toBe(7);
    Atomics.store(new Int32Array(sab), 1, 42);
    expect(Atomics.load(new Int32Array(kept.value.sab), 1)).toBe(42);
  });

  it('the rest of a SharedArrayBuffer payload is still copied at submit', () => {
    const payload = { sab: new SharedArrayBuffer(4), meta: { step: 1 } };
    const kept = admitPayload(payload, undefined, undefined);
    payload.meta.step = 2;
    payload.extra = 'later';
    expect(kept.value).not.toBe(payload);
    expect(kept.value.meta).toEqual({ step: 1 });
    expect(kept.value).not.toHaveProperty('extra');
  });

  it('a clone with a trace id sets withTrace but keeps the value itself unwrapped', () => {
    const kept = admitPayload(new SharedArrayBuffer(4), 'tr', undefined);
    expect(kept.kind).toBe('clone');
    expect(kept.withTrace).toBe(true);
    expect(kept.value).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('admitPayload: refused payloads', () => {
  it.each([
    ['a function', () => 1],
    ['an object holding a function', { run() {} }],
    ['a symbol', Symbol('s')],
    ['a WeakMap', new WeakMap()],
  ])('%s throws DataCloneError with code ERR_DATA_CLONE', (_label, value) => {
    const error = thrownBy(() => admitPayload(value, undefined, undefined));
    expect(error).toBeInstanceOf(DataCloneError);
    expect(error).toBeInstanceOf(PoolError);
    expect(error.code).toBe('ERR_DATA_CLONE');
    expect(error.name).toBe('DataCloneError');
    expect(error.message).toMatch(/payload/);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('an uncloneable payload is refused with a trace id too', () => {
    expect(() => admitPayload(() => 1, 'tr', undefined)).toThrow(DataCloneError);
  });

  it('an uncloneable payload with a transfer list of buffers only is refused at submit', () => {
    const error = thrownBy(() => admitPayload({ fn() {}, buf: new ArrayBuffer(4) }, undefined, [new ArrayBuffer(4)]));
    expect(error).toBeInstanceOf(DataCloneError);
    expect(error.code).toBe('ERR_DATA_CLONE');
  });
});

describe('admitPayload: transfer lists', () => {
  it('with a transfer list the caller’s own object is kept with the list, nothing detached yet', () => {
    const ab = new ArrayBuffer(8);
    const payload = { ab };
    const transfer = [ab];
    const kept = admitPayload(payload, undefined, transfer);
    expect(kept).toEqual({ kind: 'transfer', value: payload, transfer, withTrace: false });
    expect(kept.value).toBe(payload);
    expect(kept.transfer).toBe(transfer);
    // The trial clone must not have moved the caller's buffer.
    expect(ab.byteLength).toBe(8);
  });

  it('a transfer payload records withTrace', () => {
    const ab = new ArrayBuffer(1);
    expect(admitPayload(ab, 'tr', [ab]).withTrace).toBe(true);
  });

  it('a payload carrying a port is accepted with the port in the transfer list', () => {
    const p = port();
    const kept = admitPayload({ p }, undefined, [p]);
    expect(kept.kind).toBe('transfer');
    expect(kept.transfer).toEqual([p]);
  });
});

describe('admitPayload: transfer lists, checked without copying the buffers', () => {
  afterEach(() => vi.restoreAllMocks());

  it('plain data around buffers is proven cloneable by a walk: no trial clone copies the buffers', () => {
    const clone = vi.spyOn(globalThis, 'structuredClone');
    const moved = new ArrayBuffer(1 << 20);
    const shared = new SharedArrayBuffer(8);
    const payload = { i: 1, when: new Date(0), rows: [{ a: 1n, b: 'x', c: null, d: undefined }], view: new Float64Array(moved, 8, 4), shared: new Int32Array(shared), kept: new Uint8Array(4) };
    payload.self = payload; // a cycle is fine for structured clone
    expect(admitPayload(payload, undefined, [moved]).kind).toBe('transfer');
    expect(clone).not.toHaveBeenCalled();
    expect(moved.byteLength).toBe(1 << 20);
  });

  it('what the walk cannot prove is trial-cloned, and refused at submit when it cannot cross', () => {
    const clone = vi.spyOn(globalThis, 'structuredClone');
    const ab = () => new ArrayBuffer(4);
    // A Map of functions, a getter (structured clone would run it) and a class instance are left to the clone.
    expect(thrownBy(() => admitPayload({ m: new Map([[1, () => 1]]) }, undefined, [ab()]))).toBeInstanceOf(DataCloneError);
    const getter = {};
    Object.defineProperty(getter, 'fn', { enumerable: true, get: () => () => 1 });
    expect(thrownBy(() => admitPayload(getter, undefined, [ab()]))).toBeInstanceOf(DataCloneError);
    class Point {
      x = 1;
    }
    expect(admitPayload({ p: new Point() }, undefined, [ab()]).kind).toBe('transfer');
    expect(clone).toHaveBeenCalledTimes(3);
  });

  it('a detached buffer that is not in the transfer list is refused, as postMessage would refuse it', () => {
    const gone = new ArrayBuffer(8);
    structuredClone(gone, { transfer: [gone] });
    expect(thrownBy(() => admitPayload({ gone }, undefined, [new ArrayBuffer(4)]))).toBeInstanceOf(DataCloneError);
  });
});

describe('checkTransferList', () => {
  it('accepts ArrayBuffers and MessagePorts and returns the same list', () => {
    const list = [new ArrayBuffer(1), port(), new ArrayBuffer(0)];
    expect(checkTransferList(list)).toBe(list);
  });

  it('accepts an empty list', () => {
    expect(checkTransferList([])).toEqual([]);
  });

  it.each([
    ['a typed-array view', () => new Uint8Array(4), /a view: pass its \.buffer/],
    ['a DataView', () => new DataView(new ArrayBuffer(4)), /a view: pass its \.buffer/],
    ['a plain object', () => ({ byteLength: 4 }), /an ArrayBuffer or a MessagePort/],
    ['a SharedArrayBuffer', () => new SharedArrayBuffer(4), /an ArrayBuffer or a MessagePort/],
    ['null', () => null, /an ArrayBuffer or a MessagePort/],
    ['a number', () => 3, /an ArrayBuffer or a MessagePort/],
  ])('refuses %s with ERR_INVALID_OPTION naming its index', (_label, make, expected) => {
    const error = thrownBy(() => checkTransferList([new ArrayBuffer(1), make()]));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.option).toBe('transfer[1]');
    expect(error.message).toMatch(expected);
  });

  it('refuses a buffer listed twice, naming the second occurrence', () => {
    const ab = new ArrayBuffer(4);
    const error = thrownBy(() => checkTransferList([ab, new ArrayBuffer(1), ab]));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.option).toBe('transfer[2]');
    expect(error.expected).toBe('each buffer or port listed once');
  });

  it('refuses a port listed twice', () => {
    const p = port();
    const error = thrownBy(() => checkTransferList([p, p]));
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.option).toBe('transfer[1]');
  });

  it('refuses a detached ArrayBuffer, naming its index', () => {
    const error = thrownBy(() => checkTransferList([new ArrayBuffer(1), detachedBuffer()]));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.option).toBe('transfer[1]');
    expect(error.expected).toBe('an ArrayBuffer that is not detached');
  });

  it('the first bad entry is the one named', () => {
    const error = thrownBy(() => checkTransferList([new ArrayBuffer(1), {}, new Uint8Array(1)]));
    expect(error.option).toBe('transfer[1]');
  });
});

describe('messageForm', () => {
  it('bytes travel as the encoded bytes, with no transfer list', () => {
    const kept = admitPayload({ n: 1 }, 'tr', undefined);
    expect(messageForm(kept, 'tr')).toEqual({ value: kept.bytes, transfer: undefined });
  });

  it('a clone travels as the value, wrapped with the trace id only when withTrace', () => {
    const sab = new SharedArrayBuffer(4);
    const plain = admitPayload(sab, undefined, undefined);
    expect(messageForm(plain, 'pfx-1')).toEqual({ value: plain.value, transfer: undefined });
    const traced = admitPayload(sab, 'tr', undefined);
    expect(messageForm(traced, 'tr')).toEqual({ value: [traced.value, 'tr'], transfer: undefined });
  });

  it('a transfer payload travels with its transfer list, wrapped with the trace id only when withTrace', () => {
    const ab = new ArrayBuffer(2);
    const plain = admitPayload(ab, undefined, [ab]);
    expect(messageForm(plain, 'pfx-2')).toEqual({ value: ab, transfer: [ab] });
    const traced = admitPayload(ab, 'tr', [ab]);
    const form = messageForm(traced, 'tr');
    expect(form.value).toEqual([ab, 'tr']);
    expect(form.transfer).toEqual([ab]);
  });
});
