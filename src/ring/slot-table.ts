import { readFrom } from './codec.js';
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
  S_STATE,
  S_TASK_ID,
  S_TYPE,
  SlotFlags,
  SlotState,
} from './layout.js';
import type { SharedQueue } from './shared-queue.js';

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
  /** Encoded payload bytes written into the slot, or undefined: the payload comes by message. */
  inline: Uint8Array | undefined;
  /** Bit mask of the roles whose agents may claim it (read only in pools with several roles). */
  route: number;
}

export type SlotOutcome =
  | { kind: 'value'; value: unknown; startedAt: number; finishedAt: number }
  | { kind: 'error'; wire: unknown; startedAt: number; finishedAt: number }
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

  constructor(private readonly queue: SharedQueue) {
    this.inlineBytes = queue.layout.inlineBytes;
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

  /** Writes everything an agent needs to run the task; the caller then publishes the slot (push or direct hand-off). */
  write(slot: number, d: SlotDescriptor): void {
    this.set(slot, S_CLAIM, CLAIM_NONE);
    this.set(slot, S_TASK_ID, d.taskId);
    this.set(slot, S_TYPE, d.typeCode);
    this.set(slot, S_PRIORITY, d.priority);
    this.set(slot, S_ATTEMPT, d.attempt);
    this.set(slot, S_FLAGS, (d.notifyStart ? SlotFlags.NOTIFY_START : 0) | (d.traceInPayload ? SlotFlags.TRACE_IN_PAYLOAD : 0));
    this.set(slot, S_OUTCOME, Outcome.NONE);
    this.set(slot, S_RESULT_LEN, 0);
    this.set(slot, S_ROUTE, d.route);
    const times = this.queue.times;
    times[this.queue.slotTime(slot, SF_ENQUEUED_AT)] = d.queuedAtMs;
    times[this.queue.slotTime(slot, SF_STARTED_AT)] = 0;
    times[this.queue.slotTime(slot, SF_FINISHED_AT)] = 0;
    if (d.inline !== undefined) {
      this.queue.bytes.set(d.inline, slot * this.inlineBytes);
      this.set(slot, S_PAYLOAD_LEN, d.inline.length);
    } else {
      this.set(slot, S_PAYLOAD_LEN, -1);
    }
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
    return outcome === Outcome.OK ? { kind: 'value', value: decoded, startedAt, finishedAt } : { kind: 'error', wire: decoded, startedAt, finishedAt };
  }
}
