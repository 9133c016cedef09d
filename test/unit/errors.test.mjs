// Error classes with stable codes, and the wire form that carries an agent's error across the thread boundary.
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  AgentCrashedError,
  AgentHungError,
  AgentInitError,
  AllAgentsAbandonedError,
  DataCloneError,
  ErrorCodes,
  InvalidOptionError,
  PoolClosedError,
  PoolDegradedError,
  PoolError,
  PoolFullError,
  QueueFullError,
  TaskFailedError,
  TaskTimeoutError,
  UnknownTaskTypeError,
  fromWireError,
  isRetryable,
  toWireError,
} from '../../dist/src/errors.js';

const cause = new Error('root');
const CLASSES = [
  [QueueFullError, 'ERR_QUEUE_FULL', () => new QueueFullError(100, 100, 250), { depth: 100, capacity: 100, retryAfterMs: 250, status: 429 }],
  [PoolFullError, 'ERR_POOL_FULL', () => new PoolFullError(16), { maxSize: 16 }],
  [PoolClosedError, 'ERR_POOL_CLOSED', () => new PoolClosedError(), {}],
  [PoolDegradedError, 'ERR_POOL_DEGRADED', () => new PoolDegradedError(3, cause), { consecutiveStartFailures: 3, cause }],
  [TaskFailedError, 'ERR_TASK_FAILED', () => new TaskFailedError(7, [], cause), { taskId: 7, attempts: [], cause }],
  [AgentCrashedError, 'ERR_AGENT_CRASHED', () => new AgentCrashedError(2, 1, cause), { agentId: 2, exitCode: 1, cause }],
  [AgentHungError, 'ERR_AGENT_HUNG', () => new AgentHungError(3, 31_000), { agentId: 3, silentMs: 31_000 }],
  [TaskTimeoutError, 'ERR_TASK_TIMEOUT', () => new TaskTimeoutError(50), { timeoutMs: 50 }],
  [UnknownTaskTypeError, 'ERR_UNKNOWN_TASK_TYPE', () => new UnknownTaskTypeError('nope', ['general']), { type: 'nope', knownTypes: ['general'] }],
  [AbortError, 'ERR_ABORTED', () => new AbortError('user said stop'), { cause: 'user said stop' }],
  [InvalidOptionError, 'ERR_INVALID_OPTION', () => new InvalidOptionError('size', 'an integer', 0), { option: 'size', expected: 'an integer', received: 0 }],
  [DataCloneError, 'ERR_DATA_CLONE', () => new DataCloneError('payload', cause), { cause }],
  [AgentInitError, 'ERR_AGENT_INIT', () => new AgentInitError(cause), { cause }],
  [AllAgentsAbandonedError, 'ERR_NO_AGENTS', () => new AllAgentsAbandonedError([1, 2], cause), { abandonedAgentIds: [1, 2], cause }],
];

describe('error classes', () => {
  for (const [Class, code, make, fields] of CLASSES) {
    it(`${Class.name} has code ${code}, its name and its fields`, () => {
      const err = make();
      expect(err).toBeInstanceOf(Class);
      expect(err).toBeInstanceOf(PoolError);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(code);
      expect(err.name).toBe(Class.name);
      expect(typeof err.message).toBe('string');
      expect(err.message.length).toBeGreaterThan(0);
      expect(typeof err.stack).toBe('string');
      for (const [key, value] of Object.entries(fields)) expect(err[key], key).toEqual(value);
    });
  }

  it('QueueFullError is HTTP 429', () => {
    expect(new QueueFullError(5, 5, 10).status).toBe(429);
  });

  it('AgentCrashedError without an exit code keeps it undefined', () => {
    expect(new AgentCrashedError(1, undefined).exitCode).toBeUndefined();
  });

  it('ErrorCodes is frozen, its codes are distinct, and every class uses one of them', () => {
    expect(Object.isFrozen(ErrorCodes)).toBe(true);
    const codes = Object.values(ErrorCodes);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [, code] of CLASSES) expect(codes).toContain(code);
    for (const documented of [
      'ERR_QUEUE_FULL', 'ERR_POOL_FULL', 'ERR_POOL_CLOSED', 'ERR_TASK_FAILED', 'ERR_AGENT_CRASHED', 'ERR_AGENT_HUNG',
      'ERR_TASK_TIMEOUT', 'ERR_UNKNOWN_TASK_TYPE', 'ERR_ABORTED', 'ERR_INVALID_OPTION', 'ERR_POOL_DEGRADED', 'ERR_DATA_CLONE',
      'ERR_NO_AGENTS',
    ]) {
      expect(codes).toContain(documented);
    }
  });
});

// ---------------------------------------------------------------------------

class MigrationError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'MigrationError';
    this.code = 'E_MIGRATION';
    this.table = 'users';
    this.retryable = true;
    this.details = { rows: 3, ids: [1, 2, 3], at: new Date(0) };
  }
}

function throughWire(error, clone = true) {
  const wire = toWireError(error);
  return fromWireError(clone ? structuredClone(wire) : wire);
}

describe('wire form', () => {
  it('a plain structuredClone loses name, code and own fields (why the wire form exists)', () => {
    const cloned = structuredClone(new MigrationError('x'));
    expect(cloned.code).toBeUndefined();
    expect(cloned.table).toBeUndefined();
  });

  for (const clone of [false, true]) {
    it(`keeps name, message, stack, code and own fields${clone ? ' through structuredClone' : ''}`, () => {
      const original = new MigrationError('table locked');
      const rebuilt = throughWire(original, clone);
      expect(rebuilt).toBeInstanceOf(Error);
      expect(rebuilt.name).toBe('MigrationError');
      expect(rebuilt.message).toBe('table locked');
      expect(rebuilt.stack).toBe(original.stack);
      expect(rebuilt.code).toBe('E_MIGRATION');
      expect(rebuilt.table).toBe('users');
      expect(rebuilt.retryable).toBe(true);
      expect(rebuilt.details).toEqual({ rows: 3, ids: [1, 2, 3], at: new Date(0) });
      expect(isRetryable(rebuilt)).toBe(true);
    });

    it(`keeps the cause chain${clone ? ' through structuredClone' : ''}`, () => {
      const root = 'disk on fire';
      const middle = new TypeError('bad row', { cause: root });
      middle.code = 'E_ROW';
      middle.row = 17;
      const top = new MigrationError('migration failed', { cause: middle });
      const rebuilt = throughWire(top, clone);
      expect(rebuilt.cause).toBeInstanceOf(Error);
      expect(rebuilt.cause.name).toBe('TypeError');
      expect(rebuilt.cause.message).toBe('bad row');
      expect(rebuilt.cause.stack).toBe(middle.stack);
      expect(rebuilt.cause.code).toBe('E_ROW');
      expect(rebuilt.cause.row).toBe(17);
      // A non-Error cause comes back as an Error carrying the thrown value.
      expect(rebuilt.cause.cause.message).toBe('disk on fire');
      expect(rebuilt.cause.cause.thrown).toBe('disk on fire');
      expect(rebuilt.cause.cause.cause).toBeUndefined();
    });
  }

  it('keeps a pool error’s code and fields (e.g. an AgentCrashedError with an OOM cause)', () => {
    const oom = new Error('heap');
    oom.code = 'ERR_WORKER_OUT_OF_MEMORY';
    const rebuilt = throughWire(new AgentCrashedError(4, 1, oom));
    expect(rebuilt.name).toBe('AgentCrashedError');
    expect(rebuilt.code).toBe('ERR_AGENT_CRASHED');
    expect(rebuilt.agentId).toBe(4);
    expect(rebuilt.exitCode).toBe(1);
    expect(rebuilt.cause.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    const q = throughWire(new QueueFullError(10, 10, 99));
    expect(q).toMatchObject({ code: 'ERR_QUEUE_FULL', status: 429, depth: 10, capacity: 10, retryAfterMs: 99 });
  });

  it('an error without a code stays without one', () => {
    const e = new Error('bare');
    e.stack = undefined;
    const rebuilt = throughWire(e);
    expect(rebuilt.code).toBeUndefined();
    expect('code' in rebuilt).toBe(false);
    expect(rebuilt.message).toBe('bare');
  });

  it('the rebuilt name is not an enumerable own field (logs and spreads stay clean)', () => {
    const rebuilt = throughWire(new MigrationError('x'));
    expect(Object.keys(rebuilt)).not.toContain('name');
  });

  it('fields that cannot be cloned are kept as strings, and the wire form itself always clones', () => {
    const e = new Error('odd');
    e.callback = () => 1;
    e.sym = Symbol('s');
    e.ok = 5;
    const wire = toWireError(e);
    expect(() => structuredClone(wire)).not.toThrow();
    const rebuilt = fromWireError(structuredClone(wire));
    expect(typeof rebuilt.callback).toBe('string');
    expect(rebuilt.sym).toBe('Symbol(s)');
    expect(rebuilt.ok).toBe(5);
  });

  it('non-Error throws become Errors carrying the thrown value', () => {
    const thrownValues = ['a string', 42, 0, false, null, undefined, { reason: 'obj', n: 1 }, [1, 2]];
    for (const thrown of thrownValues) {
      const rebuilt = throughWire(thrown);
      expect(rebuilt, String(thrown)).toBeInstanceOf(Error);
      expect(rebuilt.name).toBe('Error');
      expect(rebuilt.message).toBe(String(thrown));
      expect(rebuilt.thrown, String(thrown)).toEqual(thrown);
    }
  });

  it('an uncloneable non-Error throw still crosses', () => {
    const fn = function notCloneable() {};
    const wire = toWireError(fn);
    expect(() => structuredClone(wire)).not.toThrow();
    expect(typeof fromWireError(structuredClone(wire)).thrown).toBe('string');
  });

  it('a cause cycle or a very deep chain terminates', () => {
    const loop = new Error('loop');
    loop.cause = loop;
    let e = throughWire(loop);
    let depth = 0;
    while (e !== undefined) {
      expect(e.message).toBe('loop');
      e = e.cause;
      depth++;
      expect(depth).toBeLessThan(100);
    }
    expect(depth).toBeGreaterThanOrEqual(3);

    let deep = new Error('level 0');
    for (let i = 1; i < 50; i++) deep = new Error(`level ${i}`, { cause: deep });
    const rebuilt = throughWire(deep);
    expect(rebuilt.message).toBe('level 49');
    expect(rebuilt.cause.message).toBe('level 48');
    expect(rebuilt.cause.cause.message).toBe('level 47');
  });
});

describe('isRetryable', () => {
  it('true only for retryable === true', () => {
    const yes = Object.assign(new Error('x'), { retryable: true });
    expect(isRetryable(yes)).toBe(true);
    expect(isRetryable({ retryable: true })).toBe(true);
    for (const no of [new Error('x'), Object.assign(new Error('x'), { retryable: 'true' }), Object.assign(new Error('x'), { retryable: 1 }), { retryable: false }, null, undefined, 'retryable', 1]) {
      expect(isRetryable(no), String(no)).toBe(false);
    }
  });
});
