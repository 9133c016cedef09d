import { readFrom } from './codec.js';
import { copyBytes } from './copy-bytes.js';
import {
  CLAIM_NONE,
  Outcome,
  SF_ENQUEUED_AT,
  SF_FINISHED_AT,
  SF_STARTED_AT,
  S_ATTEMPT,
  S_CLAIM,
  S_FLAGS,
  S_OUTCOME,
  S_PAYLOAD_LEN,
  S_PRIORITY,
  S_RESULT_LEN,
  S_ROUTE,
  S_SPILL_AT,
  S_STATE,
  S_TASK_ID,
  S_TYPE,
  SlotFlags,
  SlotState,
} from './layout.js';
import type { SharedQueue } from './shared-queue.js';
import { SpillArea, type SpillUsage } from './spill.js';

/** A slot's state by name, as the coordinator reads it. */
export type SlotPhase = 'free' | 'held' | 'queued' | 'assigned' | 'claimed' | 'running' | 'done';
const PHASES: readonly SlotPhase[] = ['free', 'held', 'queued', 'assigned', 'claimed', 'running', 'done'];

/** Everything an agent needs to run one try, as the coordinator writes it. */
export interface SlotDescriptor {
  taskId: number;
  typeCode: number;
  priority: number;
  attempt: number;
  queuedAtMs: number;
  notifyStart: boolean;
  /** The trace id travels inside the payload (the caller gave one); else the agent derives it. */
  traceInPayload: boolean;
  /**
   * Encoded payload bytes to keep in shared memory: in the slot when they fit,
   * else in a spill chunk when one can be had; undefined: it comes by message.
   */
  payload: Uint8Array | undefined;
  /** Bit mask of the roles whose agents may claim it (read only in pools with several roles). */
  route: number;
}

/** What the agent counted of a try itself (latency-counts.ts): bits of COUNTED_ASSIGNMENT and COUNTED_RUN. */
export const COUNTED_ASSIGNMENT = 1;
export const COUNTED_RUN = 2;

export type SlotOutcome =
  | { kind: 'value'; value: unknown; startedAt: number; finishedAt: number; counted: number }
  | { kind: 'error'; wire: unknown; startedAt: number; finishedAt: number; counted: number }
  | { kind: 'byMessage' }
  | { kind: 'none' }
  | { kind: 'unreadable'; error: unknown };

/**
 * The coordinator's typed view of the slots: which are free, writing a task
 * into one, reading its state, owner and outcome back. Only the coordinator
 * allocates and frees; the raw words stay inside this module.
 */
export class SlotTable {
  private readonly free: number[] = [];
  private readonly inlineBytes: number;
  private readonly spill: SpillArea;
  /**
   * Per slot, the bytes of the spill chunk it holds (0: none) and its offset:
   * the coordinator's own record, since the slot's shared words are agent-writable
   * and a broken agent must not be able to make the allocator free a wrong chunk.
   */
  private readonly spilledLength: Int32Array;
  private readonly spilledAt: Int32Array;

  constructor(private readonly queue: SharedQueue) {
    this.inlineBytes = queue.layout.inlineBytes;
    this.spill = new SpillArea(queue.spill.buffer as SharedArrayBuffer);
    this.spilledLength = new Int32Array(queue.layout.slots);
    this.spilledAt = new Int32Array(queue.layout.slots);
    for (let s = queue.layout.slots - 1; s >= 0; s--) {
      // A fresh buffer is all zeros, and 0 is a valid ticket: mark every slot unclaimable first.
      Atomics.store(queue.words, queue.slotWord(s, S_CLAIM), CLAIM_NONE);
      this.free.push(s);
    }
  }

  get available(): number {
    return this.free.length;
  }

  /** Bytes a payload or result may take inside a slot. */
  get inlineCapacity(): number {
    return this.inlineBytes;
  }

  /** A number that names a slot (an agent's word is input: checked before it indexes anything). */
  isSlot(n: number): boolean {
    return Number.isInteger(n) && n >= 0 && n < this.queue.layout.slots;
  }

  allocate(): number | undefined {
    return this.free.pop();
  }

  release(slot: number): void {
    this.unspill(slot);
    Atomics.store(this.queue.words, this.queue.slotWord(slot, S_STATE), SlotState.FREE);
    Atomics.store(this.queue.words, this.queue.slotWord(slot, S_CLAIM), CLAIM_NONE);
    this.free.push(slot);
  }

  private set(slot: number, field: number, value: number): void {
    Atomics.store(this.queue.words, this.queue.slotWord(slot, field), value);
  }

  private get(slot: number, field: number): number {
    return Atomics.load(this.queue.words, this.queue.slotWord(slot, field));
  }

  phase(slot: number): SlotPhase {
    return PHASES[this.get(slot, S_STATE)] ?? 'free';
  }

  /** Claimed or running: an agent holds it and has not published its outcome. */
  isHeldByAgent(slot: number): boolean {
    const s = this.get(slot, S_STATE);
    return s === SlotState.CLAIMED || s === SlotState.RUNNING;
  }

  /** The handler has started (running or done): a crash now costs the task an attempt. */
  hasStarted(slot: number): boolean {
    const s = this.get(slot, S_STATE);
    return s === SlotState.RUNNING || s === SlotState.DONE;
  }

  /** The owner mark in the claim word (an agent block's `owner`), or undefined while unowned. */
  owner(slot: number): number | undefined {
    const claim = this.get(slot, S_CLAIM);
    return claim <= -2 ? claim : undefined;
  }

  /** The spill area's size and what is in it now. */
  spillUsage(): SpillUsage {
    return this.spill.usage();
  }

  /**
   * Room in shared memory to encode a payload of `bytes` into at submit, so it
   * is copied once: a view of a spill chunk the task holds until it settles
   * (releasePayload). Undefined when it fits a slot anyway, or no chunk is free.
   */
  spillTarget(bytes: number): Uint8Array | undefined {
    if (bytes <= this.inlineBytes) return undefined;
    const at = this.spill.allocate(bytes);
    return at === undefined ? undefined : new Uint8Array(this.queue.spill.buffer, at, bytes);
  }

  /** A settled task lets go of the chunk its payload was encoded into (if it was). */
  releasePayload(bytes: Uint8Array): void {
    if (bytes.buffer === this.queue.spill.buffer) this.spill.release(bytes.byteOffset, bytes.length);
  }

  /** A slot written again (a retry) or released lets go of its chunk; the agents that could read it are done with it. */
  private unspill(slot: number): void {
    const length = this.spilledLength[slot] ?? 0;
    if (length === 0) return;
    this.spill.release(this.spilledAt[slot] ?? 0, length);
    this.spilledLength[slot] = 0;
  }

  /**
   * Writes everything an agent needs to run the task; the caller then
   * publishes the slot (push or direct hand-off). True when the payload is in
   * shared memory; false when it must be sent to the agent by message.
   */
  write(slot: number, d: SlotDescriptor): boolean {
    this.set(slot, S_CLAIM, CLAIM_NONE);
    this.set(slot, S_TASK_ID, d.taskId);
    this.set(slot, S_TYPE, d.typeCode);
    this.set(slot, S_PRIORITY, d.priority);
    this.set(slot, S_ATTEMPT, d.attempt);
    const flags = (d.notifyStart ? SlotFlags.NOTIFY_START : 0) | (d.traceInPayload ? SlotFlags.TRACE_IN_PAYLOAD : 0);
    this.set(slot, S_OUTCOME, Outcome.NONE);
    this.set(slot, S_RESULT_LEN, 0);
    this.set(slot, S_ROUTE, d.route);
    const times = this.queue.times;
    times[this.queue.slotTime(slot, SF_ENQUEUED_AT)] = d.queuedAtMs;
    times[this.queue.slotTime(slot, SF_STARTED_AT)] = 0;
    times[this.queue.slotTime(slot, SF_FINISHED_AT)] = 0;
    this.unspill(slot);
    const payload = d.payload;
    if (payload !== undefined && payload.length <= this.inlineBytes) {
      copyBytes(this.queue.bytes, slot * this.inlineBytes, payload);
      this.set(slot, S_PAYLOAD_LEN, payload.length);
      this.set(slot, S_FLAGS, flags);
      return true;
    }
    let at: number | undefined;
    if (payload !== undefined && payload.buffer === this.queue.spill.buffer) {
      // Encoded into a chunk at submit: the slot holds it too, nothing is copied.
      at = payload.byteOffset;
      this.spill.retain(at);
    } else if (payload !== undefined) {
      at = this.spill.allocate(payload.length);
      if (at !== undefined) copyBytes(this.queue.spill, at, payload);
    }
    if (payload === undefined || at === undefined) {
      this.set(slot, S_PAYLOAD_LEN, -1);
      this.set(slot, S_FLAGS, flags);
      return false;
    }
    this.spilledAt[slot] = at;
    this.spilledLength[slot] = payload.length;
    this.set(slot, S_SPILL_AT, at);
    this.set(slot, S_PAYLOAD_LEN, payload.length);
    // The bytes and words are stored before the caller publishes the slot (a seq-cst ring push or mailbox store).
    this.set(slot, S_FLAGS, flags | SlotFlags.SPILLED);
    return true;
  }

  /** Direct hand-off: the slot is owned by `owner` before the agent ever sees it. */
  assign(slot: number, owner: number): void {
    this.set(slot, S_STATE, SlotState.ASSIGNED);
    this.set(slot, S_CLAIM, owner);
  }

  startedAt(slot: number): number {
    return this.queue.times[this.queue.slotTime(slot, SF_STARTED_AT)] ?? 0;
  }

  finishedAt(slot: number): number {
    return this.queue.times[this.queue.slotTime(slot, SF_FINISHED_AT)] ?? 0;
  }

  /**
   * The outcome an agent published. Bytes that do not decode (a broken or
   * hostile agent) come back as `unreadable` instead of throwing into the
   * coordinator.
   */
  readOutcome(slot: number): SlotOutcome {
    const outcome = this.get(slot, S_OUTCOME);
    if (outcome === Outcome.BY_MESSAGE) return { kind: 'byMessage' };
    if (outcome !== Outcome.OK && outcome !== Outcome.ERROR) return { kind: 'none' };
    const length = this.get(slot, S_RESULT_LEN);
    if (!(length >= 0 && length <= this.inlineBytes)) return { kind: 'unreadable', error: new RangeError(`result length ${length} outside the slot`) };
    let decoded: unknown;
    try {
      decoded = readFrom(this.queue.bytes, slot * this.inlineBytes, length);
    } catch (error) {
      return { kind: 'unreadable', error };
    }
    const startedAt = this.startedAt(slot);
    const finishedAt = this.finishedAt(slot);
    const counted = this.agentCounted(slot);
    return outcome === Outcome.OK ? { kind: 'value', value: decoded, startedAt, finishedAt, counted } : { kind: 'error', wire: decoded, startedAt, finishedAt, counted };
  }

  /** Which of the try's latencies the agent counted itself (COUNTED_* bits): the coordinator records the rest. */
  agentCounted(slot: number): number {
    const flags = this.get(slot, S_FLAGS);
    return ((flags & SlotFlags.ASSIGNMENT_COUNTED) !== 0 ? COUNTED_ASSIGNMENT : 0) | ((flags & SlotFlags.RUN_COUNTED) !== 0 ? COUNTED_RUN : 0);
  }
}
