import type { EventBus } from '../bus.js';
import { AbortError } from '../errors.js';
import type { TaskHandle, TaskOptions, TaskSnapshot } from '../types.js';
import { Flow } from './flow.js';
import { buildGraph } from './spec.js';
import type { FlowCounts, FlowOptions, FlowSpec, FlowState } from './types.js';

/** What the flows need of the pool: its public API. */
export interface FlowsParts {
  bus: EventBus;
  submit: (payload: unknown, options: TaskOptions) => TaskHandle<unknown>;
  check: (options: TaskOptions) => void;
  getTask: (id: number) => TaskSnapshot | undefined;
  room: () => Promise<void>;
  /** Ended flows kept for getFlow(), oldest dropped first. */
  keep: number;
}

/**
 * pool.flow() and pool.getFlow(): builds and checks a flow whole before any of
 * it runs (nothing is accepted half), keeps running flows and the last ended
 * ones, counts them for metrics(), and announces each end on the bus.
 */
export class Flows {
  readonly #p: FlowsParts;
  readonly #flows = new Map<number, Flow>();
  readonly #ended: number[] = [];
  /** How each ended flow ended, so a retry moves it back out of the right count. */
  readonly #endedAs = new Map<number, Exclude<FlowState, 'running'>>();
  #seq = 0;
  readonly #counts: FlowCounts = { running: 0, completed: 0, failed: 0, cancelled: 0 };

  constructor(parts: FlowsParts) {
    this.#p = parts;
  }

  create(spec: FlowSpec, options: FlowOptions = {}): Flow {
    const graph = buildGraph(spec);
    for (const node of graph.nodes) this.#p.check({ type: node.type, priority: node.priority, timeoutMs: node.timeoutMs, idempotent: node.idempotent, role: node.role, capabilities: node.capabilities });
    if (options.signal?.aborted === true) throw new AbortError(options.signal.reason);
    const id = ++this.#seq;
    this.#counts.running++;
    const flow = new Flow({
      id,
      traceId: options.traceId ?? `flow-${id}`,
      graph,
      signal: options.signal,
      submit: this.#p.submit,
      getTask: this.#p.getTask,
      room: this.#p.room,
      onState: (f, state, error) => this.#onState(f, state, error),
    });
    this.#flows.set(id, flow);
    return flow;
  }

  get(id: number): Flow | undefined {
    return this.#flows.get(id);
  }

  counts(): FlowCounts {
    return { ...this.#counts };
  }

  #onState(flow: Flow, state: FlowState, error: Error | undefined): void {
    if (state === 'running') {
      // Retried after it ended: counted as running again.
      const was = this.#endedAs.get(flow.id);
      if (was !== undefined) this.#counts[was]--;
      this.#endedAs.delete(flow.id);
      this.#counts.running++;
      return;
    }
    this.#counts.running--;
    this.#counts[state]++;
    this.#endedAs.set(flow.id, state);
    this.#ended.push(flow.id);
    if (this.#ended.length > this.#p.keep) {
      const old = this.#ended.shift() as number;
      if (this.#flows.get(old)?.state !== 'running') {
        this.#flows.delete(old);
        this.#endedAs.delete(old);
      }
    }
    const nodes = flow.status().nodes;
    if (state === 'completed') {
      this.#p.bus.emit('flowCompleted', { flowId: flow.id, traceId: flow.traceId, nodes: Object.keys(nodes).length });
      return;
    }
    const pick = (s: string): string[] => Object.entries(nodes).flatMap(([id, n]) => (n.status === s ? [id] : []));
    this.#p.bus.emit('flowFailed', { flowId: flow.id, traceId: flow.traceId, state: state === 'cancelled' ? 'cancelled' : 'failed', failed: pick('failed'), blocked: pick('blocked'), cancelled: pick('cancelled'), error: error ?? new Error('flow ended') });
  }
}
