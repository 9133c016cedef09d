import type { RoleTable } from '../agents/role-table.js';
import type { Supervisor } from '../agents/supervisor.js';
import type { EventBus } from '../bus.js';
import type { PoolEventMap } from '../event-map.js';
import type { Clock } from '../clock.js';
import { AbortError, PoolClosedError, QueueFullError } from '../errors.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import { resolveTaskOptions, type ResolvedOptions } from '../options.js';
import { retryAfterMs } from '../scheduling/retry.js';
import type { TaskLedger } from '../tasks/ledger.js';
import { admitPayload } from '../tasks/payload.js';
import { PayloadSlab } from '../tasks/payload-slab.js';
import { Handle, Task } from '../tasks/task.js';
import type { TaskHandle, TaskOptions } from '../types.js';
import type { Cancellation } from './cancellation.js';
import type { Placement } from './placement.js';

export interface AdmissionParts {
  bus: EventBus;
  clock: Clock;
  options: ResolvedOptions;
  ledger: TaskLedger;
  placement: Placement;
  supervisor: Supervisor;
  roles: RoleTable;
  cancellation: Cancellation;
  metrics: MetricsRecorder;
  /** Whether the pool still takes work (close() and destroy() say no). */
  isOpen: () => boolean;
  /**
   * Shared memory to encode a large payload into at submit (SlotTable.spillTarget); none in
   * private pools. Pools that have it also encode small payloads into a slab (PayloadSlab).
   */
  spillTarget: ((bytes: number) => Uint8Array | undefined) | undefined;
}

/**
 * submit(): every check happens before the task is counted, so a call either
 * returns a handle (the task is accepted and will settle) or throws a coded
 * error with nothing accepted. The payload is copied here, whatever its size.
 */
export class Admission {
  readonly #p: AdmissionParts;
  #seq = 0;
  /** Where a payload is encoded at submit: a spill chunk when large, else a slab; undefined in private pools. */
  readonly #target: ((bytes: number) => Uint8Array | undefined) | undefined;

  constructor(parts: AdmissionParts) {
    this.#p = parts;
    const spill = parts.spillTarget;
    if (spill !== undefined) {
      const slab = new PayloadSlab(parts.options.inlinePayloadBytes);
      this.#target = (bytes) => spill(bytes) ?? slab.take(bytes);
    }
  }

  /** What submit() would refuse for these options (bad option, unknown type, role or capability), thrown; nothing is accepted. */
  check(taskOptions: TaskOptions | undefined): void {
    const opts = resolveTaskOptions(taskOptions, this.#p.options.taskTimeoutMs);
    const refused = this.#p.roles.refusal(this.#p.roles.route(opts), opts);
    if (refused !== undefined) throw refused;
  }

  /**
   * `parent`: the task whose handler submitted this one (ctx.run, ctx.submit):
   * recorded as parentId, and its trace id is inherited unless one is given.
   */
  submit<T>(payload: unknown, taskOptions: TaskOptions | undefined, parent?: { taskId: number; traceId: string }): TaskHandle<T> {
    const { options, supervisor, placement, metrics, clock, ledger, bus } = this.#p;
    if (!this.#p.isOpen()) throw new PoolClosedError();
    // Before degraded: nothing retries once every agent is abandoned, so that is the truer answer.
    if (supervisor.allAbandonedError !== undefined) throw supervisor.allAbandonedError;
    if (supervisor.degradedError !== undefined) throw supervisor.degradedError;
    let opts = resolveTaskOptions(taskOptions, options.taskTimeoutMs);
    if (parent !== undefined && opts.traceId === undefined) opts = { ...opts, traceId: parent.traceId };
    const route = this.#p.roles.route(opts);
    const refused = this.#p.roles.refusal(route, opts);
    if (refused !== undefined) throw refused;
    const depth = placement.waitingCount();
    if (depth >= options.queueCapacity) {
      metrics.recordRejected();
      throw new QueueFullError(depth, options.queueCapacity, retryAfterMs(depth, options.queueCapacity, metrics.completionsPerSecond(clock.nowMs())));
    }
    if (opts.signal?.aborted === true) throw new AbortError(opts.signal.reason);
    const encoded = admitPayload(payload, opts.traceId, opts.transfer, opts.flow, this.#target);
    // Accepted from here on: nothing below may throw (listeners and loggers are contained by the bus).
    const task = new Task(++this.#seq, opts, encoded, clock.nowMs(), options.tracePrefix);
    // 0 (not routed yet) when a role that could take it has not said its types: placed once it has.
    if (route.kind === 'roles') task.route = route.mask;
    task.parentId = parent?.taskId;
    metrics.recordSubmitted();
    ledger.admit(task);
    const signal = opts.signal;
    if (signal !== undefined) {
      const onAbort = (): void => this.#p.cancellation.cancel(task, new AbortError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      task.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    if (bus.wants('taskQueued')) {
      const queued: PoolEventMap['taskQueued'] = { taskId: task.id, traceId: task.traceId, type: task.type, priority: opts.priority };
      if (parent !== undefined) queued.parentId = parent.taskId;
      bus.emit('taskQueued', queued);
    }
    placement.place(task);
    return new Handle<T>(task);
  }
}
