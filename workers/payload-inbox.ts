import { readFrom } from '../src/ring/codec.js';
import { BY_MESSAGE, type SharedQueue } from '../src/ring/shared-queue.js';

/** A flow node's link, as `TaskOptions.flow` gave it. */
export interface FlowLinkIn {
  id: number;
  node: string;
  inputs: Record<string, unknown>;
}

export type Loaded = [payload: unknown, traceId: string, flow?: FlowLinkIn];

interface Posted {
  payload: unknown;
  bytes: boolean;
}

/**
 * Where an agent finds a task's payload: in shared memory (its slot or a spill
 * chunk), or in the message the coordinator posted ahead of a hand-off (no
 * room in shared memory, private payloads, buffers that move). A message may arrive before or after the
 * agent takes the slot; either way the handler gets it without a fetch.
 */
export class PayloadInbox {
  /** Payloads posted ahead of a hand-off, by slot; and handlers waiting for one. */
  readonly #posted = new Map<number, Posted & { taskId: number }>();
  readonly #awaiting = new Map<number, { taskId: number; resolve: (p: Posted) => void }>();

  constructor(
    private readonly queue: SharedQueue,
    private readonly tracePrefix: string,
  ) {}

  /** A 'payload' message from the coordinator. */
  deliver(slot: number, taskId: number, payload: unknown, bytes: boolean): void {
    const waiter = this.#awaiting.get(slot);
    if (waiter?.taskId === taskId) {
      this.#awaiting.delete(slot);
      waiter.resolve({ payload, bytes });
    } else {
      // Usually here before the hand-off is taken; a newer one for the slot replaces a withdrawn one.
      this.#posted.set(slot, { taskId, payload, bytes });
    }
  }

  /**
   * The payload and trace id of the task in `slot`: read from shared memory, or from
   * the message posted ahead of the hand-off; a promise only when that message
   * has not arrived yet.
   */
  load(slot: number, taskId: number, traceInPayload: boolean): Loaded | Promise<Loaded> {
    const inShared = this.queue.readPayload(slot);
    if (inShared !== BY_MESSAGE) return this.#withTrace(inShared, taskId, traceInPayload);
    const early = this.#posted.get(slot);
    if (early?.taskId === taskId) {
      this.#posted.delete(slot);
      return this.#withTrace(early.bytes ? decodeBytes(early.payload as Uint8Array) : early.payload, taskId, traceInPayload);
    }
    return new Promise<Posted>((resolve) => this.#awaiting.set(slot, { taskId, resolve })).then((arrived) =>
      this.#withTrace(arrived.bytes ? decodeBytes(arrived.payload as Uint8Array) : arrived.payload, taskId, traceInPayload),
    );
  }

  #withTrace(value: unknown, taskId: number, traceInPayload: boolean): Loaded {
    if (!traceInPayload) return [value, `${this.tracePrefix}-${taskId}`];
    const loaded = value as Loaded;
    // A flow link may travel without a caller's trace id: then it is derived as usual.
    if (loaded[1] === undefined) loaded[1] = `${this.tracePrefix}-${taskId}`;
    return loaded;
  }
}

function decodeBytes(bytes: Uint8Array): unknown {
  return readFrom(bytes, 0, bytes.length);
}
