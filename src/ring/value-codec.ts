import { Buffer } from 'node:buffer';
import { types } from 'node:util';
import { Deserializer, Serializer } from 'node:v8';
import { copyBytes } from './copy-bytes.js';
import {
  BINARY_HEADER_BYTES,
  BINARY_TAG,
  MARKER_KEY,
  binaryKind,
  buffersBytes,
  carriedBuffer,
  frameBytes,
  frameTextBytes,
  reviveFrame,
  skeletonText,
  writeFrame,
} from './binary-parts.js';

/**
 * Encodes a value into a region of shared memory (a slot's inline bytes) and
 * back, with structured clone semantics, but without paying V8 serialization
 * for plain JSON data.
 *
 *   encodeInto(value, target, offset = 0, capacity = target.length - offset): number
 *     Writes the value's encoding into target[offset, offset + capacity) and
 *     returns the byte count, or -1 when it does not fit (nothing thrown; the
 *     region may have been scribbled on). Quickest given a view of exactly the
 *     region (a view per slot, made once). Throws what structured clone throws
 *     for an uncloneable value (a DOMException named 'DataCloneError': functions,
 *     symbols, proxies...) unless found too big first; throws one too for a
 *     SharedArrayBuffer, which bytes cannot carry (postMessage shares it).
 *   encode(value): Uint8Array      the same bytes in a fresh array (to send beside the ring)
 *   decode(source, offset, length) the value back; copies out everything it returns
 *   formatOf(source, offset = 0)   'json' | 'binary' | 'v8'
 *   isPlainJson(value)             whether encodeInto takes the JSON path (small plain data)
 *
 * Three formats, told apart by their first byte: V8 serialization always
 * starts with its version tag 0xFF, the 'binary' form with 0xFE (binary-parts.ts),
 * and UTF-8 never contains either. 'json' is JSON.stringify's UTF-8 text;
 * 'binary' is small plain data around typed arrays, DataViews and
 * ArrayBuffers, as a JSON skeleton and the buffers' raw bytes; 'v8' is V8's
 * structured clone format, written by the base v8.Serializer (as postMessage
 * does), NOT by v8.serialize: the latter turns typed arrays into Node host
 * objects (a Buffer comes back a Buffer, a view comes back aliasing the input
 * bytes), so decode cannot read v8.serialize output that holds typed arrays.
 * Like postMessage, a view carries its whole ArrayBuffer: a small pooled
 * Buffer costs its 8 KiB pool.
 */
export type Format = 'json' | 'binary' | 'v8';

const V8_VERSION_TAG = 0xff;

/**
 * The JSON path is for plain values of at most this many nodes (nested ones
 * included). V8's cost is mostly fixed (~2.5 us to make a Serializer and a
 * Deserializer); per node it is as quick as JSON plus the check below (round-trip
 * crossovers: ~32 nodes for one wide object, 64-96 for records or numbers). A
 * bigger value goes to V8 after this many steps of the check, its only overhead.
 */
const MAX_NODES = 32;
const PLAIN = 0;
const NOT_PLAIN = 1;
const TOO_BIG = 2;

/**
 * The scan's state, in one object (module-level `let`s measured ~25% slower).
 * bytesLeft: capacity minus a lower bound of the size in EITHER format (a node
 * takes a byte in both, a string at least its length, a key one byte as V8 writes
 * index-like keys as numbers): once negative, neither fits, so a huge string is
 * refused unserialized. seen: objects met so far; structured clone keeps shared
 * references shared (and cycles cyclic), JSON would copy them. A reused array,
 * searched linearly: a Set costs each object an identity hash, clear() reallocates.
 */
const state = { bytesLeft: 0, nodesLeft: 0, seenCount: 0, bufferCount: 0, markerKey: false };
const seen: (object | undefined)[] = [];
/** The distinct ArrayBuffers the scan met (views of one buffer share it), for the 'binary' form. */
const buffers: (ArrayBuffer | undefined)[] = [];

function scan(v: unknown): number {
  if (--state.nodesLeft < 0) return NOT_PLAIN;
  switch (typeof v) {
    case 'string':
      // Lone surrogates are fine: JSON.stringify escapes them (\ud800), so the text is valid UTF-8.
      state.bytesLeft -= 1 + v.length;
      break;
    case 'number':
      // NaN and ±Infinity (v - v is NaN) become null in JSON; -0 becomes 0.
      if (v - v !== 0 || (v === 0 && 1 / v < 0)) return NOT_PLAIN;
      state.bytesLeft -= 1;
      break;
    case 'boolean':
      state.bytesLeft -= 1;
      break;
    case 'object':
      if (v === null) {
        state.bytesLeft -= 1;
        break;
      }
      return scanObject(v);
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      return NOT_PLAIN;
  }
  return state.bytesLeft < 0 ? TOO_BIG : PLAIN;
}

function scanObject(o: object): number {
  if (--state.bytesLeft < 0) return TOO_BIG;
  // isProxy first: every other test below would run a proxy's traps (structured clone refuses proxies).
  // 'toJSON' in o: JSON.stringify calls toJSON even when it is non-enumerable or inherited.
  if (types.isProxy(o) || 'toJSON' in o) return NOT_PLAIN;
  const count = state.seenCount;
  for (let i = 0; i < count; i++) if (seen[i] === o) return NOT_PLAIN;
  seen[count] = o;
  state.seenCount = count + 1;
  if (Array.isArray(o)) {
    if (Object.getPrototypeOf(o) !== Array.prototype) return NOT_PLAIN;
    const n = o.length;
    if (n > state.bytesLeft) return TOO_BIG;
    if (n > state.nodesLeft) return NOT_PLAIN;
    // Named properties on an array survive structured clone but not JSON (a RegExp match's index,
    // input, groups); no cheaper test than counting keys. Holes read as undefined below.
    if (Object.keys(o).length !== n) return NOT_PLAIN;
    for (let i = 0; i < n; i++) {
      const status = scan(o[i]);
      if (status !== PLAIN) return status;
    }
    return PLAIN;
  }
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto !== Object.prototype) {
    const kind = binaryKind(proto);
    return kind < 0 ? NOT_PLAIN : scanBinary(o, kind);
  }
  // Symbol.iterator: an `arguments` object has Object.prototype too, and structured clone refuses it.
  if (Symbol.iterator in o) return NOT_PLAIN;
  for (const key in o) {
    if (key === MARKER_KEY) state.markerKey = true; // the 'binary' form could not tell it from a marker
    // Read through the descriptor, where an accessor has no value (so reads as undefined: not
    // plain): a getter must not run here and again in JSON.stringify (structured clone runs it
    // once), and may return something else the second time. This is about half the check's
    // cost; `o[key]` would do without it.
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (d === undefined) continue; // inherited enumerable (someone extended Object.prototype): neither format copies it
    state.bytesLeft -= 1;
    const status = scan(d.value);
    if (status !== PLAIN) return status;
  }
  return PLAIN;
}

/** A typed array, DataView or ArrayBuffer: plain for the 'binary' form when its buffer is an ordinary one. */
function scanBinary(o: object, kind: number): number {
  const buffer = carriedBuffer(o, kind);
  if (buffer === undefined) return NOT_PLAIN;
  let i = 0;
  while (i < state.bufferCount && buffers[i] !== buffer) i++;
  if (i === state.bufferCount) {
    buffers[i] = buffer;
    state.bufferCount = i + 1;
    state.bytesLeft -= buffer.byteLength;
  }
  return state.bytesLeft < 0 ? TOO_BIG : PLAIN;
}

/**
 * PLAIN, NOT_PLAIN or TOO_BIG; with PLAIN, `buffers` holds the buffers it
 * carries (none: the 'json' form). The caller calls release() when done.
 */
function scanned(value: unknown, capacity: number): number {
  state.bytesLeft = capacity;
  state.nodesLeft = MAX_NODES;
  state.bufferCount = 0;
  state.markerKey = false;
  try {
    const status = scan(value);
    return status === PLAIN && state.bufferCount > 0 && state.markerKey ? NOT_PLAIN : status;
  } finally {
    for (let i = 0; i < state.seenCount; i++) seen[i] = undefined; // do not keep the caller's objects alive
    state.seenCount = 0;
  }
}

function release(): void {
  for (let i = 0; i < state.bufferCount; i++) buffers[i] = undefined;
  state.bufferCount = 0;
}

/** Whether encodeInto takes the JSON path for `value` (given room): plain JSON data of at most MAX_NODES nodes, no buffers. */
export function isPlainJson(value: unknown): boolean {
  try {
    return scanned(value, Infinity) === PLAIN && state.bufferCount === 0;
  } finally {
    release();
  }
}

/**
 * Node's hooks, so that every refusal is the DOMException structured clone throws; the base
 * class throws plain Errors (for shared memory and host objects such as a MessagePort too).
 */
class CloneSerializer extends Serializer {
  _getDataCloneError(message: string): Error {
    return new DOMException(message, 'DataCloneError');
  }

  _getSharedArrayBufferId(): never {
    throw new DOMException('#<SharedArrayBuffer> could not be cloned.', 'DataCloneError');
  }

  _writeHostObject(): never {
    throw new DOMException('A host object could not be cloned.', 'DataCloneError');
  }
}

/**
 * A new Serializer per value (~1.5 us of the cost, as in v8.serialize): one
 * cannot be reused, since V8 keeps its table of already-written objects across
 * releaseBuffer(), so an object written before comes out as a back-reference to
 * nothing (Node documents it as unusable after release).
 */
function serializeV8(value: unknown): Buffer {
  const serializer = new CloneSerializer();
  serializer.writeHeader();
  serializer.writeValue(value);
  return serializer.releaseBuffer();
}

/**
 * The undocumented methods behind buf.write(s, o, n, 'utf8') and buf.toString('utf8', a, b)
 * (on Buffer.prototype since Node 0.x), minus the argument shuffling: ~30 ns a call.
 */
interface FastBuffer extends Buffer {
  utf8Write(text: string, offset: number, maxBytes: number): number;
  utf8Slice(start: number, end: number): string;
}

/** A Buffer over a view's whole backing store, to reach Buffer's UTF-8 methods without a view per call. */
let backing: ArrayBufferLike | undefined;
let whole = Buffer.alloc(0) as FastBuffer;
function bufferOver(view: Uint8Array): FastBuffer {
  // A growable buffer (the spill area) may have grown past the Buffer made over it before.
  if (view.buffer !== backing || whole.length < view.byteOffset + view.length) {
    backing = view.buffer;
    whole = Buffer.from(view.buffer) as FastBuffer;
  }
  return whole;
}

/** UTF-8 of `text` at `offset` of `view` (a Buffer's own writer, or the cached one over a shared view's store). */
function writeAt(view: Uint8Array, text: string, offset: number, maxBytes: number): void {
  if (view instanceof Buffer) (view as FastBuffer).utf8Write(text, offset, maxBytes);
  else bufferOver(view).utf8Write(text, view.byteOffset + offset, maxBytes);
}

function checkRange(view: Uint8Array, offset: number, length: number): void {
  if (!(offset >= 0 && length >= 0 && offset + length <= view.length)) {
    throw new RangeError(`range [${offset}, ${offset + length}) is outside a view of ${view.length} bytes`);
  }
}

const textEncoder = new TextEncoder();

/** Bytes written, or -1 when the UTF-8 form of `text` exceeds `capacity`. */
function writeText(text: string, target: Uint8Array, offset: number, capacity: number): number {
  if (text.length > capacity) return -1; // UTF-8 takes at least one byte per UTF-16 unit
  if (offset === 0 && capacity === target.length) {
    // The target is exactly the region (say a view per slot, made once): the quickest writer.
    const { read, written } = textEncoder.encodeInto(text, target);
    return read === text.length ? written : -1;
  }
  // Otherwise Buffer's writer, which takes an offset: cheaper than a subarray() per call.
  const written = bufferOver(target).utf8Write(text, target.byteOffset + offset, capacity);
  // It stops before a character (at most 4 bytes, 3 per UTF-16 unit) that would not fit,
  // so only a nearly full write can be a truncated one.
  if (written <= capacity - 4 || text.length * 3 <= capacity || written === Buffer.byteLength(text)) return written;
  return -1;
}

export function encodeInto(value: unknown, target: Uint8Array, offset = 0, capacity = target.length - offset): number {
  checkRange(target, offset, capacity);
  try {
    const status = scanned(value, capacity);
    if (status === TOO_BIG) return -1;
    if (status === PLAIN && state.bufferCount === 0) {
      const written = writeText(JSON.stringify(value), target, offset, capacity);
      if (written >= 0) return written;
      // Too big as text; V8's form may still fit (8-byte doubles, two-byte strings, no quotes).
    } else if (status === PLAIN) {
      const count = state.bufferCount;
      const room = capacity - BINARY_HEADER_BYTES - buffersBytes(buffers, count);
      const textBytes = room < 0 ? -1 : writeText(skeletonText(value, buffers, count), target, offset + BINARY_HEADER_BYTES, room);
      const written = textBytes < 0 ? -1 : writeFrame(target, offset, textBytes, buffers, count, capacity);
      if (written >= 0) return written;
    }
  } finally {
    release();
  }
  const bytes = serializeV8(value);
  if (bytes.length > capacity) return -1;
  copyBytes(target, offset, bytes);
  return bytes.length;
}

/**
 * `target`, when given, may offer room of exactly the encoding's size (shared
 * memory, or a slab of small payloads) for the JSON and binary forms, which
 * are then written there and returned: a large buffer is copied once instead
 * of twice, a small payload costs no ArrayBuffer of its own.
 */
export function encode(value: unknown, target?: (bytes: number) => Uint8Array | undefined): Uint8Array {
  try {
    if (scanned(value, Infinity) === PLAIN) {
      const count = state.bufferCount;
      if (count === 0) {
        const json = JSON.stringify(value);
        const offered = target === undefined ? undefined : target(Buffer.byteLength(json));
        if (offered === undefined) return textEncoder.encode(json);
        writeAt(offered, json, 0, offered.length);
        return offered;
      }
      const text = skeletonText(value, buffers, count);
      const textBytes = Buffer.byteLength(text);
      const bytes = frameBytes(textBytes, buffers, count);
      // Not from Buffer's pool: a pooled view would carry the whole pool wherever it is posted.
      const out = target?.(bytes) ?? Buffer.allocUnsafeSlow(bytes);
      writeAt(out, text, BINARY_HEADER_BYTES, textBytes);
      writeFrame(out, 0, textBytes, buffers, count, bytes);
      return out;
    }
  } finally {
    release();
  }
  return serializeV8(value);
}

export function formatOf(source: Uint8Array, offset = 0): Format {
  const tag = source[offset];
  return tag === V8_VERSION_TAG ? 'v8' : tag === BINARY_TAG ? 'binary' : 'json';
}

/**
 * The value in source[offset, offset + length). Safe on a slot that is reused
 * right after: the text is copied into a string before parsing, and the base
 * Deserializer copies typed arrays' bytes (v8.deserialize would alias them).
 */
export function decode(source: Uint8Array, offset: number, length: number): unknown {
  checkRange(source, offset, length);
  if (source[offset] === V8_VERSION_TAG) {
    const deserializer = new Deserializer(source.subarray(offset, offset + length));
    deserializer.readHeader();
    return deserializer.readValue();
  }
  if (source[offset] === BINARY_TAG) {
    const textBytes = length < BINARY_HEADER_BYTES ? -1 : frameTextBytes(source, offset);
    if (textBytes < 0 || BINARY_HEADER_BYTES + textBytes > length) throw new RangeError('binary frame: text outside the frame');
    const from = source.byteOffset + offset + BINARY_HEADER_BYTES;
    const parsed: unknown = JSON.parse(bufferOver(source).utf8Slice(from, from + textBytes));
    return reviveFrame(parsed, source, offset, textBytes, offset + length);
  }
  const at = source.byteOffset + offset;
  return JSON.parse(bufferOver(source).utf8Slice(at, at + length));
}
