// The coordinator's side of ctx.log (no threads): which logger a line goes to,
// which ids it carries, how its errors are rebuilt, and how a failing logger
// or child() is contained.
import { describe, expect, it } from 'vitest';
import { AgentLogWriter } from '../../dist/src/coordinator/agent-log.js';
import { toWireError } from '../../dist/src/errors.js';

const LEVELS = ['debug', 'info', 'warn', 'error'];

/** A logger that records { level, obj, msg, bindings }; with `child: true` it has a child() that records its calls. */
function recordingLogger({ child = false, bindings = undefined, lines = [], childCalls = [] } = {}) {
  const logger = Object.fromEntries(LEVELS.map((level) => [level, (obj, msg) => lines.push({ level, obj, msg, bindings })]));
  if (child) {
    logger.child = (b) => {
      childCalls.push(b);
      return recordingLogger({ child: true, bindings: { ...bindings, ...b }, lines, childCalls }).logger;
    };
  }
  return { logger, lines, childCalls };
}

function recordingBus() {
  const reports = [];
  return { reports, bus: { reportCallbackError: (code, context, error) => reports.push({ code, context, error }) } };
}

const line = (over = {}) => ({ v: 1, kind: 'log', level: 'info', msg: 'm', fields: {}, ...over });

describe('AgentLogWriter: which logger', () => {
  it('with child(): one child per incarnation, bound to its agentId and generation; lines carry neither themselves', () => {
    const { logger, lines, childCalls } = recordingLogger({ child: true });
    const writer = new AgentLogWriter(logger, recordingBus().bus);
    const first = { agentId: 1, generation: 1 };
    writer.write(first, line({ fields: { taskId: 4, agentId: 1, generation: 1 } }));
    writer.write(first, line({ level: 'warn', fields: { taskId: 5 } }));
    expect(childCalls).toEqual([{ agentId: 1, generation: 1 }]);
    expect(lines).toEqual([
      { level: 'info', obj: { taskId: 4 }, msg: 'm', bindings: { agentId: 1, generation: 1 } },
      { level: 'warn', obj: { taskId: 5 }, msg: 'm', bindings: { agentId: 1, generation: 1 } },
    ]);
  });

  it("a restarted agent's next incarnation gets its own child", () => {
    const { logger, childCalls } = recordingLogger({ child: true });
    const writer = new AgentLogWriter(logger, recordingBus().bus);
    writer.write({ agentId: 1, generation: 1 }, line());
    writer.write({ agentId: 1, generation: 2 }, line());
    writer.write({ agentId: 2, generation: 1 }, line());
    expect(childCalls).toEqual([
      { agentId: 1, generation: 1 },
      { agentId: 1, generation: 2 },
      { agentId: 2, generation: 1 },
    ]);
  });

  it('without child(): agentId and generation are merged into every line, first', () => {
    const { logger, lines } = recordingLogger();
    new AgentLogWriter(logger, recordingBus().bus).write({ agentId: 3, generation: 2 }, line({ fields: { taskId: 9, rows: 1 } }));
    expect(lines).toEqual([{ level: 'info', obj: { agentId: 3, generation: 2, taskId: 9, rows: 1 }, msg: 'm', bindings: undefined }]);
    expect(Object.keys(lines[0].obj)).toEqual(['agentId', 'generation', 'taskId', 'rows']);
  });

  it('a line cannot claim another agent: its own agentId and generation are replaced by the incarnation’s', () => {
    const { logger, lines } = recordingLogger();
    new AgentLogWriter(logger, recordingBus().bus).write({ agentId: 3, generation: 2 }, line({ fields: { agentId: 999, generation: 7 } }));
    expect(lines[0].obj).toEqual({ agentId: 3, generation: 2 });
  });

  it('an empty message is passed as none, as pino omits it', () => {
    const { logger, lines } = recordingLogger();
    new AgentLogWriter(logger, recordingBus().bus).write({ agentId: 1, generation: 1 }, line({ msg: '' }));
    expect(lines[0].msg).toBeUndefined();
  });
});

describe('AgentLogWriter: errors in fields', () => {
  const write = (errors, fields = {}) => {
    const { logger, lines } = recordingLogger();
    new AgentLogWriter(logger, recordingBus().bus).write({ agentId: 1, generation: 1 }, line({ fields, errors }));
    return lines[0].obj;
  };

  it('are rebuilt under their keys with message, stack, code, own fields and cause', () => {
    const original = Object.assign(new Error('db down', { cause: new Error('refused') }), { code: 'E_DB', host: 'db1' });
    const obj = write({ err: toWireError(original), other: toWireError(new Error('second')) }, { rows: 0 });
    expect(obj.rows).toBe(0);
    expect(obj.err).toBeInstanceOf(Error);
    expect(obj.err).toMatchObject({ message: 'db down', code: 'E_DB', host: 'db1', stack: original.stack });
    expect(obj.err.cause.message).toBe('refused');
    expect(obj.other.message).toBe('second');
  });

  it('a built-in error class comes back as that class, so a serializer reports its type', () => {
    const obj = write({ err: toWireError(new TypeError('x')), range: toWireError(new RangeError('r')) });
    expect(obj.err).toBeInstanceOf(TypeError);
    expect(obj.err.constructor.name).toBe('TypeError');
    expect(obj.range.constructor.name).toBe('RangeError');
  });

  it("an agent's own class comes back as a stand-in Error subclass of that name", () => {
    class DbError extends Error {
      name = 'DbError';
    }
    const a = write({ err: toWireError(new DbError('a')) }).err;
    const b = write({ err: toWireError(new DbError('b')) }).err;
    expect(a).toBeInstanceOf(Error);
    expect(a.constructor.name).toBe('DbError');
    expect(a.name).toBe('DbError');
    // One stand-in per name, not one per line.
    expect(b.constructor).toBe(a.constructor);
  });

  it('a key named __proto__ stays a plain field', () => {
    // As structured clone can deliver it: an own enumerable property, not the prototype.
    const wire = Object.defineProperty({}, '__proto__', { value: toWireError(new Error('p')), enumerable: true });
    const obj = write(wire);
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(Object.hasOwn(obj, '__proto__')).toBe(true);
  });
});

describe('AgentLogWriter: a failing logger is contained', () => {
  it('a child() that throws is reported once as ERR_LOGGER_THREW and the lines are merged into the logger instead', () => {
    const { logger, lines } = recordingLogger();
    let calls = 0;
    logger.child = () => {
      calls++;
      throw new Error('no child for you');
    };
    const { bus, reports } = recordingBus();
    const writer = new AgentLogWriter(logger, bus);
    const source = { agentId: 1, generation: 1 };
    writer.write(source, line());
    writer.write(source, line());
    expect(calls).toBe(1);
    expect(reports.map((r) => [r.code, r.context, r.error.message])).toEqual([['ERR_LOGGER_THREW', "the logger's child() threw", 'no child for you']]);
    expect(lines.map((l) => l.obj)).toEqual([
      { agentId: 1, generation: 1 },
      { agentId: 1, generation: 1 },
    ]);
  });

  it('a child() that returns no logger is reported and the lines are merged', () => {
    const { logger, lines } = recordingLogger();
    logger.child = () => ({ info() {} });
    const { bus, reports } = recordingBus();
    new AgentLogWriter(logger, bus).write({ agentId: 2, generation: 1 }, line());
    expect(reports.map((r) => r.code)).toEqual(['ERR_LOGGER_THREW']);
    expect(reports[0].context).toContain('child()');
    expect(lines.map((l) => l.obj)).toEqual([{ agentId: 2, generation: 1 }]);
  });

  it("a level that throws is reported as ERR_LOGGER_THREW naming the level, and write() returns", () => {
    const { logger } = recordingLogger({ child: true });
    const child = logger.child;
    logger.child = (b) => ({ ...child(b), warn: () => { throw new Error('warn broke'); } });
    const { bus, reports } = recordingBus();
    expect(() => new AgentLogWriter(logger, bus).write({ agentId: 1, generation: 1 }, line({ level: 'warn' }))).not.toThrow();
    expect(reports.map((r) => [r.code, r.context])).toEqual([['ERR_LOGGER_THREW', "the logger's warn() threw"]]);
  });
});
