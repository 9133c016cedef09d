import type { PoolEventMap, PoolEventName } from './event-map.js';

type Listener<K extends PoolEventName> = (payload: PoolEventMap[K]) => void;

/** Something that takes many kinds of event: the public emitter, the journal. */
export interface BusSubscriber {
  wants(name: PoolEventName): boolean;
  deliver<K extends PoolEventName>(name: K, payload: PoolEventMap[K]): void;
}

/**
 * The pool's internal event bus. Parts publish what happened here; the public
 * events, the journal and the logger subscribe. A subscriber that throws is
 * contained: the error becomes a process warning and the part that published
 * carries on, so no listener can strand a task half-way through settling.
 */
export class EventBus {
  readonly #named = new Map<PoolEventName, Listener<PoolEventName>[]>();
  readonly #subscribers: BusSubscriber[] = [];

  on<K extends PoolEventName>(name: K, listener: Listener<K>): void {
    const list = this.#named.get(name) ?? [];
    list.push(listener as Listener<PoolEventName>);
    this.#named.set(name, list);
  }

  subscribe(subscriber: BusSubscriber): void {
    this.#subscribers.push(subscriber);
  }

  /** Whether an event would reach anyone; lets hot paths skip building payloads nobody reads. */
  wants(name: PoolEventName): boolean {
    if (this.#named.has(name)) return true;
    for (const s of this.#subscribers) if (s.wants(name)) return true;
    return false;
  }

  emit<K extends PoolEventName>(name: K, payload: PoolEventMap[K]): void {
    const named = this.#named.get(name);
    if (named !== undefined) {
      for (const listener of named) {
        try {
          listener(payload);
        } catch (error) {
          this.reportCallbackError('ERR_LISTENER_THREW', `a "${name}" listener threw`, error);
        }
      }
    }
    for (const s of this.#subscribers) {
      if (!s.wants(name)) continue;
      try {
        s.deliver(name, payload);
      } catch (error) {
        this.reportCallbackError('ERR_LISTENER_THREW', `a "${name}" listener threw`, error);
      }
    }
  }

  readonly #reported = new Set<string>();

  /**
   * User code called by the pool (event listeners, the logger) threw. The pool
   * must keep its promises regardless, so the error is reported as a process
   * warning (`process.on('warning')`, code ERR_LISTENER_THREW or ERR_LOGGER_THREW)
   * and the pool goes on. Once per pool, code and context, so a listener that
   * throws on every task does not flood stderr.
   */
  reportCallbackError(code: CallbackErrorCode, context: string, error: unknown): void {
    const key = `${code}:${context}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    let detail: string;
    try {
      detail = error instanceof Error ? safeString(error.stack ?? error.message) : safeString(error);
    } catch {
      detail = '(an error that cannot be read)';
    }
    process.emitWarning(`daedalus-pool: ${context}; the pool carried on (reported once)`, { type: 'DaedalusPoolWarning', code, detail });
  }
}

export type CallbackErrorCode = 'ERR_LISTENER_THREW' | 'ERR_LOGGER_THREW';


/** String(value) that cannot throw (a hostile toString, a null-prototype object). */
export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '(a value that cannot be turned into text)';
    }
  }
}
