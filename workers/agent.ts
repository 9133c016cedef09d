import type { MessagePort } from 'node:worker_threads';
/**
 * The agent-side API (`daedalus-pool/agent`): what a user's agent module imports.
 * The module's default export is `defineAgent({ setup, handlers })`; the
 * runtime (workers/runtime.ts) loads it inside each isolate.
 */
import type { LogLevel, SubtaskOptions } from '../src/protocol.js';

/**
 * One level of `ctx.log`, called the way pino is: `(fields, msg?, ...args)`,
 * `(error, msg?)` (logged under `err`) or `(msg, ...args)` with printf-style
 * `%s %d %i %f %j %o %O %%` arguments.
 */
export interface AgentLogFn {
  (fields: object, msg?: string, ...args: unknown[]): void;
  (msg: string, ...args: unknown[]): void;
}

/** A pino-style logger inside the agent; its lines go to the pool's `logger` with the task's fields bound. */
export interface AgentLog {
  debug: AgentLogFn;
  info: AgentLogFn;
  warn: AgentLogFn;
  error: AgentLogFn;
  /** A logger whose lines carry these fields too (pino's child()). */
  child(bindings: Record<string, unknown>): AgentLog;
}

/** An agent's private memory: a Map, typed by annotating `setup`'s ctx (`SetupContext<Map<'db', Db>>`). */
// `any` is the widest Map a typed memory can be assigned to; the default stays `Map<unknown, unknown>`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AgentMemory = Map<any, any>;

export interface SetupContext<M extends AgentMemory = Map<unknown, unknown>> {
  agentId: number;
  generation: number;
  contextId: string;
  /** Private to this agent, survives across its tasks (not across a restart). */
  memory: M;
  workerData: unknown;
  log: AgentLog;
}

export interface TaskContext<M extends AgentMemory = Map<unknown, unknown>> extends SetupContext<M> {
  taskId: number;
  traceId: string;
  type: string;
  /** 1 for the first try. */
  attempt: number;
  /** Aborted when the task is cancelled or reaches its deadline. */
  readonly signal: AbortSignal;
  /** Proves a long synchronous handler is alive; call it more often than hangTimeoutMs. */
  heartbeat(): void;
  /** In a flow node: the results of the nodes it comes after, by node id; empty otherwise. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** In a flow node: the flow's id and this node's id (also bound to every ctx.log line); undefined otherwise. */
  readonly flow: { id: number; node: string } | undefined;
  /**
   * Runs a subtask on the pool (any agent its type, `role` and `capabilities`
   * allow) and resolves with its result. The subtask records this task as its
   * parent and carries its trace id unless given one. Admission errors
   * (ERR_QUEUE_FULL, ERR_UNKNOWN_TASK_TYPE, ERR_POOL_CLOSED, ...) reject with
   * the same codes. While it waits, this agent stays held: when every agent
   * that could run a waiting subtask is held that way, the youngest such
   * subtask fails with ERR_DEADLOCK.
   */
  run<T = unknown>(payload: unknown, options?: SubtaskOptions): Promise<T>;
  /** Like run(), but resolves once the subtask is accepted, with its id, trace id and result promise; not counted as waiting. */
  submit<T = unknown>(payload: unknown, options?: SubtaskOptions): Promise<SubtaskHandle<T>>;
}

/** What ctx.submit resolves with. */
export interface SubtaskHandle<T> {
  id: number;
  traceId: string;
  result: Promise<T>;
}

/**
 * A task handler. Declared as a method so its payload parameter is checked
 * bivariantly: a handler that annotates its payload (`(rows: Row[]) => ...`)
 * still fits, while an un-annotated one gets `unknown`, not `never`.
 */
export type Handler<M extends AgentMemory = Map<unknown, unknown>> = {
  handle(payload: unknown, ctx: TaskContext<M>): unknown;
}['handle'];

export type Handlers<M extends AgentMemory = Map<unknown, unknown>> = Record<string, Handler<M>>;

/**
 * What `defineAgent` returns. `typeof agent` of a module's default export is
 * what `CoordinationPool<typeof agent>` reads payload and result types from.
 */
export interface AgentDefinition<H extends Handlers<M> = Handlers, M extends AgentMemory = Map<unknown, unknown>> {
  setup?: (ctx: SetupContext<M>) => void | Promise<void>;
  handlers: H;
}

const DEFINITION = Symbol.for('daedalus-pool.agent-definition');

/**
 * An agent module's default export. Handler payload and return types are kept
 * exactly; `M` is inferred from an annotated `setup(ctx: SetupContext<M>)` and
 * types `ctx.memory` in every handler.
 */
export function defineAgent<H extends Handlers<M>, M extends AgentMemory = Map<unknown, unknown>>(definition: AgentDefinition<H, M>): AgentDefinition<H, M> {
  if (typeof definition !== 'object' || definition === null) {
    throw new TypeError(`defineAgent expects { setup?, handlers }, got ${typeof definition}`);
  }
  if (typeof definition.handlers !== 'object' || definition.handlers === null) {
    throw new TypeError('defineAgent expects `handlers` to be an object of task type -> function');
  }
  for (const [type, handler] of Object.entries(definition.handlers)) {
    if (typeof handler !== 'function') throw new TypeError(`defineAgent: handler for "${type}" is ${typeof handler}, expected a function`);
  }
  if (definition.setup !== undefined && typeof definition.setup !== 'function') {
    throw new TypeError('defineAgent expects `setup` to be a function when given');
  }
  Object.defineProperty(definition, DEFINITION, { value: true });
  return definition;
}

export function isAgentDefinition(value: unknown): value is AgentDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEFINITION] === true;
}

const TRANSFER = Symbol.for('daedalus-pool.transfer');

export interface Transfer<T> {
  readonly value: T;
  readonly transferList: readonly (ArrayBuffer | MessagePort)[];
}

/** Return `withTransfer(value, [buffer])` from a handler to move (not copy) buffers back. */
export function withTransfer<T>(value: T, transferList: readonly (ArrayBuffer | MessagePort)[]): Transfer<T> {
  return Object.defineProperty({ value, transferList }, TRANSFER, { value: true });
}

export function isTransfer(value: unknown): value is Transfer<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TRANSFER] === true;
}

export type { LogLevel };
