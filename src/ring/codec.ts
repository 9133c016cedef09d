import { decode, encode as encodeValue, encodeInto } from './value-codec.js';

export { isDetached } from './binary-parts.js';

/**
 * How values cross the boundary in shared memory (a slot, a spill chunk) or as
 * bytes beside it: plain JSON data as UTF-8 JSON text, plain data around typed
 * arrays and ArrayBuffers as a JSON skeleton and raw bytes, everything else in
 * V8's structured-clone format (see value-codec.ts; all decode to exactly what
 * structuredClone gives). `target` may offer shared memory to encode into.
 */
export function encode(value: unknown, target?: (bytes: number) => Uint8Array | undefined): Uint8Array {
  return encodeValue(value, target);
}

/** Writes `value` into target[offset, offset + capacity): bytes written, or -1 when it does not fit. */
export function writeInto(value: unknown, target: Uint8Array, offset: number, capacity: number): number {
  return encodeInto(value, target, offset, capacity);
}

/** The value in bytes[offset, offset + length); copies out, so the slot may be reused at once. */
export function readFrom(bytes: Uint8Array, offset: number, length: number): unknown {
  return decode(bytes, offset, length);
}
