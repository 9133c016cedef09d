import { EventEmitter } from 'node:events';
import type { BusSubscriber, EventBus } from './bus.js';
import type { PoolEventMap, PoolEventName } from './event-map.js';

export { PoolEvents, TRACE_EVENTS, type PoolEventMap, type PoolEventName } from './event-map.js';

/**
 * The public side of the pool's events: an EventEmitter whose `on`/`once`/`off`
 * are checked against PoolEventMap. It subscribes to the internal bus and
 * calls each listener on its own, so one listener that throws neither stops
 * the others nor reaches the part of the pool that published the event (the
 * bus reports it as a process warning, code ERR_LISTENER_THREW).
 */
export class TypedEmitter extends EventEmitter implements BusSubscriber {
  constructor(protected readonly bus: EventBus) {
    super();
    bus.subscribe(this);
  }

  override on<K extends PoolEventName>(name: K, listener: (payload: PoolEventMap[K]) => void): this {
    return super.on(name, listener);
  }

  override once<K extends PoolEventName>(name: K, listener: (payload: PoolEventMap[K]) => void): this {
    return super.once(name, listener);
  }

  override off<K extends PoolEventName>(name: K, listener: (payload: PoolEventMap[K]) => void): this {
    return super.off(name, listener);
  }

  /** Whether an event would reach a listener of this emitter. */
  wants(name: PoolEventName): boolean {
    return this.listenerCount(name) > 0;
  }

  deliver<K extends PoolEventName>(name: K, payload: PoolEventMap[K]): void {
    this.emit(name, payload);
  }

  /** Calls each listener on its own: one that throws is reported and the rest still run. */
  override emit<K extends PoolEventName>(name: K, payload: PoolEventMap[K]): boolean {
    const listeners = this.rawListeners(name) as ((p: PoolEventMap[K]) => void)[];
    for (const listener of listeners) {
      try {
        listener.call(this, payload);
      } catch (error) {
        this.bus.reportCallbackError('ERR_LISTENER_THREW', `a "${name}" listener threw`, error);
      }
    }
    return listeners.length > 0;
  }
}
