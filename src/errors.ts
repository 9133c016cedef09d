/**
 * Every error the pool raises carries a stable `code`; users and tests match on
 * it, never on message text. Agents share this module so an error thrown inside
 * an isolate can be rebuilt on the coordinator with its class, `code`, stack and
 * own fields (structured clone alone keeps none of those).
 */

export const ErrorCodes = Object.freeze({
  QUEUE_FULL: 'ERR_QUEUE_FULL',
  POOL_FULL: 'ERR_POOL_FULL',
  POOL_CLOSED: 'ERR_POOL_CLOSED',
  POOL_DEGRADED: 'ERR_POOL_DEGRADED',
  TASK_FAILED: 'ERR_TASK_FAILED',
  AGENT_CRASHED: 'ERR_AGENT_CRASHED',
  AGENT_HUNG: 'ERR_AGENT_HUNG',
  TASK_TIMEOUT: 'ERR_TASK_TIMEOUT',
  UNKNOWN_TASK_TYPE: 'ERR_UNKNOWN_TASK_TYPE',
  ABORTED: 'ERR_ABORTED',
  INVALID_OPTION: 'ERR_INVALID_OPTION',
  DATA_CLONE: 'ERR_DATA_CLONE',
  AGENT_INIT: 'ERR_AGENT_INIT',
  START_TIMEOUT: 'ERR_START_TIMEOUT',
  NO_AGENTS: 'ERR_NO_AGENTS',
  UNMET_CAPABILITY: 'ERR_UNMET_CAPABILITY',
  DEADLOCK: 'ERR_DEADLOCK',
  FLOW_FAILED: 'ERR_FLOW_FAILED',
} as const);

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** One try of a task, as recorded on a final failure. */
export interface AttemptRecord {
  attempt: number;
  agentId: number;
  generation: number;
  error: Error;
  startedAt: number | undefined;
  finishedAt: number;
}

/** The base of every pool error; `C` narrows `code` in each subclass (`QueueFullError['code']` is `'ERR_QUEUE_FULL'`). */
export class PoolError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class QueueFullError extends PoolError<typeof ErrorCodes.QUEUE_FULL> {
  readonly status = 429;
  constructor(
    readonly depth: number,
    readonly capacity: number,
    readonly retryAfterMs: number,
  ) {
    super(ErrorCodes.QUEUE_FULL, `Queue is full: ${depth} of ${capacity} tasks waiting; retry after about ${retryAfterMs} ms`);
  }
}

export class PoolFullError extends PoolError<typeof ErrorCodes.POOL_FULL> {
  constructor(readonly maxSize: number) {
    super(ErrorCodes.POOL_FULL, `Pool already has maxSize (${maxSize}) agents`);
  }
}

export class PoolClosedError extends PoolError<typeof ErrorCodes.POOL_CLOSED> {
  constructor(message = 'Pool is closed') {
    super(ErrorCodes.POOL_CLOSED, message);
  }
}

export class PoolDegradedError extends PoolError<typeof ErrorCodes.POOL_DEGRADED> {
  constructor(readonly consecutiveStartFailures: number, cause?: unknown) {
    super(
      ErrorCodes.POOL_DEGRADED,
      `No agent could start (${consecutiveStartFailures} start failures in a row); the pool is degraded and retrying with backoff`,
      { cause },
    );
  }
}

/**
 * Every agent passed the `restart` limit and was abandoned. Unlike
 * PoolDegradedError nothing is retrying: only resize() or spawnAgent() brings
 * capacity back. `cause` is the last abandoned agent's error.
 */
export class AllAgentsAbandonedError extends PoolError<typeof ErrorCodes.NO_AGENTS> {
  constructor(readonly abandonedAgentIds: readonly number[], cause?: unknown) {
    super(
      ErrorCodes.NO_AGENTS,
      `No agent is left: every agent (${abandonedAgentIds.join(', ')}) passed the restart limit and was abandoned; resize() or spawnAgent() adds new ones`,
      { cause },
    );
  }
}

export class UnknownTaskTypeError extends PoolError<typeof ErrorCodes.UNKNOWN_TASK_TYPE> {
  constructor(readonly type: string, readonly knownTypes: readonly string[]) {
    super(ErrorCodes.UNKNOWN_TASK_TYPE, `No agent handles task type "${type}"; known types: ${knownTypes.join(', ') || '(none)'}`);
  }
}

/** No role of the pool handles the task's type and has every capability it asks for. */
export class UnmetCapabilityError extends PoolError<typeof ErrorCodes.UNMET_CAPABILITY> {
  constructor(
    readonly type: string,
    readonly capabilities: readonly string[],
    /** Per role that handles the type: the asked capabilities it lacks. */
    readonly missingByRole: Readonly<Record<string, readonly string[]>>,
  ) {
    const lacks = Object.entries(missingByRole).map(([role, missing]) => `${role} lacks ${missing.join(', ')}`);
    super(ErrorCodes.UNMET_CAPABILITY, `No role runs "${type}" tasks with capabilities ${capabilities.join(', ')}${lacks.length > 0 ? `: ${lacks.join('; ')}` : ''}`);
  }
}

/**
 * A subtask can never start: every agent that could run it is held by a task
 * waiting on subtasks (ctx.run). `cycle` names the waiting subtask first, then
 * the waiting tasks that hold those agents.
 */
export class DeadlockError extends PoolError<typeof ErrorCodes.DEADLOCK> {
  constructor(readonly taskId: number, readonly cycle: readonly number[]) {
    super(
      ErrorCodes.DEADLOCK,
      `Deadlock: task ${taskId} waits for an agent, and every agent that could run it is held by a task waiting on subtasks (cycle: ${cycle.join(' -> ')} -> ${taskId})`,
    );
  }
}

/** A flow ended with nodes that failed for good; `blocked` never started because they come after one. */
export class FlowFailedError extends PoolError<typeof ErrorCodes.FLOW_FAILED> {
  constructor(
    readonly flowId: number,
    readonly failed: readonly string[],
    readonly blocked: readonly string[],
    /** Each failed node's error, by node id. */
    readonly errors: Readonly<Record<string, Error>>,
  ) {
    const first = failed[0];
    super(
      ErrorCodes.FLOW_FAILED,
      `Flow ${flowId} failed: ${failed.join(', ')} failed${blocked.length > 0 ? `, ${blocked.join(', ')} blocked` : ''}${first === undefined ? '' : ` (${first}: ${messageOf(errors[first])})`}`,
    );
  }
}

export class InvalidOptionError extends PoolError<typeof ErrorCodes.INVALID_OPTION> {
  constructor(readonly option: string, readonly expected: string, readonly received: unknown) {
    super(ErrorCodes.INVALID_OPTION, `Expected \`${option}\` to be ${expected}, got ${describeValue(received)}`);
  }
}

export class AbortError extends PoolError<typeof ErrorCodes.ABORTED> {
  constructor(reason?: unknown) {
    super(ErrorCodes.ABORTED, 'The task was aborted', { cause: reason });
  }
}

export class TaskTimeoutError extends PoolError<typeof ErrorCodes.TASK_TIMEOUT> {
  constructor(readonly timeoutMs: number) {
    super(ErrorCodes.TASK_TIMEOUT, `Task did not finish within ${timeoutMs} ms of starting`);
  }
}

export class AgentCrashedError extends PoolError<typeof ErrorCodes.AGENT_CRASHED> {
  constructor(
    readonly agentId: number,
    readonly exitCode: number | undefined,
    cause?: unknown,
  ) {
    super(
      ErrorCodes.AGENT_CRASHED,
      `Agent ${agentId} died while running the task${exitCode === undefined ? '' : ` (exit code ${exitCode})`}`,
      { cause },
    );
  }
}

export class AgentHungError extends PoolError<typeof ErrorCodes.AGENT_HUNG> {
  constructor(readonly agentId: number, readonly silentMs: number) {
    super(ErrorCodes.AGENT_HUNG, `Agent ${agentId} sent no heartbeat for ${silentMs} ms while busy and was terminated`);
  }
}

export class DataCloneError extends PoolError<typeof ErrorCodes.DATA_CLONE> {
  /** `what`: 'payload', 'result', or the option that names a workerData ('workerData', 'agents.<role>.workerData'). */
  constructor(what: string, cause: unknown) {
    super(ErrorCodes.DATA_CLONE, what === 'payload' || what === 'result' ? `The task ${what} cannot cross the thread boundary` : `${what} cannot be cloned to the agents`, { cause });
  }
}

export class AgentInitError extends PoolError<typeof ErrorCodes.AGENT_INIT> {
  constructor(cause: unknown) {
    super(ErrorCodes.AGENT_INIT, 'Agent module failed to load or its setup() threw', { cause });
  }
}

/** An agent's module load and setup() did not finish within startTimeoutMs. */
export class StartTimeoutError extends PoolError<typeof ErrorCodes.START_TIMEOUT> {
  constructor(readonly startTimeoutMs: number) {
    super(ErrorCodes.START_TIMEOUT, `The agent did not finish loading and setup() within ${startTimeoutMs} ms`);
  }
}

/** A task that failed for good: `cause` is the last try's error, `attempts` every try. */
export class TaskFailedError extends PoolError<typeof ErrorCodes.TASK_FAILED> {
  constructor(
    readonly taskId: number,
    readonly attempts: AttemptRecord[],
    cause: unknown,
  ) {
    super(ErrorCodes.TASK_FAILED, `Task ${taskId} failed after ${attempts.length} attempt(s): ${messageOf(cause)}`, { cause });
  }
}

/** Each code's error class, for `isPoolError(error, code)`. */
export interface PoolErrorByCode {
  ERR_QUEUE_FULL: QueueFullError;
  ERR_POOL_FULL: PoolFullError;
  ERR_POOL_CLOSED: PoolClosedError;
  ERR_POOL_DEGRADED: PoolDegradedError;
  ERR_TASK_FAILED: TaskFailedError;
  ERR_AGENT_CRASHED: AgentCrashedError;
  ERR_AGENT_HUNG: AgentHungError;
  ERR_TASK_TIMEOUT: TaskTimeoutError;
  ERR_UNKNOWN_TASK_TYPE: UnknownTaskTypeError;
  ERR_ABORTED: AbortError;
  ERR_INVALID_OPTION: InvalidOptionError;
  ERR_DATA_CLONE: DataCloneError;
  ERR_AGENT_INIT: AgentInitError;
  ERR_START_TIMEOUT: StartTimeoutError;
  ERR_NO_AGENTS: AllAgentsAbandonedError;
  ERR_UNMET_CAPABILITY: UnmetCapabilityError;
  ERR_DEADLOCK: DeadlockError;
  ERR_FLOW_FAILED: FlowFailedError;
}

/**
 * Narrows a caught value to the pool's error of that code (or to any pool
 * error without one): `if (isPoolError(e, 'ERR_QUEUE_FULL')) wait(e.retryAfterMs)`.
 * Only errors the pool raised match; an agent's own error that happens to
 * carry one of these codes is not a PoolError.
 */
export function isPoolError<C extends ErrorCode>(error: unknown, code: C): error is PoolErrorByCode[C];
export function isPoolError(error: unknown): error is PoolError;
export function isPoolError(error: unknown, code?: ErrorCode): boolean {
  return error instanceof PoolError && (code === undefined || error.code === code);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (value === null) return '`null`';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value instanceof URL) return `\`${value.href}\` (URL)`;
  if (typeof value === 'object') return `an object (${Object.keys(value).slice(0, 5).join(', ') || 'no keys'})`;
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return '`undefined`';
  if (typeof value === 'symbol') return `\`${value.toString()}\` (symbol)`;
  return `\`${(value as number | boolean | bigint).toString()}\` (${typeof value})`;
}

// ---------------------------------------------------------------------------
// Wire form: how an error crosses the thread boundary.

export interface WireError {
  name: string;
  message: string;
  stack: string | undefined;
  code: unknown;
  /** Own enumerable fields, kept only where structured clone can carry them. */
  fields: Record<string, unknown>;
  cause: WireError | undefined;
}

const SKIP_FIELDS = new Set(['name', 'message', 'stack', 'code', 'cause']);

/**
 * The wire form of anything a handler threw. It never throws itself: a thrown
 * value with a hostile `toString`, an error whose `message` or `stack` getter
 * throws, or fields that cannot be cloned still become a readable error, so a
 * task fails once with a TaskFailedError instead of taking its agent down.
 */
export function toWireError(error: unknown, depth = 0): WireError {
  if (!(safely(() => error instanceof Error, false))) {
    return { name: 'Error', message: safeText(error, 'a thrown value that cannot be turned into text'), stack: undefined, code: undefined, fields: { thrown: cloneable(error) }, cause: undefined };
  }
  const e = error as Error & Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const key of safely(() => Object.keys(e), [] as string[])) {
    if (SKIP_FIELDS.has(key)) continue;
    fields[key] = cloneable(safely(() => e[key], undefined));
  }
  const causeValue = safely(() => e.cause, undefined);
  const cause = depth < 4 && causeValue !== undefined ? toWireError(causeValue, depth + 1) : undefined;
  const name = safely(() => e.name, 'Error');
  const unreadable = Symbol('unreadable');
  const message = safely<unknown>(() => e.message, unreadable);
  const stack = safely(() => e.stack, undefined);
  const code = safely(() => e.code, undefined);
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : message === unreadable ? 'an error whose message cannot be read' : safeText(message, 'an error whose message cannot be read'),
    stack: typeof stack === 'string' ? stack : undefined,
    code: cloneable(code),
    fields,
    cause,
  };
}

function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function safeText(value: unknown, fallback: string): string {
  try {
    return String(value);
  } catch {
    return fallback;
  }
}

function cloneable(value: unknown): unknown {
  try {
    structuredClone(value);
    return value;
  } catch {
    return safeText(value, '(a value that cannot be cloned or printed)');
  }
}

/** Rebuilds an agent's error on the coordinator: same name, message, stack, code and fields. */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message, wire.cause ? { cause: fromWireError(wire.cause) } : undefined);
  // Keep the agent's class name without pretending to be one of our classes.
  Object.defineProperty(error, 'name', { value: wire.name, enumerable: false, writable: true, configurable: true });
  if (wire.stack !== undefined) error.stack = wire.stack;
  if (wire.code !== undefined) (error as { code?: unknown }).code = wire.code;
  Object.assign(error, wire.fields);
  return error;
}

/** Handlers opt into retry by throwing an error with `retryable: true`. */
export function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}
