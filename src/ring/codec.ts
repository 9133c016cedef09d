import { deserialize, serialize } from 'node:v8';

/**
 * Values cross the boundary inside a slot as V8 serialization bytes (the same
 * format structured clone uses). Anything larger than the slot, or carrying
 * transferables, travels by message instead; callers check `fits`.
 */
export function encode(value: unknown): Uint8Array {
  return serialize(value);
}

export function readFrom(bytes: Uint8Array, offset: number, length: number): unknown {
  // Copy out first: deserialize must not read memory that the slot's next owner may overwrite.
  return deserialize(bytes.slice(offset, offset + length));
}
