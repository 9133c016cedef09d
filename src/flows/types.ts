/** The public shapes of pool.flow(): a task made of subtasks with dependencies. */

/** One node of a flow: a task's options, its payload, and the nodes it comes after. */
export interface FlowNodeSpec {
  /** Default 'general'. */
  type?: string;
  payload?: unknown;
  /** Node ids whose results this node needs (`ctx.inputs`); it starts once all completed. */
  after?: readonly string[];
  priority?: number;
  timeoutMs?: number;
  idempotent?: boolean;
  role?: string;
  capabilities?: readonly string[];
}

export type FlowSpec = Record<string, FlowNodeSpec>;

export interface FlowOptions {
  /** Every node's task carries it (default: generated, `flow-<id>`). */
  traceId?: string;
  /** Aborting cancels every node that has not finished; the flow rejects with AbortError. */
  signal?: AbortSignal;
}

export type FlowNodeStatus = 'waiting' | 'queued' | 'running' | 'completed' | 'failed' | 'blocked' | 'cancelled';

export interface FlowNodeSnapshot {
  status: FlowNodeStatus;
  /** The task of its latest run, once submitted. */
  taskId: number | undefined;
  agentId: number | undefined;
  attempts: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  error: Error | undefined;
}

export type FlowState = 'running' | 'completed' | 'failed' | 'cancelled';

export interface FlowSnapshot {
  id: number;
  traceId: string;
  state: FlowState;
  nodes: Record<string, FlowNodeSnapshot>;
}

export interface FlowHandle<R extends Record<string, unknown> = Record<string, unknown>> {
  readonly id: number;
  readonly traceId: string;
  /** Every node's result by node id once all completed; rejects once with FlowFailedError (or AbortError). */
  readonly result: Promise<R>;
  status(): FlowSnapshot;
  /**
   * Runs a failed node again and, once it completes, the dependents it blocked;
   * resolves like `result` for the whole flow. InvalidOptionError for a node
   * that is not failed.
   */
  retry(nodeId: string): Promise<R>;
}

export interface FlowCounts {
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}
