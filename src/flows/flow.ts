import { AbortError, FlowFailedError, InvalidOptionError, QueueFullError } from '../errors.js';
import type { TaskHandle, TaskOptions, TaskSnapshot } from '../types.js';
import type { FlowGraph } from './spec.js';
import type { FlowHandle, FlowNodeSnapshot, FlowNodeStatus, FlowSnapshot, FlowState } from './types.js';

export interface FlowParts {
  id: number;
  traceId: string;
  graph: FlowGraph;
  signal: AbortSignal | undefined;
  /** The pool's submit(): each node is an ordinary task. */
  submit: (payload: unknown, options: TaskOptions) => TaskHandle<unknown>;
  getTask: (id: number) => TaskSnapshot | undefined;
  /** Resolves once the queue has room again (the pool's onSizeLessThan(capacity)). */
  room: () => Promise<void>;
  /** The flow ended (completed, failed, cancelled), or started again after one ended (retry). */
  onState: (flow: Flow, state: FlowState, error?: Error) => void;
}

interface Deferred {
  promise: Promise<Record<string, unknown>>;
  resolve: (value: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolve!: Deferred['resolve'];
  let reject!: Deferred['reject'];
  const promise = new Promise<Record<string, unknown>>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // A caller that never awaits the flow still sees the failure through events and status().
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * Runs one flow over the pool's public API. Dependency bookkeeping is a count
 * of unfinished dependencies per node, decremented along the node's edges when
 * it completes, so the whole flow costs O(nodes + edges); a node whose count
 * reaches zero is submitted at once, from the completion of its last input.
 */
export class Flow implements FlowHandle {
  readonly id: number;
  readonly traceId: string;
  readonly #p: FlowParts;
  readonly #status: FlowNodeStatus[];
  readonly #remaining: Int32Array;
  readonly #taskIds: (number | undefined)[];
  readonly #results: unknown[];
  readonly #errors: (Error | undefined)[];
  /** Nodes refused for a full queue, in order: submitted again when there is room. */
  #waitingRoom: number[] = [];
  #roomWait = false;
  #active = 0;
  #state: FlowState = 'running';
  #done = deferred();

  constructor(parts: FlowParts) {
    this.#p = parts;
    this.id = parts.id;
    this.traceId = parts.traceId;
    const n = parts.graph.ids.length;
    this.#status = new Array<FlowNodeStatus>(n).fill('waiting');
    this.#remaining = Int32Array.from(parts.graph.after, (deps) => deps.length);
    this.#taskIds = new Array<number | undefined>(n).fill(undefined);
    this.#results = new Array<unknown>(n).fill(undefined);
    this.#errors = new Array<Error | undefined>(n).fill(undefined);
    parts.signal?.addEventListener('abort', () => this.#abort(), { once: true });
    for (let i = 0; i < n; i++) if (this.#remaining[i] === 0) this.#submit(i);
    this.#maybeEnd();
  }

  get result(): Promise<Record<string, unknown>> {
    return this.#done.promise;
  }

  get state(): FlowState {
    return this.#state;
  }

  #submit(i: number): void {
    const { graph, signal } = this.#p;
    if (signal?.aborted === true) {
      this.#status[i] = 'cancelled';
      return;
    }
    const node = graph.nodes[i] ?? {};
    const inputs: Record<string, unknown> = {};
    for (const d of graph.after[i] ?? []) inputs[graph.ids[d] as string] = this.#results[d];
    const options: TaskOptions = {
      type: node.type,
      priority: node.priority,
      timeoutMs: node.timeoutMs,
      idempotent: node.idempotent,
      role: node.role,
      capabilities: node.capabilities,
      traceId: this.traceId,
      signal,
      flow: { id: this.id, node: graph.ids[i] as string, inputs },
    };
    let handle: TaskHandle<unknown>;
    try {
      handle = this.#p.submit(node.payload, options);
    } catch (error) {
      if (error instanceof QueueFullError) {
        this.#status[i] = 'queued';
        this.#waitingRoom.push(i);
        this.#waitForRoom();
        return;
      }
      this.#failed(i, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.#status[i] = 'queued';
    this.#taskIds[i] = handle.id;
    this.#active++;
    handle.result.then(
      (value) => {
        this.#active--;
        this.#completed(i, value);
      },
      (error: unknown) => {
        this.#active--;
        this.#failed(i, error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  #waitForRoom(): void {
    if (this.#roomWait) return;
    this.#roomWait = true;
    void this.#p.room().then(() => {
      this.#roomWait = false;
      const waiting = this.#waitingRoom;
      this.#waitingRoom = [];
      for (const i of waiting) this.#submit(i);
      this.#maybeEnd();
    });
  }

  #completed(i: number, value: unknown): void {
    this.#status[i] = 'completed';
    this.#results[i] = value;
    for (const d of this.#p.graph.dependents[i] ?? []) {
      const left = (this.#remaining[d] = (this.#remaining[d] ?? 1) - 1);
      if (left === 0 && this.#status[d] === 'waiting') this.#submit(d);
    }
    this.#maybeEnd();
  }

  #failed(i: number, error: Error): void {
    this.#status[i] = this.#p.signal?.aborted === true ? 'cancelled' : 'failed';
    this.#errors[i] = error;
    // Its transitive dependents never start; independent branches run on.
    const stack = [...(this.#p.graph.dependents[i] ?? [])];
    while (stack.length > 0) {
      const d = stack.pop() as number;
      if (this.#status[d] !== 'waiting') continue;
      this.#status[d] = 'blocked';
      stack.push(...(this.#p.graph.dependents[d] ?? []));
    }
    this.#maybeEnd();
  }

  #abort(): void {
    // Queued and running nodes are cancelled by their tasks' signal (the flow's); the rest never start.
    for (let i = 0; i < this.#status.length; i++) if (this.#status[i] === 'waiting' || this.#status[i] === 'blocked') this.#status[i] = 'cancelled';
    for (const i of this.#waitingRoom) this.#status[i] = 'cancelled';
    this.#waitingRoom = [];
    this.#maybeEnd();
  }

  /** Once nothing runs or waits for room: resolve with every result, or reject once saying why. */
  #maybeEnd(): void {
    if (this.#state !== 'running' || this.#active > 0 || this.#waitingRoom.length > 0) return;
    if (this.#status.some((s) => s === 'queued' || s === 'running')) return;
    const ids = this.#p.graph.ids;
    if (this.#status.every((s) => s === 'completed')) {
      const results: Record<string, unknown> = {};
      ids.forEach((id, i) => (results[id] = this.#results[i]));
      this.#end('completed');
      this.#done.resolve(results);
      return;
    }
    if (this.#p.signal?.aborted === true) {
      const error = new AbortError(this.#p.signal.reason);
      this.#end('cancelled', error);
      this.#done.reject(error);
      return;
    }
    const pick = (status: FlowNodeStatus): string[] => ids.filter((_, i) => this.#status[i] === status);
    const failed = pick('failed');
    const errors: Record<string, Error> = {};
    for (const id of failed) errors[id] = this.#errors[ids.indexOf(id)] as Error;
    const error = new FlowFailedError(this.id, failed, pick('blocked'), errors);
    this.#end('failed', error);
    this.#done.reject(error);
  }

  #end(state: FlowState, error?: Error): void {
    this.#state = state;
    this.#p.onState(this, state, error);
  }

  retry(nodeId: string): Promise<Record<string, unknown>> {
    const { graph } = this.#p;
    const i = graph.ids.indexOf(nodeId);
    if (i < 0 || this.#status[i] !== 'failed' || this.#state === 'cancelled') {
      return Promise.reject(new InvalidOptionError('nodeId', `a failed node of flow ${this.id} (${graph.ids.filter((_, k) => this.#status[k] === 'failed').join(', ') || 'none failed'})`, nodeId));
    }
    const wasEnded = this.#state !== 'running';
    this.#status[i] = 'waiting';
    this.#errors[i] = undefined;
    // What it blocked waits again, unless another failed node still blocks it.
    for (const k of graph.order) {
      if (this.#status[k] !== 'blocked') continue;
      const deps = graph.after[k] ?? [];
      const stuck = deps.some((d) => this.#status[d] === 'failed' || this.#status[d] === 'blocked' || this.#status[d] === 'cancelled');
      if (stuck) continue;
      this.#status[k] = 'waiting';
      this.#remaining[k] = deps.filter((d) => this.#status[d] !== 'completed').length;
    }
    if (wasEnded) {
      this.#done = deferred();
      this.#state = 'running';
      this.#p.onState(this, 'running');
    }
    this.#submit(i);
    this.#maybeEnd();
    return this.#done.promise;
  }

  status(): FlowSnapshot {
    const nodes: Record<string, FlowNodeSnapshot> = {};
    this.#p.graph.ids.forEach((id, i) => {
      const taskId = this.#taskIds[i];
      const task = taskId === undefined ? undefined : this.#p.getTask(taskId);
      let status = this.#status[i] as FlowNodeStatus;
      if (status === 'queued' && task?.status === 'running') status = 'running';
      nodes[id] = {
        status,
        taskId,
        agentId: task?.agentId,
        attempts: task?.attempts ?? 0,
        startedAt: task?.startedAt,
        finishedAt: task?.finishedAt,
        error: this.#errors[i],
      };
    });
    return { id: this.id, traceId: this.traceId, state: this.#state, nodes };
  }
}
