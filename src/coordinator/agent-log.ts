import type { EventBus } from '../bus.js';
import { fromWireError, type WireError } from '../errors.js';
import type { AgentMessage } from '../protocol.js';
import type { Logger } from '../types.js';

type LogMessage = Extract<AgentMessage, { kind: 'log' }>;
type Level = LogMessage['level'];

/** The agent a line came from: one incarnation, so a restarted agent gets a fresh child logger. */
export interface LogSource {
  readonly agentId: number;
  readonly generation: number;
}

/**
 * Writes agents' `ctx.log` lines to the pool's logger. agentId and generation
 * come from the incarnation the line arrived from, never from the line, so an
 * agent cannot write as another. With a logger that has child() (pino), they
 * are bound once per incarnation, the way pino prefers (bindings serialized
 * once, not per line); without one they are merged into every line. A
 * logger, or a child(), that throws is reported as ERR_LOGGER_THREW and the
 * line is dropped, like any logger failure.
 */
export class AgentLogWriter {
  readonly #logger: Logger;
  readonly #bus: EventBus;
  /** Per incarnation: its child logger, or null when child() failed (merge instead). */
  readonly #children = new WeakMap<LogSource, Logger | null>();

  constructor(logger: Logger, bus: EventBus) {
    this.#logger = logger;
    this.#bus = bus;
  }

  write(source: LogSource, message: LogMessage): void {
    const fields: Record<string, unknown> = message.errors === undefined ? { ...message.fields } : { ...message.fields, ...rebuildErrors(message.errors) };
    delete fields.agentId;
    delete fields.generation;
    // pino omits an empty message; the agent sends '' when the call gave none.
    const msg = message.msg === '' ? undefined : message.msg;
    const child = this.#childFor(source);
    const level = message.level;
    try {
      if (child) child[level](fields, msg);
      else this.#logger[level]({ agentId: source.agentId, generation: source.generation, ...fields }, msg);
    } catch (error) {
      this.#bus.reportCallbackError('ERR_LOGGER_THREW', `the logger's ${level}() threw`, error);
    }
  }

  #childFor(source: LogSource): Logger | null {
    const known = this.#children.get(source);
    if (known !== undefined) return known;
    let child: Logger | null = null;
    if (typeof this.#logger.child === 'function') {
      try {
        const made = this.#logger.child({ agentId: source.agentId, generation: source.generation });
        if (isLogger(made)) child = made;
        else this.#bus.reportCallbackError('ERR_LOGGER_THREW', "the logger's child() returned no logger", new TypeError('child() did not return an object with debug/info/warn/error'));
      } catch (error) {
        this.#bus.reportCallbackError('ERR_LOGGER_THREW', "the logger's child() threw", error);
      }
    }
    this.#children.set(source, child);
    return child;
  }
}

const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

function isLogger(value: unknown): value is Logger {
  return typeof value === 'object' && value !== null && LEVELS.every((l) => typeof (value as Record<string, unknown>)[l] === 'function');
}

function rebuildErrors(errors: Record<string, WireError>): Record<string, Error> {
  // fromEntries defines own properties: a key named "__proto__" stays a plain field.
  return Object.fromEntries(Object.entries(errors).map(([key, wire]) => [key, withClass(fromWireError(wire))]));
}

/** All withClass needs of a class is its prototype. */
type ErrorClass = { readonly prototype: Error };

const BUILT_IN = new Map<string, ErrorClass>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]);
/** Stand-in classes for the agents' own error classes, one per name; bounded, as the names come from agents. */
const standIns = new Map<string, ErrorClass>();
const MAX_STAND_INS = 64;

/**
 * Gives a rebuilt error a class of its name: loggers report the class, not
 * the `name` (pino's serializer prints `err.constructor.name` as `type`), and a
 * plain Error would say "Error" for an agent's TypeError. A built-in name gets
 * the built-in class; any other a stand-in subclass of Error of that name
 * (never one of the pool's classes, so `instanceof PoolError` stays false).
 */
function withClass(error: Error): Error {
  const name = error.name;
  let cls: ErrorClass | undefined = BUILT_IN.get(name) ?? standIns.get(name);
  if (cls === undefined && standIns.size < MAX_STAND_INS) {
    cls = { [name]: class extends Error {} }[name];
    if (cls !== undefined) standIns.set(name, cls);
  }
  if (cls !== undefined && cls !== Error) Object.setPrototypeOf(error, cls.prototype);
  return error;
}
