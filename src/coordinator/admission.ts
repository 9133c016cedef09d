import type { AgentRegistry } from '../agents/registry.js';
import type { Supervisor } from '../agents/supervisor.js';
import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import { AbortError, PoolClosedError, QueueFullError, UnknownTaskTypeError } from '../errors.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import { resolveTaskOptions, type ResolvedOptions } from '../options.js';
import { retryAfterMs } from '../scheduling/retry.js';
import type { TaskLedger } from '../tasks/ledger.js';
import { admitPayload } from '../tasks/payload.js';
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
  registry: AgentRegistry;
  cancellation: Cancellation;
  metrics: MetricsRecorder;
  /** Whether the pool still takes work (close() and destroy() say no). */
  isOpen: () => boolean;
}

/**
 * submit(): every check happens before the task is counted, so a call either
 * returns a handle (the task is accepted and will settle) or throws a coded
 * error with nothing accepted. The payload is copied here, whatever its size.
 */
export class Admission {
  readonly #p: AdmissionParts;
  #seq = 0;

  constructor(parts: AdmissionParts) {
    this.#p = parts;
  }

  submit<T>(payload: unknown, taskOptions: TaskOptions | undefined): TaskHandle<T> {
    const { options, supervisor, placement, metrics, clock, ledger, bus } = this.#p;
    if (!this.#p.isOpen()) throw new PoolClosedError();
    // Before degraded: nothing retries once every agent is abandoned, so that is the truer answer.
    if (supervisor.allAbandonedError !== undefined) throw supervisor.allAbandonedError;
    if (supervisor.degradedError !== undefined) throw supervisor.degradedError;
    const opts = resolveTaskOptions(taskOptions, options.taskTimeoutMs);
    const types = this.#p.registry.types;
    if (types !== undefined && !types.includes(opts.type)) throw new UnknownTaskTypeError(opts.type, types);
    const depth = placement.waitingCount();
    if (depth >= options.queueCapacity) {
      metrics.recordRejected();
      throw new QueueFullError(depth, options.queueCapacity, retryAfterMs(depth, options.queueCapacity, metrics.completionsPerSecond(clock.nowMs())));
    }
    if (opts.signal?.aborted === true) throw new AbortError(opts.signal.reason);
    const encoded = admitPayload(payload, opts.traceId, opts.transfer);
    // Accepted from here on: nothing below may throw (listeners and loggers are contained by the bus).
    const task = new Task(++this.#seq, opts, encoded, clock.nowMs(), options.tracePrefix);
    metrics.recordSubmitted();
    ledger.admit(task);
    const signal = opts.signal;
    if (signal !== undefined) {
      const onAbort = (): void => this.#p.cancellation.cancel(task, new AbortError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      task.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    if (bus.wants('taskQueued')) bus.emit('taskQueued', { taskId: task.id, traceId: task.traceId, type: task.type, priority: opts.priority });
    placement.place(task);
    return new Handle<T>(task);
  }
}
