import {
  BLOCK_TIMES,
  BLOCK_WORDS,
  CF_HEARTBEAT_AT,
  CF_HEAP_USED_BYTES,
  COMPLETION_RING,
  C_COMP_ENTRIES,
  C_COMP_HEAD,
  C_COMP_TAIL,
  C_DOORBELL,
  C_STATE,
  H_COMPLETION_SEQ,
  type Layout,
} from './layout.js';

/**
 * One agent incarnation's control block: a handful of words the coordinator and
 * that agent both touch, plus a single-producer/single-consumer completion ring
 * (agent publishes finished slots, coordinator drains them).
 */
export class ControlBlock {
  private readonly base: number;
  private readonly timeBase: number;

  constructor(
    private readonly words: Int32Array,
    private readonly times: Float64Array,
    layout: Layout,
    readonly index: number,
  ) {
    this.base = layout.blockBase + index * BLOCK_WORDS;
    this.timeBase = layout.blockTimeBase + index * BLOCK_TIMES;
  }

  /** The CLAIM-word value that marks a slot as owned by this block. */
  get owner(): number {
    return -(this.index + 2);
  }

  load(field: number): number {
    return Atomics.load(this.words, this.base + field);
  }

  store(field: number, value: number): void {
    Atomics.store(this.words, this.base + field, value);
  }

  compareExchange(field: number, expected: number, value: number): number {
    return Atomics.compareExchange(this.words, this.base + field, expected, value);
  }

  exchange(field: number, value: number): number {
    return Atomics.exchange(this.words, this.base + field, value);
  }

  /** Wakes the agent: bump first so an agent about to wait sees a changed value and does not sleep. */
  ring(): void {
    Atomics.add(this.words, this.base + C_DOORBELL, 1);
    Atomics.notify(this.words, this.base + C_DOORBELL, 1);
  }

  doorbellIndex(): number {
    return this.base + C_DOORBELL;
  }

  get state(): number {
    return this.load(C_STATE);
  }

  heartbeat(atMs: number): void {
    this.times[this.timeBase + CF_HEARTBEAT_AT] = atMs;
  }

  lastHeartbeatMs(): number {
    return this.times[this.timeBase + CF_HEARTBEAT_AT] ?? 0;
  }

  /** A plain store: a metric read a little stale is fine, and a float64 cannot be written atomically anyway. */
  setHeapUsedBytes(bytes: number): void {
    this.times[this.timeBase + CF_HEAP_USED_BYTES] = bytes;
  }

  heapUsedBytes(): number {
    return this.times[this.timeBase + CF_HEAP_USED_BYTES] ?? 0;
  }

  /** Clears a block before a new incarnation uses it. */
  reset(): void {
    for (let i = 0; i < BLOCK_WORDS; i++) Atomics.store(this.words, this.base + i, 0);
    this.times[this.timeBase + CF_HEARTBEAT_AT] = 0;
    this.times[this.timeBase + CF_HEAP_USED_BYTES] = 0;
  }

  // --- completion ring -----------------------------------------------------

  completionRoom(): number {
    return COMPLETION_RING - ((this.load(C_COMP_TAIL) - this.load(C_COMP_HEAD)) | 0);
  }

  /**
   * Agent side. The slot's outcome is written before this; the tail store
   * publishes it, and the header sequence bump wakes the coordinator's waitAsync.
   */
  publishCompletion(slot: number): void {
    const tail = this.load(C_COMP_TAIL);
    this.store(C_COMP_ENTRIES + ((tail >>> 0) % COMPLETION_RING), slot);
    this.store(C_COMP_TAIL, (tail + 1) | 0);
    Atomics.add(this.words, H_COMPLETION_SEQ, 1);
    Atomics.notify(this.words, H_COMPLETION_SEQ);
  }

  /** Coordinator side: hands every published slot to `onSlot`; returns how many. */
  drainCompletions(onSlot: (slot: number) => void): number {
    let head = this.load(C_COMP_HEAD);
    const tail = this.load(C_COMP_TAIL);
    let n = 0;
    while (head !== tail) {
      onSlot(this.load(C_COMP_ENTRIES + ((head >>> 0) % COMPLETION_RING)));
      head = (head + 1) | 0;
      n++;
      // Free the entry before handling the next so a blocked agent can continue.
      this.store(C_COMP_HEAD, head);
    }
    return n;
  }
}
