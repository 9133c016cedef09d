import { runsBefore } from './aging.js';
import { readFrom } from './codec.js';
import {
  CLAIM_NONE,
  H_COMPLETION_SEQ,
  H_MAIN_WAITING,
  H_RING_WAITING,
  H_ROLE_WAITING,
  LEVELS,
  SF_ENQUEUED_AT,
  SLOT_TIMES,
  SLOT_WORDS,
  S_CLAIM,
  S_PAYLOAD_LEN,
  S_FLAGS,
  S_ROUTE,
  S_SPILL_AT,
  S_STATE,
  SlotFlags,
  SlotState,
  ticketOf,
  computeLayout,
  type Layout,
  type SharedRegion,
} from './layout.js';

/** What readPayload returns for a payload that is not in shared memory. */
export const BY_MESSAGE: unique symbol = Symbol('by message');

/**
 * The bounded priority queue over shared memory. One producer (the coordinator)
 * pushes slot indices onto ten FIFO rings; any number of consumers (agents)
 * claim from them without the coordinator's event loop taking part.
 *
 * Claiming is decided on the slot, not the ring: a queued slot's CLAIM word
 * holds its ring position (the "ticket"), and exactly one compare-and-swap from
 * ticket to owner wins it. Moving the ring head is only bookkeeping that anyone
 * may do, so an agent that dies between claim and head move strands nothing,
 * and an entry whose slot was taken back and reused (ticket changed) is skipped.
 */
export class SharedQueue {
  readonly layout: Layout;
  readonly words: Int32Array;
  readonly times: Float64Array;
  readonly bytes: Uint8Array;
  /** Length-tracking: sees the spill buffer grow. */
  readonly spill: Uint8Array;
  /** Several roles: slots carry a route mask and per-role waiting counts are kept. One role pays for neither. */
  readonly routed: boolean;

  constructor(region: SharedRegion) {
    this.layout = computeLayout(region.sizes);
    this.routed = (region.sizes.roles ?? 1) > 1;
    this.words = new Int32Array(region.words);
    this.times = new Float64Array(region.times);
    this.bytes = new Uint8Array(region.bytes);
    this.spill = new Uint8Array(region.spill);
  }

  /**
   * The buffers to hand an agent. With private payloads the payload bytes
   * (inline and spilled) are left out: the agent gets buffers of its own, so
   * nothing of another task's payload or result is mapped into it.
   */
  regionFor(payloads: 'shared' | 'private'): SharedRegion {
    const shared = payloads === 'shared';
    const bytes = shared ? (this.bytes.buffer as SharedArrayBuffer) : new SharedArrayBuffer(8);
    const spill = shared ? (this.spill.buffer as SharedArrayBuffer) : new SharedArrayBuffer(0);
    return { sizes: this.layout, words: this.words.buffer as SharedArrayBuffer, times: this.times.buffer as SharedArrayBuffer, bytes, spill };
  }

  // --- the completion sequence: agents bump it after publishing, the coordinator sleeps on it

  completionSeq(): number {
    return Atomics.load(this.words, H_COMPLETION_SEQ);
  }

  /**
   * Coordinator: sleep until the sequence moves past `seen`, without blocking
   * the main thread. undefined when it already moved (then there is work now).
   * MAIN_WAITING is stored before waitAsync compares: see publishCompletion.
   */
  sleepOnCompletions(seen: number): Promise<unknown> | undefined {
    Atomics.store(this.words, H_MAIN_WAITING, 1);
    const waited = Atomics.waitAsync(this.words, H_COMPLETION_SEQ, seen);
    if (waited.async) return waited.value;
    Atomics.store(this.words, H_MAIN_WAITING, 0);
    return undefined;
  }

  /** The coordinator is awake again: agents need not notify it. */
  awake(): void {
    Atomics.store(this.words, H_MAIN_WAITING, 0);
  }

  /** Wakes the sleeping coordinator (stop). */
  bumpCompletions(): void {
    Atomics.add(this.words, H_COMPLETION_SEQ, 1);
    Atomics.notify(this.words, H_COMPLETION_SEQ);
  }

  slotWord(slot: number, field: number): number {
    return this.layout.slotBase + slot * SLOT_WORDS + field;
  }

  /**
   * Agent side: the task's payload, decoded from the slot's inline bytes or
   * its spill chunk (a copy: the memory may be reused once the task is
   * published), or BY_MESSAGE when it travels beside the ring.
   */
  readPayload(slot: number): unknown {
    const length = Atomics.load(this.words, this.slotWord(slot, S_PAYLOAD_LEN));
    if (length < 0) return BY_MESSAGE;
    if ((Atomics.load(this.words, this.slotWord(slot, S_FLAGS)) & SlotFlags.SPILLED) === 0) {
      return readFrom(this.bytes, slot * this.layout.inlineBytes, length);
    }
    return readFrom(this.spill, Atomics.load(this.words, this.slotWord(slot, S_SPILL_AT)), length);
  }

  slotTime(slot: number, field: number): number {
    return slot * SLOT_TIMES + field;
  }

  private headIndex(level: number): number {
    return this.layout.ringBase + level * this.layout.ringWords;
  }

  private entryIndex(level: number, position: number): number {
    // Positions are free-running int32 counters; `>>> 0` keeps the modulo non-negative after wrap-around.
    return this.headIndex(level) + 2 + (position & (this.layout.ringEntries - 1));
  }

  /** Live plus stale entries in a ring (positions not yet passed by the head). */
  ringSpan(level: number): number {
    const base = this.headIndex(level);
    return (Atomics.load(this.words, base + 1) - Atomics.load(this.words, base)) | 0;
  }

  /** Tasks waiting in the rings; agents decrement it when they claim. */
  waitingCount(): number {
    return Atomics.load(this.words, H_RING_WAITING);
  }

  /** Tasks waiting in the rings that an agent of `role` may take (all of them when nothing is routed). */
  waitingFor(role: number): number {
    return this.routed ? Atomics.load(this.words, H_ROLE_WAITING + role) : Atomics.load(this.words, H_RING_WAITING);
  }

  /** Adds `delta` to the waiting count of every role in the slot's route. */
  private countRoute(slot: number, delta: number): void {
    let mask = Atomics.load(this.words, this.slotWord(slot, S_ROUTE));
    for (let role = 0; mask !== 0; role++, mask >>>= 1) if ((mask & 1) !== 0) Atomics.add(this.words, H_ROLE_WAITING + role, delta);
  }

  /**
   * Coordinator only. The slot's fields must be written before this call: the
   * seq-cst store of `tail` publishes them to any agent that later sees the entry.
   */
  push(level: number, slot: number): void {
    if (this.ringSpan(level) >= this.layout.ringEntries) this.compact(level);
    const base = this.headIndex(level);
    const tail = Atomics.load(this.words, base + 1);
    Atomics.store(this.words, this.slotWord(slot, S_STATE), SlotState.QUEUED);
    Atomics.store(this.words, this.slotWord(slot, S_CLAIM), ticketOf(level, tail));
    Atomics.store(this.words, this.entryIndex(level, tail), slot);
    Atomics.add(this.words, H_RING_WAITING, 1);
    if (this.routed) this.countRoute(slot, 1);
    Atomics.store(this.words, base + 1, (tail + 1) | 0);
  }

  /**
   * Coordinator only: take a queued slot back (cancel while queued, close
   * without drain). False when an agent claimed it first.
   */
  reclaim(slot: number): boolean {
    const claimIndex = this.slotWord(slot, S_CLAIM);
    const ticket = Atomics.load(this.words, claimIndex);
    if (ticket < 0) return false;
    if (Atomics.compareExchange(this.words, claimIndex, ticket, CLAIM_NONE) !== ticket) return false;
    Atomics.sub(this.words, H_RING_WAITING, 1);
    if (this.routed) this.countRoute(slot, -1);
    return true;
  }

  /**
   * A ring full of stale entries (tasks cancelled while waiting behind a live
   * head) is rebuilt: live slots are reclaimed, the head jumps to the tail, and
   * they are pushed again in their old order. An agent racing with this reads
   * a ticket that no longer matches and simply looks again.
   */
  private compact(level: number): void {
    const base = this.headIndex(level);
    const live: number[] = [];
    const tail = Atomics.load(this.words, base + 1);
    for (let pos = Atomics.load(this.words, base); pos !== tail; pos = (pos + 1) | 0) {
      const slot = Atomics.load(this.words, this.entryIndex(level, pos));
      if (Atomics.load(this.words, this.slotWord(slot, S_CLAIM)) === ticketOf(level, pos) && this.reclaim(slot)) live.push(slot);
    }
    for (;;) {
      const head = Atomics.load(this.words, base);
      if (Atomics.compareExchange(this.words, base, head, tail) === head) break;
    }
    for (const slot of live) this.push(level, slot);
  }

  /**
   * Agent side: claim the task that should run next, or return -1. `owner` is
   * the value to write into the slot's CLAIM word (negative, names the block).
   * `roleBit` (pools with several roles): only slots whose route has that bit
   * are looked at; entries for other roles are stepped over, not taken, so the
   * ring head stays where it is until their own agents claim them.
   */
  claimNext(owner: number, nowMs: number, agingIntervalMs: number, roleBit = 0): number {
    for (;;) {
      let bestLevel = -1;
      let bestPos = 0;
      let bestSlot = -1;
      let bestEnqueuedAt = 0;
      for (let level = 0; level < LEVELS; level++) {
        const head = roleBit === 0 ? this.liveHead(level) : this.firstFor(level, roleBit);
        if (head === undefined) continue;
        const slot = Atomics.load(this.words, this.entryIndex(level, head));
        const enqueuedAtMs = this.times[this.slotTime(slot, SF_ENQUEUED_AT)] ?? 0;
        if (
          bestLevel === -1 ||
          runsBefore({ priority: level + 1, enqueuedAtMs }, { priority: bestLevel + 1, enqueuedAtMs: bestEnqueuedAt }, nowMs, agingIntervalMs)
        ) {
          bestLevel = level;
          bestPos = head;
          bestSlot = slot;
          bestEnqueuedAt = enqueuedAtMs;
        }
      }
      if (bestLevel === -1) return -1;
      const ticket = ticketOf(bestLevel, bestPos);
      if (Atomics.compareExchange(this.words, this.slotWord(bestSlot, S_CLAIM), ticket, owner) === ticket) {
        Atomics.sub(this.words, H_RING_WAITING, 1);
        // The slot is ours now: its route cannot change under us.
        if (this.routed) this.countRoute(bestSlot, -1);
        const base = this.headIndex(bestLevel);
        Atomics.compareExchange(this.words, base, bestPos, (bestPos + 1) | 0);
        return bestSlot;
      }
      // Lost the race for that slot: look again from the top.
    }
  }

  /**
   * Position of the first live entry of a ring that a role may take, or
   * undefined. The route word is read after the ticket matched; if the slot
   * was taken and reused in between, its ticket changed too and the claim's
   * compare-and-swap fails, so a stale route can never win a slot.
   */
  private firstFor(level: number, roleBit: number): number | undefined {
    const head = this.liveHead(level);
    if (head === undefined) return undefined;
    const tail = Atomics.load(this.words, this.headIndex(level) + 1);
    for (let pos = head; pos !== tail; pos = (pos + 1) | 0) {
      const slot = Atomics.load(this.words, this.entryIndex(level, pos));
      if (Atomics.load(this.words, this.slotWord(slot, S_CLAIM)) !== ticketOf(level, pos)) continue;
      if ((Atomics.load(this.words, this.slotWord(slot, S_ROUTE)) & roleBit) !== 0) return pos;
    }
    return undefined;
  }

  /** Position of the first live entry of a ring, moving the head past stale ones; undefined when empty. */
  private liveHead(level: number): number | undefined {
    const base = this.headIndex(level);
    for (;;) {
      const head = Atomics.load(this.words, base);
      const tail = Atomics.load(this.words, base + 1);
      if (head === tail) return undefined;
      const slot = Atomics.load(this.words, this.entryIndex(level, head));
      if (Atomics.load(this.words, this.slotWord(slot, S_CLAIM)) === ticketOf(level, head)) return head;
      Atomics.compareExchange(this.words, base, head, (head + 1) | 0);
    }
  }
}
