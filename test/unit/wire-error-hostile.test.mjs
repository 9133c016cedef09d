// toWireError never throws, whatever a handler threw: hostile toString, throwing getters, Proxies that
// throw on every trap, cause cycles, fields that cannot be cloned. Its output always clones, and
// fromWireError of it rebuilds the same name, message and code.
import { describe, expect, it } from 'vitest';
import { fromWireError, toWireError } from '../../dist/src/errors.js';
import { isWireError } from '../../dist/src/protocol-check.js';

const trap = () => {
  throw new Error('trap');
};
const EVERY_TRAP = {
  get: trap, set: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap, setPrototypeOf: trap,
  defineProperty: trap, deleteProperty: trap, isExtensible: trap, preventExtensions: trap, apply: trap, construct: trap,
};

function errorWith(message, props) {
  const e = new Error(message);
  for (const [key, descriptor] of Object.entries(props)) Object.defineProperty(e, key, { configurable: true, ...descriptor });
  return e;
}

const HOSTILE = {
  'a value whose toString throws': () => ({ toString: trap }),
  'a value whose toString returns an object': () => ({ toString: () => ({}) }),
  'a value whose Symbol.toPrimitive throws': () => ({ [Symbol.toPrimitive]: trap }),
  'a null-prototype object': () => Object.create(null),
  'a Proxy that throws on every trap': () => new Proxy({}, EVERY_TRAP),
  'a Proxy of an Error that throws on every trap': () => new Proxy(new Error('inside'), EVERY_TRAP),
  'a Proxy of an Error whose reads all throw (it still looks like an Error)': () =>
    new Proxy(new Error('inside'), { get: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, has: trap }),
  'a Proxy of a function that throws on every trap': () => new Proxy(function thrown() {}, EVERY_TRAP),
  'a revoked Proxy': () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
  'an Error whose message getter throws': () => {
    class BadMessage extends Error {
      get message() {
        throw new Error('no message');
      }
    }
    return new BadMessage();
  },
  'an Error whose message is an object that cannot be printed': () => errorWith('x', { message: { value: { toString: trap } } }),
  'an Error whose stack getter throws': () => errorWith('s', { stack: { get: trap } }),
  'an Error whose name getter throws': () => errorWith('n', { name: { get: trap } }),
  'an Error whose code getter throws': () => errorWith('c', { code: { get: trap } }),
  'an Error whose cause getter throws': () => errorWith('c', { cause: { get: trap } }),
  'an Error with an enumerable field whose getter throws': () => errorWith('f', { bad: { get: trap, enumerable: true } }),
  'an Error whose cause is a Proxy that throws on every trap': () => new Error('outer', { cause: new Proxy({}, EVERY_TRAP) }),
  'an Error with fields that cannot be cloned': () => {
    const e = new Error('fields');
    e.fn = () => 1;
    e.sym = Symbol('s');
    e.weak = new WeakMap();
    e.withFunction = { run() {} };
    e.unprintable = { toString: trap, run() {} };
    e.proxy = new Proxy({}, EVERY_TRAP);
    e.throwsWhenCloned = { get x() { throw new Error('clone getter'); } };
    return e;
  },
  'an Error whose code cannot be cloned': () => Object.assign(new Error('code'), { code: () => 'ERR_X' }),
  'an Error whose name is not a string': () => errorWith('n', { name: { value: 42 } }),
  'a thrown symbol': () => Symbol('thrown'),
  'a thrown bigint': () => 5n,
  'a thrown function': () => function notCloneable() {},
};

describe('toWireError never throws for hostile values', () => {
  for (const [label, make] of Object.entries(HOSTILE)) {
    it(`${label}: a readable wire error that clones and passes the protocol check`, () => {
      const value = make();
      let wire;
      expect(() => {
        wire = toWireError(value);
      }).not.toThrow();
      expect(typeof wire.name).toBe('string');
      expect(typeof wire.message).toBe('string');
      expect(wire.message.length).toBeGreaterThan(0);
      expect(wire.stack === undefined || typeof wire.stack === 'string').toBe(true);
      expect(typeof wire.fields).toBe('object');
      expect(() => structuredClone(wire)).not.toThrow();
      expect(isWireError(structuredClone(wire))).toBe(true);
    });

    it(`${label}: fromWireError rebuilds the same name, message and code`, () => {
      const wire = toWireError(make());
      for (const form of [wire, structuredClone(wire)]) {
        const rebuilt = fromWireError(form);
        expect(rebuilt).toBeInstanceOf(Error);
        expect(rebuilt.name).toBe(wire.name);
        expect(rebuilt.message).toBe(wire.message);
        expect(rebuilt.code).toBe(wire.code);
        expect(() => String(rebuilt)).not.toThrow();
      }
    });
  }
});

describe('what the wire form keeps of a hostile value', () => {
  it('a thrown value that cannot be printed gets a fixed message and no stack', () => {
    for (const value of [{ toString: trap }, Object.create(null), new Proxy({}, EVERY_TRAP)]) {
      const wire = toWireError(value);
      expect(wire).toMatchObject({ name: 'Error', message: 'a thrown value that cannot be turned into text', stack: undefined, code: undefined, cause: undefined });
    }
  });

  it('a thrown value that can neither be cloned nor printed is carried as a fixed text', () => {
    const wire = toWireError(new Proxy({}, EVERY_TRAP));
    expect(wire.fields.thrown).toBe('(a value that cannot be cloned or printed)');
  });

  it('a Proxy whose every trap throws is not mistaken for an Error', () => {
    const wire = toWireError(new Proxy(new Error('inside'), EVERY_TRAP));
    expect(wire.name).toBe('Error');
    expect(wire.fields).toHaveProperty('thrown');
  });

  it('an Error whose message is an unprintable object says its message cannot be read', () => {
    const wire = toWireError(errorWith('x', { message: { value: { toString: trap } } }));
    expect(wire.message).toBe('an error whose message cannot be read');
  });

  it('an unreadable stack is dropped; the message is kept', () => {
    const wire = toWireError(errorWith('kept message', { stack: { get: trap } }));
    expect(wire.stack).toBeUndefined();
    expect(wire.message).toBe('kept message');
  });

  it('an unreadable or non-string name becomes Error', () => {
    expect(toWireError(errorWith('n', { name: { get: trap } })).name).toBe('Error');
    expect(toWireError(errorWith('n', { name: { value: 42 } })).name).toBe('Error');
  });

  it('an unreadable code or cause is dropped', () => {
    expect(toWireError(errorWith('c', { code: { get: trap } })).code).toBeUndefined();
    expect(toWireError(errorWith('c', { cause: { get: trap } })).cause).toBeUndefined();
  });

  it('a field whose getter throws is kept, as undefined', () => {
    const wire = toWireError(errorWith('f', { bad: { get: trap, enumerable: true } }));
    expect(Object.keys(wire.fields)).toEqual(['bad']);
    expect(wire.fields.bad).toBeUndefined();
  });

  it('fields that cannot be cloned become text; the unprintable ones a fixed text', () => {
    const wire = toWireError(HOSTILE['an Error with fields that cannot be cloned']());
    expect(wire.fields.fn).toBe('() => 1');
    expect(wire.fields.sym).toBe('Symbol(s)');
    expect(wire.fields.weak).toBe('[object WeakMap]');
    expect(wire.fields.withFunction).toBe('[object Object]');
    expect(wire.fields.unprintable).toBe('(a value that cannot be cloned or printed)');
    expect(wire.fields.proxy).toBe('(a value that cannot be cloned or printed)');
    expect(wire.fields.throwsWhenCloned).toBe('[object Object]');
    const rebuilt = fromWireError(structuredClone(wire));
    expect(rebuilt.fn).toBe('() => 1');
    expect(rebuilt.unprintable).toBe('(a value that cannot be cloned or printed)');
  });

  it('a code that cannot be cloned is carried as text', () => {
    const wire = toWireError(Object.assign(new Error('code'), { code: () => 'ERR_X' }));
    expect(wire.code).toBe("() => 'ERR_X'");
    expect(fromWireError(structuredClone(wire)).code).toBe("() => 'ERR_X'");
  });

  it('a hostile cause becomes a readable cause', () => {
    const wire = toWireError(new Error('outer', { cause: { toString: trap } }));
    expect(wire.message).toBe('outer');
    expect(wire.cause).toMatchObject({ name: 'Error', message: 'a thrown value that cannot be turned into text' });
    const rebuilt = fromWireError(structuredClone(wire));
    expect(rebuilt.cause).toBeInstanceOf(Error);
    expect(rebuilt.cause.message).toBe('a thrown value that cannot be turned into text');
  });
});

describe('cause chains', () => {
  const messagesOf = (wire) => {
    const out = [];
    for (let w = wire; w !== undefined; w = w.cause) out.push(w.message);
    return out;
  };

  it('a self-cycle stops after five levels (the error and four causes)', () => {
    const loop = new Error('loop');
    loop.cause = loop;
    const wire = toWireError(loop);
    expect(messagesOf(wire)).toEqual(['loop', 'loop', 'loop', 'loop', 'loop']);
    expect(() => structuredClone(wire)).not.toThrow();
  });

  it('a two-error cycle alternates and stops after five levels', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(messagesOf(toWireError(a))).toEqual(['a', 'b', 'a', 'b', 'a']);
  });

  it('a chain longer than five keeps the outermost five', () => {
    let deep = new Error('level 0');
    for (let i = 1; i < 20; i++) deep = new Error(`level ${i}`, { cause: deep });
    const wire = toWireError(deep);
    expect(messagesOf(wire)).toEqual(['level 19', 'level 18', 'level 17', 'level 16', 'level 15']);
    expect(isWireError(wire)).toBe(true);
  });

  it('a cycle through a hostile cause still terminates', () => {
    const a = new Error('a');
    const hostileCause = new Proxy(a, { get: (t, k) => (k === 'cause' ? a : trap()) });
    a.cause = hostileCause;
    let wire;
    expect(() => {
      wire = toWireError(a);
    }).not.toThrow();
    expect(messagesOf(wire)).toHaveLength(5);
  });

  it('fromWireError rebuilds the truncated chain with each level’s name, message and code', () => {
    class Level extends Error {
      constructor(i, cause) {
        super(`level ${i}`, { cause });
        this.name = `Level${i}`;
        this.code = `ERR_L${i}`;
      }
    }
    let deep = new Level(0);
    for (let i = 1; i < 8; i++) deep = new Level(i, deep);
    let rebuilt = fromWireError(structuredClone(toWireError(deep)));
    for (let i = 7; i >= 3; i--) {
      expect(rebuilt).toMatchObject({ name: `Level${i}`, message: `level ${i}`, code: `ERR_L${i}` });
      rebuilt = rebuilt.cause;
    }
    expect(rebuilt).toBeUndefined();
  });

  it('a cause that is not an Error is carried as a wire error holding the value', () => {
    const rebuilt = fromWireError(structuredClone(toWireError(new Error('outer', { cause: { reason: 'quota' } }))));
    expect(rebuilt.cause.thrown).toEqual({ reason: 'quota' });
    expect(rebuilt.cause.message).toBe('[object Object]');
  });
});
