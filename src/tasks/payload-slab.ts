import { Buffer } from 'node:buffer';

/**
 * Room for small encoded payloads, carved from private slabs: each pending
 * task holds a view of a slab instead of an ArrayBuffer of its own. An
 * ArrayBuffer per task (a backing store, its bookkeeping, its sweep) cost
 * more than encoding a 1 KB payload. A slab is dropped once full and lives on
 * while a pending task still holds a view of it, so memory held is at most a
 * slab per long-pending task.
 *
 * Only for pools that share payload memory with every agent: a view posted by
 * message (a task that found no free slot) carries its whole slab, other
 * tasks' payloads included.
 */
export class PayloadSlab {
  #slab: Buffer = Buffer.alloc(0);
  #used = 0;

  constructor(
    /** The largest payload taken (a slot's inline bytes): larger ones get their own buffer. */
    private readonly maxBytes: number,
    private readonly slabBytes = Math.max(16 * 1024, maxBytes * 4),
  ) {}

  /** A view of exactly `bytes` bytes of a slab, or undefined when `bytes` is over maxBytes. */
  take(bytes: number): Buffer | undefined {
    if (bytes > this.maxBytes) return undefined;
    if (this.#used + bytes > this.#slab.length) {
      // Not from Buffer's pool, which other code shares.
      this.#slab = Buffer.allocUnsafeSlow(this.slabBytes);
      this.#used = 0;
    }
    const view = this.#slab.subarray(this.#used, this.#used + bytes);
    // 8-byte steps: the binary form aligns its raw buffers to 8 within a frame.
    this.#used += (bytes + 7) & ~7;
    return view;
  }
}
