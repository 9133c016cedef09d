// The coordinator's check of every agent message: each kind valid as sent, each field mistyped,
// unknown kinds, wrong versions, a second handshake, and wire errors with a bad cause.
import { describe, expect, it } from 'vitest';
import { toWireError } from '../../dist/src/errors.js';
import { PROTOCOL_VERSION } from '../../dist/src/protocol.js';
import { checkAgentMessage, isWireError } from '../../dist/src/protocol-check.js';

const wire = (over = {}) => ({ name: 'Error', message: 'boom', stack: 'Error: boom\n    at x', code: undefined, fields: {}, cause: undefined, ...over });
const report = (over = {}) => ({
  threadId: 3,
  contextId: 'ctx-1',
  memoryId: 'mem-1',
  heapUsedBytes: 1_000,
  heapTotalBytes: 2_000,
  heapLimitBytes: 4_000_000,
  seen: ['canary-a'],
  payloadBytesMapped: 0,
  ...over,
});

/** One valid message of every kind, and whether it is only allowed during the handshake. */
const VALID = {
  ready: { v: 1, kind: 'ready', contextId: 'ctx-1', memoryId: 'mem-1', types: ['general', 'scan'] },
  initError: { v: 1, kind: 'initError', error: wire() },
  started: { v: 1, kind: 'started', slot: 0, taskId: 1, startedAtMs: 1_700_000_000_000.5 },
  resultOk: { v: 1, kind: 'result', slot: 2, taskId: 7, ok: true, value: { any: 'thing' } },
  resultError: { v: 1, kind: 'result', slot: 2, taskId: 7, ok: false, error: wire() },
  log: { v: 1, kind: 'log', level: 'info', msg: 'hello', fields: { a: 1 } },
  probeReply: { v: 1, kind: 'probeReply', probeId: 0, report: report() },
};
const HANDSHAKE_ONLY = new Set(['ready', 'initError']);

/** Bad values for each field, by what the field must be. */
const NOT_STRING = [undefined, null, 1, true, {}, ['a']];
const NOT_INDEX = [undefined, null, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1', 2n];
const NOT_FINITE = [undefined, null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '5'];
const NOT_STRING_ARRAY = [undefined, null, 'general', {}, ['general', 1], [null]];
const NOT_RECORD = [undefined, null, 'x', 5, ['a']];
const NOT_LEVEL = [undefined, 'trace', 'INFO', 'fatal', 2];
const NOT_WIRE_ERROR = [undefined, null, 'boom', new Error('a real Error is not the wire form'), wire({ name: 1 }), wire({ message: undefined }), wire({ fields: undefined })];

const FIELD_CASES = [
  ['ready', 'contextId', NOT_STRING],
  ['ready', 'memoryId', NOT_STRING],
  ['ready', 'types', NOT_STRING_ARRAY],
  ['initError', 'error', NOT_WIRE_ERROR],
  ['started', 'slot', NOT_INDEX],
  ['started', 'taskId', NOT_INDEX],
  ['started', 'startedAtMs', NOT_FINITE],
  ['resultOk', 'slot', NOT_INDEX],
  ['resultOk', 'taskId', NOT_INDEX],
  ['resultError', 'slot', NOT_INDEX],
  ['resultError', 'taskId', NOT_INDEX],
  ['resultError', 'error', NOT_WIRE_ERROR],
  ['log', 'level', NOT_LEVEL],
  ['log', 'msg', NOT_STRING],
  ['log', 'fields', NOT_RECORD],
  ['probeReply', 'probeId', NOT_INDEX],
  ['probeReply', 'report', [undefined, null, 'report', [report()]]],
];

const PROBE_FIELD_CASES = [
  ['threadId', NOT_INDEX],
  ['contextId', NOT_STRING],
  ['memoryId', NOT_STRING],
  ['heapUsedBytes', NOT_FINITE],
  ['heapTotalBytes', NOT_FINITE],
  ['heapLimitBytes', NOT_FINITE],
  ['seen', NOT_STRING_ARRAY],
  ['payloadBytesMapped', NOT_FINITE],
];

const startingFor = (name) => HANDSHAKE_ONLY.has(name);

describe('checkAgentMessage: valid messages', () => {
  it('the protocol version is 1', () => {
    expect(PROTOCOL_VERSION).toBe(1);
  });

  it.each(Object.keys(VALID))('a well-formed %s message passes', (name) => {
    expect(checkAgentMessage(VALID[name], startingFor(name))).toBeUndefined();
  });

  it.each(Object.keys(VALID).filter((n) => !HANDSHAKE_ONLY.has(n)))('%s is accepted after the handshake', (name) => {
    expect(checkAgentMessage(VALID[name], false)).toBeUndefined();
  });

  it('boundary values pass: slot and task id 0, an empty types list, negative and zero times, every log level', () => {
    expect(checkAgentMessage({ ...VALID.started, slot: 0, taskId: 0, startedAtMs: 0 }, false)).toBeUndefined();
    expect(checkAgentMessage({ ...VALID.started, startedAtMs: -5 }, false)).toBeUndefined();
    expect(checkAgentMessage({ ...VALID.ready, types: [] }, true)).toBeUndefined();
    for (const level of ['debug', 'info', 'warn', 'error']) expect(checkAgentMessage({ ...VALID.log, level }, false), level).toBeUndefined();
    expect(checkAgentMessage({ ...VALID.log, fields: {} }, false)).toBeUndefined();
    expect(checkAgentMessage({ ...VALID.probeReply, report: report({ seen: [], heapUsedBytes: 0 }) }, false)).toBeUndefined();
  });

  it('a successful result may carry any value, undefined included', () => {
    for (const value of [undefined, null, 0, 'x', [1], new Uint8Array(2)]) {
      expect(checkAgentMessage({ ...VALID.resultOk, value }, false)).toBeUndefined();
    }
  });

  it('extra fields are tolerated', () => {
    expect(checkAgentMessage({ ...VALID.started, extra: 'ignored' }, false)).toBeUndefined();
  });

  it('a wire error made by toWireError, with a cause chain, passes', () => {
    const error = toWireError(new Error('outer', { cause: new Error('inner', { cause: 'root' }) }));
    expect(checkAgentMessage({ ...VALID.resultError, error }, false)).toBeUndefined();
    expect(checkAgentMessage({ ...VALID.initError, error }, true)).toBeUndefined();
  });
});

describe('checkAgentMessage: mistyped fields', () => {
  for (const [name, field, bad] of FIELD_CASES) {
    it.each(bad.map((v) => [v]))(`${name} with ${field} = %o is refused, naming the field`, (value) => {
      const message = { ...VALID[name], [field]: value };
      const problem = checkAgentMessage(message, startingFor(name));
      expect(problem).toBeTypeOf('string');
      expect(problem).toContain(`'${VALID[name].kind}' with a bad ${field} (`);
    });
  }

  for (const [field, bad] of PROBE_FIELD_CASES) {
    it.each(bad.map((v) => [v]))(`probeReply with report.${field} = %o is refused as a bad report`, (value) => {
      const problem = checkAgentMessage({ ...VALID.probeReply, report: report({ [field]: value }) }, false);
      expect(problem).toBe("'probeReply' with a bad report (object)");
    });
  }

  it.each(Object.keys(VALID))('%s with a required field missing is refused', (name) => {
    const required = { ready: 'types', initError: 'error', started: 'startedAtMs', resultOk: 'taskId', resultError: 'error', log: 'msg', probeReply: 'report' }[name];
    const rest = { ...VALID[name] };
    delete rest[required];
    expect(checkAgentMessage(rest, startingFor(name))).toBe(`'${VALID[name].kind}' with a bad ${required} (undefined)`);
  });

  it('the problem describes the bad value: strings quoted and cut to 40 characters, null, else its type', () => {
    expect(checkAgentMessage({ ...VALID.started, slot: '7' }, false)).toBe("'started' with a bad slot (\"7\")");
    expect(checkAgentMessage({ ...VALID.started, slot: null }, false)).toBe("'started' with a bad slot (null)");
    expect(checkAgentMessage({ ...VALID.started, slot: 1.5 }, false)).toBe("'started' with a bad slot (number)");
    expect(checkAgentMessage({ ...VALID.log, level: 'x'.repeat(100) }, false)).toBe(`'log' with a bad level (${JSON.stringify('x'.repeat(40))})`);
  });

  it('a result whose ok is not a boolean is refused', () => {
    for (const ok of [undefined, 1, 'true', null]) {
      expect(checkAgentMessage({ ...VALID.resultOk, ok }, false), String(ok)).toBe("'result' whose ok is not a boolean");
    }
  });

  it('a failed result must carry a wire error; a successful one need not', () => {
    const noError = { ...VALID.resultError };
    delete noError.error;
    expect(checkAgentMessage({ ...noError, ok: true }, false)).toBeUndefined();
    expect(checkAgentMessage({ ...noError, ok: false }, false)).toBe("'result' with a bad error (undefined)");
  });
});

describe("checkAgentMessage: a log line's errors", () => {
  it('a log line may carry errors: a record of wire errors, or none', () => {
    expect(checkAgentMessage({ ...VALID.log, errors: { err: wire(), other: toWireError(new TypeError('x', { cause: 'why' })) } }, false)).toBeUndefined();
    expect(checkAgentMessage({ ...VALID.log, errors: {} }, false)).toBeUndefined();
    expect(checkAgentMessage({ ...VALID.log, errors: undefined }, false)).toBeUndefined();
  });

  it.each([[null], ['boom'], [5], [[wire()]], [{ err: 'boom' }], [{ err: new Error('a real Error is not the wire form') }], [{ ok: wire(), err: wire({ message: 1 }) }], [{ err: wire({ cause: 'just text' }) }]])(
    'a log line with errors = %o is refused, naming the field',
    (errors) => {
      const problem = checkAgentMessage({ ...VALID.log, errors }, false);
      expect(problem).toBeTypeOf('string');
      expect(problem).toContain("'log' with a bad errors (");
    },
  );
});

describe('checkAgentMessage: envelope', () => {
  it.each([[null], [undefined], ['ready'], [42], [[VALID.ready]], [true]])('%o is refused as not an object', (raw) => {
    expect(checkAgentMessage(raw, true)).toBe('a message that is not an object');
  });

  it.each([[0], [2], ['1'], [undefined], [null], [1.0000001]])('version %o is refused', (v) => {
    const problem = checkAgentMessage({ ...VALID.started, v }, false);
    expect(problem).toMatch(/^protocol version /);
  });

  it('a wrong version is refused before the kind is looked at', () => {
    expect(checkAgentMessage({ v: 2, kind: 'nonsense' }, false)).toBe('protocol version number');
    expect(checkAgentMessage({ kind: 'ready' }, true)).toBe('protocol version undefined');
    expect(checkAgentMessage({ v: '1', kind: 'ready' }, true)).toBe('protocol version "1"');
  });

  it.each([['hello'], ['Ready'], ['payload'], ['cancel'], [''], [undefined], [7]])('unknown kind %o is refused', (kind) => {
    const problem = checkAgentMessage({ v: 1, kind }, false);
    expect(problem).toMatch(/^a message of unknown kind /);
  });

  it('the unknown kind is described in the problem', () => {
    expect(checkAgentMessage({ v: 1, kind: 'hello' }, false)).toBe('a message of unknown kind "hello"');
    expect(checkAgentMessage({ v: 1 }, false)).toBe('a message of unknown kind undefined');
  });

  it('ready after the handshake is refused, however well-formed', () => {
    expect(checkAgentMessage(VALID.ready, false)).toBe("'ready' after the handshake");
  });

  it('initError after the handshake is refused', () => {
    expect(checkAgentMessage(VALID.initError, false)).toBe("'initError' after the handshake");
  });

  it('a late handshake is refused before its fields are checked', () => {
    expect(checkAgentMessage({ v: 1, kind: 'ready' }, false)).toBe("'ready' after the handshake");
  });
});

describe('isWireError', () => {
  it('accepts the minimal wire form: name, message and fields; stack and cause optional', () => {
    expect(isWireError({ name: 'E', message: '', fields: {} })).toBe(true);
    expect(isWireError(wire({ stack: undefined }))).toBe(true);
  });

  it('does not check the code: any value is carried', () => {
    expect(isWireError(wire({ code: 42 }))).toBe(true);
    expect(isWireError(wire({ code: { nested: true } }))).toBe(true);
  });

  it.each([
    ['a non-string name', wire({ name: undefined })],
    ['a non-string message', wire({ message: 5 })],
    ['a non-string stack', wire({ stack: 5 })],
    ['a null stack', wire({ stack: null })],
    ['fields that are an array', wire({ fields: [] })],
    ['fields that are null', wire({ fields: null })],
    ['an array', []],
  ])('refuses %s', (_label, value) => {
    expect(isWireError(value)).toBe(false);
  });

  it.each([
    ['a string cause', 'just text'],
    ['a null cause', null],
    ['a cause with no fields', { name: 'E', message: 'm' }],
    ['a cause whose message is a number', wire({ message: 1 })],
    ['a real Error as cause', new Error('not wire')],
  ])('refuses a wire error with %s', (_label, cause) => {
    expect(isWireError(wire({ cause }))).toBe(false);
    expect(checkAgentMessage({ ...VALID.resultError, error: wire({ cause }) }, false)).toBe("'result' with a bad error (object)");
  });

  it('refuses a bad cause deep in the chain', () => {
    const chain = wire({ cause: wire({ cause: wire({ cause: wire({ cause: { name: 'E' } }) }) }) });
    expect(isWireError(chain)).toBe(false);
    expect(checkAgentMessage({ ...VALID.initError, error: chain }, true)).toBe("'initError' with a bad error (object)");
  });

  it('accepts a cause chain of nine levels and refuses a tenth (or a cycle)', () => {
    const chainOf = (levels) => {
      let e = wire({ message: 'level 0' });
      for (let i = 1; i < levels; i++) e = wire({ message: `level ${i}`, cause: e });
      return e;
    };
    expect(isWireError(chainOf(9))).toBe(true);
    expect(isWireError(chainOf(10))).toBe(false);
    const cycle = wire();
    cycle.cause = cycle;
    expect(isWireError(cycle)).toBe(false);
  });
});
