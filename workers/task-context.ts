import { toWireError, type WireError } from '../src/errors.js';
import { PROTOCOL_VERSION, type AgentMessage, type LogLevel } from '../src/protocol.js';
import type { SubtaskOptions } from '../src/protocol.js';
import type { AgentLog, AgentLogFn, SetupContext, SubtaskHandle, TaskContext } from './agent.js';
import type { DelegationClient } from './delegation.js';
import type { FlowLinkIn } from './payload-inbox.js';

const NO_INPUTS: Readonly<Record<string, unknown>> = Object.freeze({});
import { formatMessage, hasDirective, text } from './log-format.js';

import { post } from './port.js';

type Fields = Record<string, unknown>;

/**
 * `ctx.log`, called the way pino is. `fixed` (the task's ids) win over
 * anything a call or a child() binds, so a line cannot claim another task;
 * a call's fields win over its child() bindings, as in pino. The coordinator
 * adds agentId and generation itself, from the agent it heard the line from.
 */
export function makeLog(fixed: Fields = {}, bound: Fields = {}): AgentLog {
  const level =
    (lvl: LogLevel): AgentLogFn =>
    (first: unknown, ...rest: unknown[]) => {
      const { fields, msg } = parseCall(first, rest);
      post(logMessage(lvl, msg, { ...bound, ...fields, ...fixed }));
    };
  return {
    debug: level('debug'),
    info: level('info'),
    warn: level('warn'),
    error: level('error'),
    child: (bindings) => makeLog(fixed, { ...bound, ...bindings }),
  };
}

/** Which of pino's call forms this is: `(fields, msg?, ...args)`, `(error, msg?, ...args)` or `(msg, ...args)`. */
export function parseCall(first: unknown, rest: unknown[]): { fields: Fields; msg: string } {
  if (first instanceof Error) return { fields: { err: first }, msg: message(rest[0], rest.slice(1)) ?? first.message };
  if (typeof first === 'object' && first !== null) {
    const fields: Fields = { ...first };
    return { fields, msg: message(rest[0], rest.slice(1)) ?? errorMessage(fields.err) ?? '' };
  }
  if (first === undefined || first === null) return { fields: {}, msg: message(rest[0], rest.slice(1)) ?? '' };
  const template = typeof first === 'string' ? first : text(first);
  const [second] = rest;
  // The older `(msg, fields)` form: with no directive in msg, a lone object argument can only have meant fields.
  if (rest.length === 1 && typeof second === 'object' && second !== null && !Array.isArray(second) && !hasDirective(template)) {
    return { fields: second instanceof Error ? { err: second } : { ...second }, msg: template };
  }
  return { fields: {}, msg: formatMessage(template, rest) };
}

function message(template: unknown, args: unknown[]): string | undefined {
  if (template === undefined) return undefined;
  return formatMessage(typeof template === 'string' ? template : text(template), args);
}

/** pino's fallback: a line with an `err` and no message takes the error's message. */
function errorMessage(err: unknown): string | undefined {
  return err instanceof Error ? err.message : undefined;
}

/**
 * Top-level Error values travel apart, in the wire error form: structured
 * clone would drop their `code`, own fields and (for classes of the agent's
 * own) their name. The coordinator rebuilds them where they were.
 */
function logMessage(level: LogLevel, msg: string, merged: Fields): AgentMessage {
  let errors: [string, WireError][] | undefined;
  for (const [key, value] of Object.entries(merged)) {
    if (!(value instanceof Error)) continue;
    (errors ??= []).push([key, toWireError(value)]);
    delete merged[key];
  }
  return errors === undefined
    ? { v: PROTOCOL_VERSION, kind: 'log', level, msg, fields: merged }
    : { v: PROTOCOL_VERSION, kind: 'log', level, msg, fields: merged, errors: Object.fromEntries(errors) };
}

/**
 * The `ctx` a handler receives. The AbortController is made on first use of
 * `signal` (or on cancel): most handlers never look, and the hot path stays lean.
 */
export class RunningTaskContext implements TaskContext {
  readonly agentId: number;
  readonly generation: number;
  readonly contextId: string;
  readonly memory: Map<unknown, unknown>;
  readonly workerData: unknown;
  private controller: AbortController | undefined;
  private logger: AgentLog | undefined;

  constructor(
    base: SetupContext,
    readonly taskId: number,
    readonly traceId: string,
    readonly type: string,
    readonly attempt: number,
    private readonly beat: () => void,
    private readonly delegation: DelegationClient,
    private readonly link: FlowLinkIn | undefined,
  ) {
    this.agentId = base.agentId;
    this.generation = base.generation;
    this.contextId = base.contextId;
    this.memory = base.memory;
    this.workerData = base.workerData;
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  get log(): AgentLog {
    const link = this.link;
    const fixed = { taskId: this.taskId, traceId: this.traceId, type: this.type, attempt: this.attempt };
    this.logger ??= makeLog(link === undefined ? fixed : { ...fixed, flowId: link.id, nodeId: link.node });
    return this.logger;
  }

  get inputs(): Readonly<Record<string, unknown>> {
    return this.link?.inputs ?? NO_INPUTS;
  }

  get flow(): { id: number; node: string } | undefined {
    const link = this.link;
    return link === undefined ? undefined : { id: link.id, node: link.node };
  }

  heartbeat(): void {
    this.beat();
  }

  async run<T = unknown>(payload: unknown, options?: SubtaskOptions): Promise<T> {
    const handle = await this.delegation.submit(this.taskId, payload, options, true);
    return (await handle.result) as T;
  }

  submit<T = unknown>(payload: unknown, options?: SubtaskOptions): Promise<SubtaskHandle<T>> {
    return this.delegation.submit(this.taskId, payload, options, false) as Promise<SubtaskHandle<T>>;
  }

  abort(reason: unknown): void {
    this.controller ??= new AbortController();
    this.controller.abort(reason);
  }
}
