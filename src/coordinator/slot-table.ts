import { readFrom } from '../ring/codec.js';
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
  S_STATE,
  S_TASK_ID,
  S_TYPE,
  SlotFlags,
  SlotState,
} from '../ring/layout.js';
import type { SharedQueue } from '../ring/shared-queue.js';
import type { TaskRecord } from '../task.js';

export type SlotOutcome =
  | { kind: 'value'; value: unknown; startedAt: number; finishedAt: number }
  | { kind: 'error'; wire: unknown; startedAt: number; finishedAt: number }
  | { kind: 'byMessage' };

/**
 * The coordinator's side of the slots: which are free, writing a task into one,
 * reading its outcome back. Only the coordinator allocates and frees.
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

  get(slot: number, field: number): number {
    return Atomics.load(this.queue.words, this.queue.slotWord(slot, field));
  }

  /** Writes everything an agent needs to run the task; the caller then publishes the slot (push or direct hand-off). */
  write(slot: number, task: TaskRecord, typeCode: number): void {
    task.attemptCounted = false;
    this.set(slot, S_CLAIM, CLAIM_NONE);
    this.set(slot, S_TASK_ID, task.id);
    this.set(slot, S_TYPE, typeCode);
    this.set(slot, S_PRIORITY, task.options.priority);
    this.set(slot, S_ATTEMPT, task.attemptsStarted + 1);
    this.set(slot, S_FLAGS, task.options.timeoutMs !== undefined ? SlotFlags.NOTIFY_START : 0);
    this.set(slot, S_OUTCOME, Outcome.NONE);
    const times = this.queue.times;
    times[this.queue.slotTime(slot, SF_ENQUEUED_AT)] = task.queuedAt;
    times[this.queue.slotTime(slot, SF_STARTED_AT)] = 0;
    times[this.queue.slotTime(slot, SF_FINISHED_AT)] = 0;
    if (task.encoded !== undefined) {
      this.queue.bytes.set(task.encoded, slot * this.inlineBytes);
      this.set(slot, S_PAYLOAD_LEN, task.encoded.length);
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

  readOutcome(slot: number): SlotOutcome {
    const outcome = this.get(slot, S_OUTCOME);
    if (outcome === Outcome.BY_MESSAGE) return { kind: 'byMessage' };
    const length = this.get(slot, S_RESULT_LEN);
    const decoded = readFrom(this.queue.bytes, slot * this.inlineBytes, length);
    const startedAt = this.startedAt(slot);
    const finishedAt = this.finishedAt(slot);
    return outcome === Outcome.OK ? { kind: 'value', value: decoded, startedAt, finishedAt } : { kind: 'error', wire: decoded, startedAt, finishedAt };
  }
}
