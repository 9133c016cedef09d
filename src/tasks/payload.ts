import { DataCloneError, InvalidOptionError } from '../errors.js';
import { encode, isDetached } from '../ring/codec.js';

import { types } from 'node:util';
import { MessagePort } from 'node:worker_threads';

type Transferable = ArrayBuffer | MessagePort;

/**
 * A task's payload as the pool keeps it from submit on. Copying at submit is
 * what makes admission honest: the caller may mutate or reuse its object at
 * once, and an agent that starts the task later still sees it as submitted.
 * - bytes: the encoded value (with the trace id when the caller gave one);
 *   written into the slot when it fits, else sent with the task by message;
 * - clone: a structured clone made at submit, for values the byte codec cannot
 *   write but postMessage can carry (a SharedArrayBuffer is shared, not copied);
 * - transfer: the caller's own object, with buffers and ports that move to the
 *   agent when it is dispatched (until then the caller still holds them).
 */
export type EncodedPayload =
  | { kind: 'bytes'; bytes: Uint8Array; withTrace: boolean }
  | { kind: 'clone'; value: unknown; withTrace: boolean; extra?: unknown }
  | { kind: 'transfer'; value: unknown; transfer: readonly Transferable[]; withTrace: boolean; extra?: unknown };

/** What a settled task keeps in place of its payload: nothing (getTask() shows no payloads). */
export const RELEASED_PAYLOAD: EncodedPayload = Object.freeze({ kind: 'bytes', bytes: new Uint8Array(0), withTrace: false });

/** What an agent receives when the payload is not in its slot. */
export function messageForm(payload: EncodedPayload, traceId: string): { value: unknown; transfer: readonly Transferable[] | undefined } {
  switch (payload.kind) {
    case 'bytes':
      return { value: payload.bytes, transfer: undefined };
    case 'clone':
      return { value: wrap(payload.value, payload.withTrace, traceId, payload.extra), transfer: undefined };
    case 'transfer':
      return { value: wrap(payload.value, payload.withTrace, traceId, payload.extra), transfer: payload.transfer };
  }
}

/** `[value, traceId]`, plus the task's flow link third when it has one; the bare value when neither travels. */
function wrap(value: unknown, withTrace: boolean, traceId: string, extra: unknown): unknown {
  if (extra !== undefined) return [value, traceId, extra];
  return withTrace ? [value, traceId] : value;
}

/**
 * Throws when a buffer of a checked transfer list was detached since submit
 * (the caller moved it elsewhere): postMessage would send it as a zero-length
 * buffer without complaint.
 */
export function assertStillAttached(transfer: readonly Transferable[]): void {
  transfer.forEach((item, i) => {
    if (item instanceof ArrayBuffer && isDetached(item)) throw new TypeError(`transfer[${i}] was detached after submit: the buffer is no longer the caller's to move`);
  });
}

/**
 * Checks a transfer list at submit, so a bad one is refused before anything
 * is accepted: only ArrayBuffers and MessagePorts move, each once, none already
 * detached (a typed-array view must be given as its `.buffer`).
 */
export function checkTransferList(transfer: readonly unknown[]): readonly Transferable[] {
  const seen = new Set<unknown>();
  transfer.forEach((item, i) => {
    const isBuffer = item instanceof ArrayBuffer;
    const isPort = item instanceof MessagePort;
    if (!isBuffer && !isPort) {
      const hint = ArrayBuffer.isView(item) ? ' (a view: pass its .buffer)' : '';
      throw new InvalidOptionError(`transfer[${i}]`, `an ArrayBuffer or a MessagePort${hint}`, item);
    }
    if (seen.has(item)) throw new InvalidOptionError(`transfer[${i}]`, 'each buffer or port listed once', item);
    if (isBuffer && isDetached(item)) throw new InvalidOptionError(`transfer[${i}]`, 'an ArrayBuffer that is not detached', item);
    seen.add(item);
  });
  return transfer as readonly Transferable[];
}

/**
 * Copies (or, with a transfer list, checks) the payload at submit; throws
 * DataCloneError for what cannot cross. `spillTarget` may offer room to encode
 * into: shared memory for a large payload (the task then holds that chunk), a
 * slab for a small one. `extra` (a flow node's link and
 * inputs) travels with it as the tuple's third element; it needs the trace id,
 * which a flow always gives.
 */
export function admitPayload(
  payload: unknown,
  traceId: string | undefined,
  transfer: readonly Transferable[] | undefined,
  extra?: unknown,
  spillTarget?: (bytes: number) => Uint8Array | undefined,
): EncodedPayload {
  const withTrace = traceId !== undefined || extra !== undefined;
  const value = extra !== undefined ? [payload, traceId, extra] : withTrace ? [payload, traceId] : payload;
  if (transfer !== undefined) {
    // Nothing moves until dispatch, but what postMessage would refuse is refused now:
    // a trial clone with the transfer list on a throwaway channel would detach the
    // caller's buffers, so the check clones without it (buffers are copied, ports refused).
    if (!transfer.some((t) => !(t instanceof ArrayBuffer))) {
      const value = extra === undefined ? payload : [payload, extra];
      // A trial clone copies every buffer (a 1 MB payload's cost many times over); most
      // payloads are plain data around buffers, which a short walk proves cloneable.
      if (!provablyCloneable(value, transfer)) tryClone(value);
    }
    return { kind: 'transfer', value: payload, transfer, withTrace, extra };
  }
  try {
    return { kind: 'bytes', bytes: encode(value, spillTarget), withTrace };
  } catch (error) {
    // The byte codec cannot write a SharedArrayBuffer; postMessage shares one. Such a
    // payload is cloned now and travels by message; one that neither can carry is refused.
    if (extra !== undefined) {
      const [clonedPayload, clonedExtra] = tryClone([payload, extra], error) as [unknown, unknown];
      return { kind: 'clone', value: clonedPayload, withTrace, extra: clonedExtra };
    }
    return { kind: 'clone', value: tryClone(payload, error), withTrace };
  }
}

/** Nodes a walk looks at before it leaves the question to a trial clone. */
const WALK_BUDGET = 256;

/**
 * True when structured clone (with `transfer` as its transfer list) is sure to
 * accept `value`: plain objects and arrays (no accessors, no proxies) of
 * primitives, Dates, and buffers or views whose buffer is shared, listed for
 * transfer or still attached. False means "not proven" (anything else, or
 * more than WALK_BUDGET nodes): the caller clones to find out.
 */
function provablyCloneable(value: unknown, transfer: readonly Transferable[]): boolean {
  const seen = new Set<object>();
  let budget = WALK_BUDGET;
  const bufferOk = (b: ArrayBufferLike): boolean => !(b instanceof ArrayBuffer) || transfer.includes(b) || !isDetached(b);
  const walk = (v: unknown): boolean => {
    if (--budget < 0) return false;
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return typeof v !== 'symbol';
    if (typeof v === 'function' || types.isProxy(v)) return false;
    if (seen.has(v)) return true;
    seen.add(v);
    if (v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) return bufferOk(v);
    if (ArrayBuffer.isView(v)) return bufferOk(v.buffer);
    if (v instanceof Date) return true;
    const proto: unknown = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return false;
    if (Array.isArray(v) && proto !== Array.prototype) return false;
    for (const key of Reflect.ownKeys(v)) {
      if (typeof key === 'symbol') continue; // structured clone skips symbol keys
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d === undefined || d.get !== undefined || d.set !== undefined) return false;
      if (d.enumerable === true && !walk(d.value)) return false;
    }
    return true;
  };
  return walk(value);
}

function tryClone(value: unknown, firstError?: unknown): unknown {
  try {
    return structuredClone(value);
  } catch (error) {
    throw new DataCloneError('payload', firstError ?? error);
  }
}
