/**
 * Payloads too large for a slot's inline bytes, kept in shared memory anyway:
 * a growable SharedArrayBuffer that every agent maps from boot, carved into
 * chunks by the coordinator alone. A task whose encoded payload sits here goes
 * through the rings like any small task (any agent may claim it, nothing is
 * posted), so large payloads are pipelined instead of waiting for one agent's
 * mailbox, and the main thread copies the bytes once instead of cloning them
 * into a message.
 *
 * Chunks come in size classes, four per power of two (8, 10, 12, 14, 16 KiB,
 * ...), so a chunk wastes under a fifth of its size. A freed chunk goes back
 * to its class's free list and is reused by the next payload of that class;
 * new chunks are cut from the end, growing the buffer (doubling, up to its
 * `maxByteLength`). Nothing is ever merged or returned: the area stays at its
 * high-water mark, which a burst of large payloads sets. When no chunk can be
 * had, `allocate` says so and the payload travels by message, as before.
 *
 * A chunk is counted: the task that was encoded into it holds it until it
 * settles, and each slot that names it holds it until the slot is released
 * (an agent may still be about to read it). It is reused once neither does.
 */

/** Smallest chunk: below this a payload fits the default inline bytes anyway. */
export const MIN_CHUNK_BYTES = 8 * 1_024;
/** Largest payload kept here; a larger one is rare enough to go by message. */
export const MAX_CHUNK_BYTES = 4 * 1_024 * 1_024;
/** What the area may grow to (address space reserved once, memory committed as it grows). */
export const SPILL_MAX_BYTES = 64 * 1_024 * 1_024;

const STEPS_PER_DOUBLING = 4;

/** The size class of a payload of `length` bytes: its index and the chunk size. Pure. */
export function sizeClass(length: number): { index: number; bytes: number } {
  const n = Math.max(length, MIN_CHUNK_BYTES);
  // The power of two at or below n, then the first quarter step at or above n.
  const exponent = 31 - Math.clz32(n);
  const base = 2 ** exponent;
  const step = base / STEPS_PER_DOUBLING;
  const steps = Math.ceil((n - base) / step);
  const bytes = base + steps * step;
  const minExponent = 31 - Math.clz32(MIN_CHUNK_BYTES);
  return { index: (exponent - minExponent) * STEPS_PER_DOUBLING + steps, bytes };
}

export interface SpillUsage {
  /** Bytes the area has grown to (shared memory committed). */
  bytes: number;
  /** Bytes in chunks that hold a payload now. */
  bytesInUse: number;
  /** Chunks that hold a payload now. */
  chunksInUse: number;
}

/** The coordinator's allocator over the spill buffer. Single-threaded: agents only read chunks. */
export class SpillArea {
  readonly #buffer: SharedArrayBuffer;
  readonly #free: number[][] = [];
  /** Holders of each chunk in use, by offset. */
  readonly #holders = new Map<number, number>();
  #end = 0;
  #bytesInUse = 0;
  #chunksInUse = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#buffer = buffer;
  }

  /** The offset of a chunk that holds `length` bytes, held once; or undefined when none can be had. */
  allocate(length: number): number | undefined {
    if (length > MAX_CHUNK_BYTES || !this.#buffer.growable) return undefined;
    const { index, bytes } = sizeClass(length);
    let offset = this.#free[index]?.pop();
    if (offset === undefined) {
      if (!this.#reserve(this.#end + bytes)) return undefined;
      offset = this.#end;
      this.#end += bytes;
    }
    this.#bytesInUse += bytes;
    this.#chunksInUse++;
    this.#holders.set(offset, 1);
    return offset;
  }

  /** One more holder of the chunk at `offset`. */
  retain(offset: number): void {
    const n = this.#holders.get(offset);
    if (n === undefined) throw new RangeError(`no chunk in use at ${offset}`);
    this.#holders.set(offset, n + 1);
  }

  /** A holder of the chunk at `offset` (allocated for `length` bytes) lets go; the last one frees it. */
  release(offset: number, length: number): void {
    const n = this.#holders.get(offset);
    if (n === undefined) throw new RangeError(`no chunk in use at ${offset}`);
    if (n > 1) {
      this.#holders.set(offset, n - 1);
      return;
    }
    this.#holders.delete(offset);
    const { index, bytes } = sizeClass(length);
    (this.#free[index] ??= []).push(offset);
    this.#bytesInUse -= bytes;
    this.#chunksInUse--;
  }

  usage(): SpillUsage {
    return { bytes: this.#buffer.byteLength, bytesInUse: this.#bytesInUse, chunksInUse: this.#chunksInUse };
  }

  /** Grows the buffer to hold `end` bytes: at least doubling, so growth is rare. */
  #reserve(end: number): boolean {
    const buffer = this.#buffer;
    if (end <= buffer.byteLength) return true;
    if (end > buffer.maxByteLength) return false;
    buffer.grow(Math.min(buffer.maxByteLength, Math.max(end, buffer.byteLength * 2, 1_024 * 1_024)));
    return true;
  }
}
