/**
 * Types a pool reads from its agent module's definition: `CoordinationPool<typeof agent>`
 * checks each task's payload against the handler of its `type` and gives the
 * handler's awaited return as the result. Type-level only; nothing here runs.
 *
 * An untyped pool (no type argument, or a definition whose handler names are
 * plain `string`) keeps the loose signatures: any payload, any `type`, and the
 * result type the caller asserts with `run<T>()`.
 */
import type { Transfer } from '../workers/agent.js';
import type { TaskHandle, TaskOptions } from './types.js';

/** Anything shaped like `defineAgent(...)`'s return: only `handlers` matters here. */
export interface AgentShape {
  handlers: object;
}

/** What a pool without a type argument is typed against: every name, any payload. */
export interface UntypedAgent {
  handlers: Record<string, (payload: never, ctx: never) => unknown>;
}

type HandlersOf<A extends AgentShape> = A['handlers'];

/** The task types an agent handles: its handler names. */
export type TaskTypeOf<A extends AgentShape> = Extract<keyof HandlersOf<A>, string>;

/** True when the agent's handler names are not known at compile time. */
export type IsUntyped<A extends AgentShape> = string extends TaskTypeOf<A> ? true : false;

type HandlerAt<A extends AgentShape, K> = K extends keyof HandlersOf<A> ? HandlersOf<A>[K] : never;

/** The payload a handler takes: its first parameter's type, `unknown` when it declares none. */
export type PayloadOf<A extends AgentShape, K extends string> =
  HandlerAt<A, K> extends (payload: infer P, ...rest: never[]) => unknown ? P : unknown;

/** A `withTransfer(value, list)` result arrives as `value`. */
type Delivered<R> = R extends Transfer<infer V> ? V : R;

/** What `run()` resolves with: the handler's awaited return. */
export type ResultOf<A extends AgentShape, K extends string> =
  HandlerAt<A, K> extends (...args: never[]) => infer R ? Delivered<Awaited<R>> : unknown;

/**
 * `run`'s one type parameter. Typed pool: the task type, inferred from
 * `options.type` and `'general'` when it is left out. Untyped pool: the result
 * type the caller asserts, as `run<T>()` always meant.
 */
export type RunTypeArg<A extends AgentShape> = IsUntyped<A> extends true ? unknown : TaskTypeOf<A>;

/** Without `options.type` a task is `'general'`; an agent without that handler must be given a type. */
export type DefaultRunArg<A extends AgentShape> = IsUntyped<A> extends true
  ? unknown
  : 'general' extends TaskTypeOf<A>
    ? 'general'
    : never;

export type RunPayload<A extends AgentShape, K> = IsUntyped<A> extends true ? unknown : K extends string ? PayloadOf<A, K> : never;

export type RunOptions<A extends AgentShape, K> = IsUntyped<A> extends true ? TaskOptions : Omit<TaskOptions, 'type'> & { type?: K };

export type RunResult<A extends AgentShape, K> = IsUntyped<A> extends true ? K : K extends string ? ResultOf<A, K> : never;

export type RunHandle<A extends AgentShape, K> = TaskHandle<RunResult<A, K>>;
