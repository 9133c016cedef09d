// The internal event bus: named listeners and subscribers, wants(), and containment of callbacks
// that throw (a process warning, once per bus, code and context; the other listeners still run).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, safeString } from '../../dist/src/bus.js';

let sentinelSeq = 0;
const collectors = [];

/**
 * Records the pool's process warnings from now on. `done()` resolves with them once every warning
 * emitted so far has been delivered: emitWarning defers to process.nextTick, in order, so a sentinel
 * warning emitted last arrives after all of them.
 */
function collectWarnings() {
  const seen = [];
  const onWarning = (w) => {
    if (w.name === 'DaedalusPoolWarning') seen.push(w);
  };
  process.on('warning', onWarning);
  collectors.push(onWarning);
  return {
    async done() {
      const code = `TEST_SENTINEL_${++sentinelSeq}`;
      await new Promise((resolve) => {
        const onSentinel = (w) => {
          if (w.code !== code) return;
          process.off('warning', onSentinel);
          resolve();
        };
        process.on('warning', onSentinel);
        process.emitWarning('sentinel: every earlier warning has been delivered', { code });
      });
      process.off('warning', onWarning);
      return seen;
    },
  };
}

afterEach(() => {
  for (const l of collectors.splice(0)) process.off('warning', l);
});

const payload = { taskId: 1, traceId: 't-1', type: 'general', priority: 5 };

describe('EventBus delivery', () => {
  it('named listeners get the payload, in the order they were added', () => {
    const bus = new EventBus();
    const calls = [];
    bus.on('taskQueued', (p) => calls.push(['a', p]));
    bus.on('taskQueued', (p) => calls.push(['b', p]));
    bus.emit('taskQueued', payload);
    expect(calls).toEqual([['a', payload], ['b', payload]]);
    expect(calls[0][1]).toBe(payload);
  });

  it('named listeners only hear their own event', () => {
    const bus = new EventBus();
    const queued = vi.fn();
    bus.on('taskQueued', queued);
    bus.emit('drained', {});
    expect(queued).not.toHaveBeenCalled();
  });

  it('subscribers get every event they want, with its name and payload', () => {
    const bus = new EventBus();
    const delivered = [];
    bus.subscribe({ wants: () => true, deliver: (name, p) => delivered.push([name, p]) });
    bus.emit('taskQueued', payload);
    bus.emit('drained', {});
    expect(delivered).toEqual([['taskQueued', payload], ['drained', {}]]);
  });

  it('a subscriber is not handed events it does not want', () => {
    const bus = new EventBus();
    const deliver = vi.fn();
    bus.subscribe({ wants: (name) => name === 'alert', deliver });
    bus.emit('taskQueued', payload);
    expect(deliver).not.toHaveBeenCalled();
  });

  it('named listeners and subscribers both get the same event: listeners first, then subscribers', () => {
    const bus = new EventBus();
    const order = [];
    bus.subscribe({ wants: () => true, deliver: (name) => order.push(`sub1:${name}`) });
    bus.on('taskQueued', () => order.push('named'));
    bus.subscribe({ wants: () => true, deliver: (name) => order.push(`sub2:${name}`) });
    bus.emit('taskQueued', payload);
    expect(order).toEqual(['named', 'sub1:taskQueued', 'sub2:taskQueued']);
  });

  it('emitting with nobody listening does nothing', () => {
    const bus = new EventBus();
    expect(() => bus.emit('taskQueued', payload)).not.toThrow();
  });
});

describe('EventBus.wants', () => {
  it('is false with no listeners and no subscribers', () => {
    expect(new EventBus().wants('taskQueued')).toBe(false);
  });

  it('is true for an event with a named listener, and only that event', () => {
    const bus = new EventBus();
    bus.on('taskFailed', () => {});
    expect(bus.wants('taskFailed')).toBe(true);
    expect(bus.wants('taskCompleted')).toBe(false);
  });

  it('is true for an event a subscriber wants, false for one no subscriber wants', () => {
    const bus = new EventBus();
    bus.subscribe({ wants: (name) => name === 'alert', deliver() {} });
    bus.subscribe({ wants: (name) => name === 'drained', deliver() {} });
    expect(bus.wants('alert')).toBe(true);
    expect(bus.wants('drained')).toBe(true);
    expect(bus.wants('taskQueued')).toBe(false);
  });

  it('reflects a subscriber whose interest changes over time', () => {
    const bus = new EventBus();
    let interested = false;
    bus.subscribe({ wants: () => interested, deliver() {} });
    expect(bus.wants('taskQueued')).toBe(false);
    interested = true;
    expect(bus.wants('taskQueued')).toBe(true);
  });
});

describe('EventBus containment of throwing callbacks', () => {
  it('a throwing named listener does not stop the listeners and subscribers after it', async () => {
    const warnings = collectWarnings();
    const bus = new EventBus();
    const after = vi.fn();
    const sub = vi.fn();
    bus.on('taskQueued', () => { throw new Error('first listener broke'); });
    bus.on('taskQueued', after);
    bus.subscribe({ wants: () => true, deliver: sub });
    expect(() => bus.emit('taskQueued', payload)).not.toThrow();
    expect(after).toHaveBeenCalledWith(payload);
    expect(sub).toHaveBeenCalledWith('taskQueued', payload);
    expect(await warnings.done()).toHaveLength(1);
  });

  it('a throwing subscriber does not stop the subscribers after it', async () => {
    const warnings = collectWarnings();
    const bus = new EventBus();
    const later = vi.fn();
    bus.subscribe({ wants: () => true, deliver: () => { throw new Error('subscriber broke'); } });
    bus.subscribe({ wants: () => true, deliver: later });
    bus.emit('drained', {});
    expect(later).toHaveBeenCalledWith('drained', {});
    expect(await warnings.done()).toHaveLength(1);
  });

  it('a listener that throws on every event yields exactly one warning, code ERR_LISTENER_THREW', async () => {
    const warnings = collectWarnings();
    const bus = new EventBus();
    bus.on('taskQueued', () => { throw new Error('always'); });
    for (let i = 0; i < 25; i++) bus.emit('taskQueued', payload);
    const seen = await warnings.done();
    expect(seen).toHaveLength(1);
    expect(seen[0].code).toBe('ERR_LISTENER_THREW');
    expect(seen[0].name).toBe('DaedalusPoolWarning');
    expect(seen[0].message).toBe('daedalus-pool: a "taskQueued" listener threw; the pool carried on (reported once)');
    expect(seen[0].detail).toMatch(/always/);
  });

  it('a named listener and a subscriber throwing on the same event share one context: one warning', async () => {
    const warnings = collectWarnings();
    const bus = new EventBus();
    bus.on('alert', () => { throw new Error('named'); });
    bus.subscribe({ wants: () => true, deliver: () => { throw new Error('sub'); } });
    bus.emit('alert', {});
    bus.emit('alert', {});
    expect(await warnings.done()).toHaveLength(1);
  });

  it('each event name is its own context: one warning per event that has a throwing listener', async () => {
    const warnings = collectWarnings();
    const bus = new EventBus();
    const boom = () => { throw new Error('boom'); };
    bus.on('taskQueued', boom);
    bus.on('taskFailed', boom);
    for (let i = 0; i < 3; i++) {
      bus.emit('taskQueued', payload);
      bus.emit('taskFailed', payload);
    }
    const seen = await warnings.done();
    expect(seen.map((w) => w.message)).toEqual([
      'daedalus-pool: a "taskQueued" listener threw; the pool carried on (reported once)',
      'daedalus-pool: a "taskFailed" listener threw; the pool carried on (reported once)',
    ]);
    expect(seen.every((w) => w.code === 'ERR_LISTENER_THREW')).toBe(true);
  });

  it('once per bus: a second bus reports its own throwing listener again', async () => {
    const warnings = collectWarnings();
    for (const bus of [new EventBus(), new EventBus()]) {
      bus.on('taskQueued', () => { throw new Error('x'); });
      bus.emit('taskQueued', payload);
      bus.emit('taskQueued', payload);
    }
    expect(await warnings.done()).toHaveLength(2);
  });

  it('a listener throwing a non-Error with a hostile toString is still contained and reported', async () => {
    const warnings = collectWarnings();
    const bus = new EventBus();
    const hostile = { toString() { throw new Error('no text for you'); } };
    bus.on('taskQueued', () => { throw hostile; });
    expect(() => bus.emit('taskQueued', payload)).not.toThrow();
    const seen = await warnings.done();
    expect(seen).toHaveLength(1);
    expect(seen[0].detail).toBe('[object Object]');
  });

  it('a listener throwing an Error whose stack getter throws is still contained and reported', async () => {
    const warnings = collectWarnings();
    const bus = new EventBus();
    const error = new Error('unreadable stack');
    Object.defineProperty(error, 'stack', { get() { throw new Error('stack getter'); } });
    const after = vi.fn();
    bus.on('drained', () => { throw error; });
    bus.on('drained', after);
    expect(() => bus.emit('drained', {})).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    expect(await warnings.done()).toHaveLength(1);
  });

  it('a listener throwing a Proxy that throws on every trap is still contained and reported', async () => {
    const warnings = collectWarnings();
    const bus = new EventBus();
    const trap = () => { throw new Error('trap'); };
    const hostile = new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });
    const after = vi.fn();
    bus.on('drained', () => { throw hostile; });
    bus.on('drained', after);
    expect(() => bus.emit('drained', {})).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    expect(await warnings.done()).toHaveLength(1);
  });

  it('reportCallbackError keeps codes apart: a logger error is reported separately, once', async () => {
    const warnings = collectWarnings();
    const bus = new EventBus();
    bus.reportCallbackError('ERR_LOGGER_THREW', 'the logger threw', new Error('l1'));
    bus.reportCallbackError('ERR_LOGGER_THREW', 'the logger threw', new Error('l2'));
    bus.reportCallbackError('ERR_LISTENER_THREW', 'the logger threw', new Error('l3'));
    const seen = await warnings.done();
    expect(seen.map((w) => w.code)).toEqual(['ERR_LOGGER_THREW', 'ERR_LISTENER_THREW']);
    expect(seen[0].detail).toMatch(/l1/);
  });
});

describe('safeString', () => {
  it('is String(value) when that works', () => {
    expect(safeString(12)).toBe('12');
    expect(safeString('s')).toBe('s');
    expect(safeString(undefined)).toBe('undefined');
    expect(safeString(Symbol('q'))).toBe('Symbol(q)');
  });

  it('hostile toString and null-prototype objects fall back to the tag', () => {
    expect(safeString({ toString() { throw new Error('x'); } })).toBe('[object Object]');
    expect(safeString(Object.create(null))).toBe('[object Object]');
  });

  it('never throws, even for a Proxy whose get trap throws', () => {
    const getThrows = new Proxy({}, { get() { throw new Error('get trap'); } });
    expect(() => safeString(getThrows)).not.toThrow();
    expect(typeof safeString(getThrows)).toBe('string');
  });
});
