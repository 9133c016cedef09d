import { fromWireError, toWireError, type WireError } from '../src/errors.js';
import { PROTOCOL_VERSION, type SubtaskOptions } from '../src/protocol.js';
import type { SubtaskHandle } from './agent.js';
import { post } from './port.js';

interface Request {
  accepted: (handle: SubtaskHandle<unknown>) => void;
  refused: (error: Error) => void;
  fulfil: (value: unknown) => void;
  fail: (error: Error) => void;
  result: Promise<unknown> | undefined;
}

/**
 * The agent's side of ctx.run / ctx.submit: a subtask request goes to the
 * coordinator as a message, which admits it like any submit (same checks, same
 * coded errors) and answers twice: accepted (or refused), then settled.
 */
export class DelegationClient {
  #nextId = 1;
  readonly #requests = new Map<number, Request>();

  /**
   * `wait`: the caller awaits the result (ctx.run): the coordinator counts its
   * task as waiting on subtasks, for deadlock detection.
   */
  submit(parentTaskId: number, payload: unknown, options: SubtaskOptions | undefined, wait: boolean): Promise<SubtaskHandle<unknown>> {
    const requestId = this.#nextId++;
    const { signal, ...rest } = options ?? {};
    return new Promise<SubtaskHandle<unknown>>((resolve, reject) => {
      let fulfil!: (value: unknown) => void;
      let fail!: (error: Error) => void;
      const result = new Promise<unknown>((ok, no) => {
        fulfil = ok;
        fail = no;
      });
      // A ctx.submit whose result is never awaited must not crash the agent when it fails.
      result.catch(() => undefined);
      this.#requests.set(requestId, { accepted: resolve, refused: reject, fulfil, fail, result });
      try {
        post({ v: PROTOCOL_VERSION, kind: 'submit', requestId, parentTaskId, payload, options: rest, wait }, rest.transfer);
      } catch (error) {
        this.#requests.delete(requestId);
        reject(Object.assign(new Error('The subtask payload cannot cross the thread boundary', { cause: error }), { name: 'DataCloneError', code: 'ERR_DATA_CLONE' }));
        return;
      }
      if (signal !== undefined) {
        const abort = (): void => post({ v: PROTOCOL_VERSION, kind: 'cancelSubtask', requestId, reason: toWireError(signal.reason) });
        if (signal.aborted) abort();
        else signal.addEventListener('abort', abort, { once: true });
        void result.finally(() => signal.removeEventListener('abort', abort)).catch(() => undefined);
      }
    });
  }

  onAccepted(requestId: number, taskId: number, traceId: string): void {
    const r = this.#requests.get(requestId);
    if (r?.result === undefined) return;
    r.accepted({ id: taskId, traceId, result: r.result });
  }

  onRefused(requestId: number, error: WireError): void {
    const r = this.#requests.get(requestId);
    if (r === undefined) return;
    this.#requests.delete(requestId);
    r.refused(fromWireError(error));
  }

  onSettled(requestId: number, ok: boolean, value: unknown): void {
    const r = this.#requests.get(requestId);
    if (r === undefined) return;
    this.#requests.delete(requestId);
    if (ok) r.fulfil(value);
    else r.fail(fromWireError(value as WireError));
  }
}
