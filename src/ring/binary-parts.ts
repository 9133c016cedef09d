/**
 * The 'binary' form of the value codec: small plain JSON data around typed
 * arrays, DataViews and ArrayBuffers, written as a JSON skeleton followed by
 * the buffers' raw bytes. Copying bytes is what such a payload costs anyway;
 * V8's serializer adds a fixed cost and grows its output by reallocation, so a
 * 64 KiB view took it about twice as long as a copy.
 *
 *   [0xFE][json length: u32 LE][JSON of [skeleton, bufferLengths]][pad][buffer 0][pad][buffer 1]...
 *
 * In the skeleton a view or buffer is a marker object, `{"\u0000": [kind,
 * buffer, byteOffset, length]}`; the scan refuses this form for values that
 * have a "\u0000" key of their own, so a marker is never user data. As
 * structured clone does, a view carries its whole ArrayBuffer, and views of
 * one buffer share one buffer again after decoding.
 */
import { Buffer } from 'node:buffer';
import { types } from 'node:util';
import { copyBytes } from './copy-bytes.js';

export const BINARY_TAG = 0xfe;
/** Tag byte and JSON length. */
export const BINARY_HEADER_BYTES = 5;
export const MARKER_KEY = '\u0000';

const ARRAY_BUFFER = 0;
const DATA_VIEW = 1;
/** Typed array constructors by kind (2 on); 0 is an ArrayBuffer, 1 a DataView. */
const TYPED = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;
const FIRST_TYPED = 2;

/** Kind by exact prototype: a subclass (a Buffer, say) is left to V8, which knows what to make of it. */
const KINDS = new Map<object, number>([
  [ArrayBuffer.prototype, ARRAY_BUFFER],
  [DataView.prototype, DATA_VIEW],
  ...TYPED.map((C, i) => [C.prototype, FIRST_TYPED + i] as [object, number]),
]);

// The intrinsic getters: an own property named `buffer` on a view must not fool the codec.
const typedProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
function getter<T>(proto: object, name: string): (this: unknown) => T {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- an intrinsic getter, only ever called as getter.call(view)
  const get = Object.getOwnPropertyDescriptor(proto, name)?.get;
  if (get === undefined) throw new Error(`no intrinsic getter ${name}`);
  return get as (this: unknown) => T;
}
const TA_BUFFER = getter<ArrayBuffer>(typedProto, 'buffer');
const TA_OFFSET = getter<number>(typedProto, 'byteOffset');
const TA_LENGTH = getter<number>(typedProto, 'length');
const DV_BUFFER = getter<ArrayBuffer>(DataView.prototype, 'buffer');
const DV_OFFSET = getter<number>(DataView.prototype, 'byteOffset');
const DV_LENGTH = getter<number>(DataView.prototype, 'byteLength');

/** The kind of a binary object by its prototype, or -1. */
export function binaryKind(proto: unknown): number {
  return KINDS.get(proto as object) ?? -1;
}

/** The buffer behind a binary object of `kind` (itself, for an ArrayBuffer), read through the intrinsic getters. */
function bufferOf(o: object, kind: number): ArrayBufferLike {
  return kind === ARRAY_BUFFER ? (o as ArrayBuffer) : kind === DATA_VIEW ? DV_BUFFER.call(o) : TA_BUFFER.call(o);
}

/**
 * The ArrayBuffer a binary object of `kind` carries, or undefined when only V8
 * can be trusted with it: shared or resizable memory, a detached buffer.
 */
export function carriedBuffer(o: object, kind: number): ArrayBuffer | undefined {
  const buffer = bufferOf(o, kind);
  if (!types.isArrayBuffer(buffer) || buffer.resizable) return undefined;
  if (buffer.byteLength === 0 && isDetached(buffer)) return undefined;
  return buffer;
}

/** Node 20 has no ArrayBuffer.prototype.detached; a view over a detached buffer cannot be made. */
export function isDetached(buffer: ArrayBuffer): boolean {
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * The skeleton's JSON text: the value with markers, and the buffers' lengths.
 * Written by hand rather than by JSON.stringify with a replacer, which loses
 * V8's fast path and cost more than the rest of a small payload's encoding.
 * The scan has proven the value plain (finite numbers, no undefined, no shared
 * objects, at most a few dozen nodes), so this walk need not check again.
 */
export function skeletonText(value: unknown, buffers: readonly (ArrayBuffer | undefined)[], count: number): string {
  let lengths = '';
  for (let i = 0; i < count; i++) lengths += (i === 0 ? '' : ',') + String((buffers[i] as ArrayBuffer).byteLength);
  return `[${skeletonOf(value, buffers, count)},[${lengths}]]`;
}

function skeletonOf(v: unknown, buffers: readonly (ArrayBuffer | undefined)[], count: number): string {
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + skeletonOf(v[i], buffers, count);
    return out + ']';
  }
  const kind = binaryKind(Object.getPrototypeOf(v));
  if (kind >= 0) return marker(v, kind, buffers, count);
  let out = '{';
  let first = true;
  for (const key in v) {
    // Own data properties only, as the scan found them (it refused accessors).
    const d = Object.getOwnPropertyDescriptor(v, key);
    if (d === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + skeletonOf(d.value, buffers, count);
    first = false;
  }
  return out + '}';
}

function marker(v: object, kind: number, buffers: readonly (ArrayBuffer | undefined)[], count: number): string {
  const buffer = bufferOf(v, kind);
  let index = 0;
  while (index < count && buffers[index] !== buffer) index++;
  if (kind === ARRAY_BUFFER) return `{"\\u0000":[0,${index}]}`;
  const offset = kind === DATA_VIEW ? DV_OFFSET.call(v) : TA_OFFSET.call(v);
  const length = kind === DATA_VIEW ? DV_LENGTH.call(v) : TA_LENGTH.call(v);
  return `{"\\u0000":[${kind},${index},${String(offset)},${String(length)}]}`;
}

/**
 * Where the buffers' bytes go: each starts 8-byte aligned from the frame's
 * start. Copying out of shared memory from an unaligned address runs about
 * four times slower (V8 copies shared memory in word-sized relaxed atomics
 * only when both ends are aligned), and slots and spill chunks are aligned.
 */
const align8 = (n: number): number => (n + 7) & ~7;

/** Writes the header and the buffers around JSON text already written at offset + BINARY_HEADER_BYTES; the frame's length, or -1 past `capacity`. */
export function writeFrame(target: Uint8Array, offset: number, textBytes: number, buffers: readonly (ArrayBuffer | undefined)[], count: number, capacity: number): number {
  if (frameBytes(textBytes, buffers, count) > capacity) return -1;
  target[offset] = BINARY_TAG;
  target[offset + 1] = textBytes & 0xff;
  target[offset + 2] = (textBytes >>> 8) & 0xff;
  target[offset + 3] = (textBytes >>> 16) & 0xff;
  target[offset + 4] = (textBytes >>> 24) & 0xff;
  let end = BINARY_HEADER_BYTES + textBytes;
  for (let i = 0; i < count; i++) {
    const at = align8(end);
    target.fill(0, offset + end, offset + at); // padding: nothing of the encoder's memory travels
    const bytes = new Uint8Array(buffers[i] as ArrayBuffer);
    copyBytes(target, offset + at, bytes);
    end = at + bytes.length;
  }
  return end;
}

/** A frame's length for JSON text of `textBytes` bytes. */
export function frameBytes(textBytes: number, buffers: readonly (ArrayBuffer | undefined)[], count: number): number {
  let end = BINARY_HEADER_BYTES + textBytes;
  for (let i = 0; i < count; i++) end = align8(end) + (buffers[i] as ArrayBuffer).byteLength;
  return end;
}

/** Bytes the buffers take at the least (no padding): a bound for the room left to the text. */
export function buffersBytes(buffers: readonly (ArrayBuffer | undefined)[], count: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) n += (buffers[i] as ArrayBuffer).byteLength;
  return n;
}

/** The JSON text's length in a frame at `offset` (after the tag byte). */
export function frameTextBytes(source: Uint8Array, offset: number): number {
  return ((source[offset + 1] ?? 0) | ((source[offset + 2] ?? 0) << 8) | ((source[offset + 3] ?? 0) << 16) | ((source[offset + 4] ?? 0) << 24)) >>> 0;
}

/**
 * The value back from its parsed skeleton and the bytes after the text. The
 * input may come from a broken or hostile agent: anything malformed throws.
 */
export function reviveFrame(parsed: unknown, source: Uint8Array, frameStart: number, textBytes: number, frameEnd: number): unknown {
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Array.isArray(parsed[1])) throw new TypeError('binary frame: malformed skeleton');
  const lengths = parsed[1] as unknown[];
  const buffers: ArrayBuffer[] = [];
  let end = frameStart + BINARY_HEADER_BYTES + textBytes;
  for (const length of lengths) {
    const at = frameStart + align8(end - frameStart);
    if (!Number.isSafeInteger(length) || (length as number) < 0 || at + (length as number) > frameEnd) throw new RangeError('binary frame: buffer outside the frame');
    // Uninitialized, then filled: a zeroed ArrayBuffer would write every byte twice.
    const copy = Buffer.allocUnsafeSlow(length as number);
    copyBytes(copy, 0, source.subarray(at, at + (length as number)));
    buffers.push(copy.buffer);
    end = at + (length as number);
  }
  if (end !== frameEnd) throw new RangeError('binary frame: bytes left over');
  return revive(parsed[0], buffers);
}

function revive(v: unknown, buffers: readonly ArrayBuffer[]): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Object.hasOwn(v, MARKER_KEY)) return fromMarker((v as Record<string, unknown>)[MARKER_KEY], buffers);
  for (const key of Object.keys(v)) {
    const child = (v as Record<string, unknown>)[key];
    const revived = revive(child, buffers);
    // defineProperty, not assignment: a "__proto__" key is an own property here and must stay one.
    if (revived !== child) Object.defineProperty(v, key, { value: revived, writable: true, enumerable: true, configurable: true });
  }
  return v;
}

function fromMarker(m: unknown, buffers: readonly ArrayBuffer[]): unknown {
  if (!Array.isArray(m)) throw new TypeError('binary frame: malformed marker');
  const [kind, index, offset, length] = m as number[];
  const buffer = buffers[index as number];
  if (buffer === undefined) throw new RangeError('binary frame: marker names no buffer');
  if (kind === ARRAY_BUFFER) return buffer;
  // The constructors check offset, length and alignment against the buffer, and throw.
  if (kind === DATA_VIEW) return new DataView(buffer, offset, length);
  const C = TYPED[(kind as number) - FIRST_TYPED];
  if (C === undefined) throw new TypeError('binary frame: unknown kind');
  return new C(buffer, offset, length);
}
