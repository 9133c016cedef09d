// Pool and task options: defaults, and every invalid value throws InvalidOptionError naming the option.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, InvalidOptionError } from '../../dist/src/errors.js';
import { DEFAULTS, resolveOptions, resolveTaskOptions } from '../../dist/src/options.js';

const AGENT = new URL('file:///opt/agents/agent.mjs');
const base = (over = {}) => ({ agent: AGENT, ...over });

/** Runs fn, expects an InvalidOptionError for `option`, returns it. */
function expectInvalid(fn, option) {
  let caught;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a throw for ${option}`).toBeInstanceOf(InvalidOptionError);
  expect(caught.code).toBe('ERR_INVALID_OPTION');
  expect(caught.code).toBe(ErrorCodes.INVALID_OPTION);
  expect(caught.option).toBe(option);
  expect(typeof caught.expected).toBe('string');
  return caught;
}

describe('resolveOptions defaults', () => {
  it('documented defaults', () => {
    const o = resolveOptions(base());
    expect(o.size).toBe(4);
    expect(o.maxSize).toBe(16);
    expect(o.queueCapacity).toBe(100);
    expect(o.maxAttempts).toBe(3);
    expect(o.hangTimeoutMs).toBe(30_000);
    expect(o.heartbeatIntervalMs).toBe(1_000);
    expect(o.taskTimeoutMs).toBeUndefined();
    expect(o.cancelGraceMs).toBe(1_000);
    expect(o.agingIntervalMs).toBe(1_000);
    expect(o.inlinePayloadBytes).toBe(4_096);
    expect(o.resourceLimits).toBeUndefined();
    expect(o.dependencies).toEqual({});
    expect(o.workerData).toBeUndefined();
    expect(o.roles[0].agentUrl.href).toBe(AGENT.href);
  });

  it('default requires maps discovery and migration to the discovery dependency', () => {
    expect(resolveOptions(base()).requires).toEqual({ discovery: ['discovery'], migration: ['discovery'] });
  });

  it('the default logger is silent and complete', () => {
    const { logger } = resolveOptions(base());
    for (const level of ['debug', 'info', 'warn', 'error']) {
      expect(typeof logger[level]).toBe('function');
      expect(() => logger[level]({ a: 1 }, 'msg')).not.toThrow();
    }
  });

  it('DEFAULTS carries the documented numbers and is frozen', () => {
    expect(DEFAULTS).toMatchObject({ size: 4, maxSize: 16, queueCapacity: 100, maxAttempts: 3, priority: 5, hangTimeoutMs: 30_000, sloTargetMs: 500 });
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
  });

  it('size defaults to maxSize when maxSize is below 4', () => {
    expect(resolveOptions(base({ maxSize: 2 })).size).toBe(2);
  });

  it('heartbeatIntervalMs defaults to min(1000, hangTimeoutMs / 4)', () => {
    expect(resolveOptions(base({ hangTimeoutMs: 2_000 })).heartbeatIntervalMs).toBe(500);
    expect(resolveOptions(base({ hangTimeoutMs: 100_000 })).heartbeatIntervalMs).toBe(1_000);
  });

  it('given values are kept', () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const check = () => true;
    const workerData = { counter: new SharedArrayBuffer(8) };
    const o = resolveOptions(
      base({
        size: 2, maxSize: 5, queueCapacity: 7, maxAttempts: 1, taskTimeoutMs: 250, hangTimeoutMs: 900, heartbeatIntervalMs: 100,
        cancelGraceMs: 50, agingIntervalMs: 20, inlinePayloadBytes: 64, resourceLimits: { maxOldGenerationSizeMb: 32 },
        dependencies: { db: { check, intervalMs: 30 }, cache: { check } }, requires: { ingest: ['db', 'cache'] }, logger, workerData,
      }),
    );
    expect(o).toMatchObject({
      size: 2, maxSize: 5, queueCapacity: 7, maxAttempts: 1, taskTimeoutMs: 250, hangTimeoutMs: 900, heartbeatIntervalMs: 100,
      cancelGraceMs: 50, agingIntervalMs: 20, inlinePayloadBytes: 64, resourceLimits: { maxOldGenerationSizeMb: 32 },
    });
    expect(o.dependencies).toEqual({ db: { check, intervalMs: 30 }, cache: { check, intervalMs: 1_000 } });
    expect(o.requires).toEqual({ ingest: ['db', 'cache'] });
    expect(o.logger).toBe(logger);
    expect(o.workerData).toBe(workerData);
  });

  it('a capped old generation brings a 16 MB young generation unless one is given; no cap, no young limit', () => {
    expect(resolveOptions(base({ resourceLimits: { maxOldGenerationSizeMb: 32 } })).resourceLimits).toEqual({ maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 16 });
    expect(resolveOptions(base({ resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 64 } })).resourceLimits).toEqual({ maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 64 });
    expect(resolveOptions(base({ resourceLimits: { stackSizeMb: 8 } })).resourceLimits).toEqual({ stackSizeMb: 8 });
  });

  it('requires is copied: later changes to the caller’s arrays do not leak in', () => {
    const deps = ['db'];
    const o = resolveOptions(base({ requires: { ingest: deps } }));
    deps.push('cache');
    expect(o.requires.ingest).toEqual(['db']);
  });
});

describe('resolveOptions agent', () => {
  it('accepts a URL, a file: URL string and an absolute path', () => {
    expect(resolveOptions(base({ agent: new URL('file:///a/b.mjs') })).roles[0].agentUrl.href).toBe('file:///a/b.mjs');
    expect(resolveOptions(base({ agent: 'file:///a/b.mjs' })).roles[0].agentUrl.href).toBe('file:///a/b.mjs');
    expect(fileURLToPath(resolveOptions(base({ agent: '/a/b.mjs' })).roles[0].agentUrl)).toBe('/a/b.mjs');
  });

  it('an absolute path with a space names that file', () => {
    expect(fileURLToPath(resolveOptions(base({ agent: '/srv/my agents/a.mjs' })).roles[0].agentUrl)).toBe('/srv/my agents/a.mjs');
  });

  it('an absolute path containing # or % still names that file', () => {
    for (const path of ['/srv/build#2/agent.mjs', '/srv/100%/agent.mjs', '/srv/a?b/agent.mjs']) {
      const url = resolveOptions(base({ agent: path })).roles[0].agentUrl;
      expect(url.href, path).toBe(pathToFileURL(path).href);
      expect(fileURLToPath(url), path).toBe(path);
    }
  });

  it('rejects a missing, relative, empty or non-string agent', () => {
    for (const agent of [undefined, '', './agent.mjs', 'agent.mjs', 42, null, {}]) {
      const err = expectInvalid(() => resolveOptions({ agent }), 'agent');
      expect(err.received).toBe(agent);
    }
  });
});

describe('resolveOptions invalid values', () => {
  it('options itself must be an object', () => {
    expectInvalid(() => resolveOptions(null), 'options');
    expectInvalid(() => resolveOptions(undefined), 'options');
    expectInvalid(() => resolveOptions('x'), 'options');
  });

  const cases = [
    ['size', [0, -1, 1.5, '4', NaN, 17, null]],
    ['maxSize', [0, 257, 2.5, '16', Infinity]],
    ['queueCapacity', [0, -3, 1.1, 1_000_001, '100', null]],
    ['maxAttempts', [0, 101, 2.5, 'three']],
    ['taskTimeoutMs', [0, -1, NaN, Infinity, '100', null]],
    ['hangTimeoutMs', [0, -5, NaN, Infinity, '30000']],
    ['heartbeatIntervalMs', [0, -1, NaN, 'fast']],
    ['cancelGraceMs', [0, -1, Infinity, '1s']],
    ['agingIntervalMs', [0, -1, NaN, '1000']],
    ['inlinePayloadBytes', [63, 0, 16 * 1024 * 1024 + 1, 100.5, '4096']],
    ['resourceLimits', [null, 32, 'big']],
    ['dependencies', [null, 5, 'db']],
    ['requires', [null, 5, 'discovery']],
    ['logger', [null, 5, {}, { debug() {}, info() {}, warn() {} }, console.log]],
  ];
  for (const [option, values] of cases) {
    it(`${option}: every bad value throws naming it`, () => {
      for (const value of values) {
        const err = expectInvalid(() => resolveOptions(base({ [option]: value })), option);
        expect(Object.is(err.received, value), `${option}=${String(value)}: received`).toBe(true);
      }
    });
  }

  it('size above maxSize names size', () => {
    expectInvalid(() => resolveOptions(base({ maxSize: 3, size: 4 })), 'size');
  });

  it('heartbeatIntervalMs at or above hangTimeoutMs names heartbeatIntervalMs', () => {
    expectInvalid(() => resolveOptions(base({ hangTimeoutMs: 1_000, heartbeatIntervalMs: 1_000 })), 'heartbeatIntervalMs');
    expectInvalid(() => resolveOptions(base({ hangTimeoutMs: 1_000, heartbeatIntervalMs: 5_000 })), 'heartbeatIntervalMs');
  });

  it('a dependency without a check function names dependencies.<name>.check', () => {
    expectInvalid(() => resolveOptions(base({ dependencies: { db: {} } })), 'dependencies.db.check');
    expectInvalid(() => resolveOptions(base({ dependencies: { db: null } })), 'dependencies.db.check');
    expectInvalid(() => resolveOptions(base({ dependencies: { db: { check: true } } })), 'dependencies.db.check');
  });

  it('a bad dependency interval names dependencies.<name>.intervalMs', () => {
    expectInvalid(() => resolveOptions(base({ dependencies: { db: { check: () => true, intervalMs: 0 } } })), 'dependencies.db.intervalMs');
  });

  it('a requires entry that is not an array of names names requires.<type>', () => {
    expectInvalid(() => resolveOptions(base({ requires: { ingest: 'db' } })), 'requires.ingest');
    expectInvalid(() => resolveOptions(base({ requires: { ingest: ['db', 3] } })), 'requires.ingest');
  });

  it('valid boundaries are accepted', () => {
    expect(() => resolveOptions(base({ size: 1, maxSize: 1 }))).not.toThrow();
    expect(() => resolveOptions(base({ maxSize: 256, size: 256 }))).not.toThrow();
    expect(() => resolveOptions(base({ inlinePayloadBytes: 64 }))).not.toThrow();
    // The largest slot and the longest queue are each accepted where the ring they make fits in shared memory.
    expect(() => resolveOptions(base({ inlinePayloadBytes: 16 * 1024 * 1024, queueCapacity: 1, maxSize: 1, size: 1 }))).not.toThrow();
    expect(() => resolveOptions(base({ maxAttempts: 100, queueCapacity: 1_000_000, inlinePayloadBytes: 64 }))).not.toThrow();
  });
});

describe('resolveTaskOptions', () => {
  it('defaults: priority 5, type general, idempotent true', () => {
    for (const opts of [undefined, null, {}]) {
      const t = resolveTaskOptions(opts, undefined);
      expect(t).toMatchObject({ type: 'general', priority: 5, idempotent: true });
      expect(t.traceId).toBeUndefined();
      expect(t.signal).toBeUndefined();
      expect(t.timeoutMs).toBeUndefined();
      expect(t.transfer).toBeUndefined();
    }
  });

  it('timeoutMs falls back to the pool’s taskTimeoutMs, and a task value wins', () => {
    expect(resolveTaskOptions({}, 750).timeoutMs).toBe(750);
    expect(resolveTaskOptions({ timeoutMs: 20 }, 750).timeoutMs).toBe(20);
  });

  it('given values are kept', () => {
    const signal = new AbortController().signal;
    const buf = new ArrayBuffer(4);
    const t = resolveTaskOptions({ type: 'migration', priority: 1, traceId: 't-1', signal, timeoutMs: 5, idempotent: false, transfer: [buf] }, undefined);
    expect(t).toMatchObject({ type: 'migration', priority: 1, traceId: 't-1', timeoutMs: 5, idempotent: false });
    expect(t.signal).toBe(signal);
    expect(t.transfer).toEqual([buf]);
    expect(resolveTaskOptions({ priority: 10 }, undefined).priority).toBe(10);
  });

  it('every bad value throws naming it', () => {
    const cases = [
      ['options', 'fast'],
      ['type', ''],
      ['type', 5],
      ['priority', 0],
      ['priority', 11],
      ['priority', 2.5],
      ['priority', '1'],
      ['traceId', 42],
      ['signal', {}],
      ['signal', { aborted: false }],
      ['idempotent', 'yes'],
      ['idempotent', 0],
      ['transfer', new ArrayBuffer(1)],
      ['timeoutMs', 0],
      ['timeoutMs', -1],
      ['timeoutMs', NaN],
      ['timeoutMs', Infinity],
    ];
    for (const [option, value] of cases) {
      const opts = option === 'options' ? value : { [option]: value };
      const err = expectInvalid(() => resolveTaskOptions(opts, undefined), option);
      expect(Object.is(err.received, value), `${option}: received`).toBe(true);
    }
  });
});

describe('restart option', () => {
  it('is off by default: no limit on restarts', () => {
    expect(resolveOptions(base()).restart).toBeUndefined();
  });

  it('takes a positive integer maxRestarts and a finite positive windowMs', () => {
    expect(resolveOptions(base({ restart: { maxRestarts: 3, windowMs: 60_000 } })).restart).toEqual({ maxRestarts: 3, windowMs: 60_000 });
    expect(resolveOptions(base({ restart: { maxRestarts: 1, windowMs: 0.5 } })).restart).toEqual({ maxRestarts: 1, windowMs: 0.5 });
  });

  it('every bad value throws naming it', () => {
    const list = [];
    const cases = [
      ['restart', 5, 5],
      ['restart', null, null],
      ['restart', list, list],
      ['restart.maxRestarts', { windowMs: 1_000 }, undefined],
      ['restart.windowMs', { maxRestarts: 2 }, undefined],
      ['restart.maxRestarts', { maxRestarts: 0, windowMs: 1_000 }, 0],
      ['restart.maxRestarts', { maxRestarts: -1, windowMs: 1_000 }, -1],
      ['restart.maxRestarts', { maxRestarts: 1.5, windowMs: 1_000 }, 1.5],
      ['restart.maxRestarts', { maxRestarts: '2', windowMs: 1_000 }, '2'],
      ['restart.windowMs', { maxRestarts: 2, windowMs: 0 }, 0],
      ['restart.windowMs', { maxRestarts: 2, windowMs: -5 }, -5],
      ['restart.windowMs', { maxRestarts: 2, windowMs: Infinity }, Infinity],
      ['restart.windowMs', { maxRestarts: 2, windowMs: NaN }, NaN],
    ];
    for (const [option, restart, received] of cases) {
      const err = expectInvalid(() => resolveOptions(base({ restart })), option);
      expect(Object.is(err.received, received), `${option}: received`).toBe(true);
    }
  });

  it('an unknown name inside restart is refused with what was probably meant', () => {
    const err = expectInvalid(() => resolveOptions(base({ restart: { maxRestart: 2, windowMs: 1_000 } })), 'restart.maxRestart');
    expect(err.message).toContain('did you mean `restart.maxRestarts`?');
  });

  it('a misspelt restart at the top level is refused with what was probably meant', () => {
    const err = expectInvalid(() => resolveOptions(base({ restrat: { maxRestarts: 2, windowMs: 1_000 } })), 'restrat');
    expect(err.message).toContain('did you mean `restart`?');
  });
});

describe('roles (agents)', () => {
  const DEV = new URL('file:///opt/agents/dev.mjs');
  it('agent alone is one role named default, sized by size', () => {
    const o = resolveOptions(base({ size: 3, workerData: { a: 1 } }));
    expect(o.roles).toEqual([expect.objectContaining({ name: 'default', index: 0, size: 3, maxSize: 16, capabilities: [], workerData: { a: 1 } })]);
    expect(o.size).toBe(3);
  });

  it('each role takes its own module, size, limits and workerData, and falls back to the pool for the rest', () => {
    const o = resolveOptions({
      agents: { architect: { agent: AGENT }, developer: { agent: DEV, size: 2, maxSize: 6, capabilities: ['code', 'code', 'test'], workerData: 'dev', resourceLimits: { stackSizeMb: 2 } } },
      workerData: 'pool',
      restart: { maxRestarts: 2, windowMs: 1_000 },
    });
    const [architect, developer] = o.roles;
    expect(architect).toMatchObject({ name: 'architect', index: 0, size: 1, maxSize: 16, workerData: 'pool', restart: { maxRestarts: 2, windowMs: 1_000 } });
    expect(architect.agentUrl.href).toBe(AGENT.href);
    expect(developer).toMatchObject({ name: 'developer', index: 1, size: 2, maxSize: 6, capabilities: ['code', 'test'], workerData: 'dev', resourceLimits: { stackSizeMb: 2 } });
    expect(o.size).toBe(3);
  });

  it('refuses agent and agents together, size beside agents, and role sizes beyond maxSize', () => {
    expectInvalid(() => resolveOptions({ agent: AGENT, agents: { a: { agent: DEV } } }), 'agent');
    expectInvalid(() => resolveOptions({ agents: { a: { agent: DEV } }, size: 2 }), 'size');
    expectInvalid(() => resolveOptions({ agents: { a: { agent: DEV, size: 3 }, b: { agent: DEV, size: 2 } }, maxSize: 4 }), 'agents');
    expectInvalid(() => resolveOptions({ agents: {} }), 'agents');
    expectInvalid(() => resolveOptions({ agents: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`r${i}`, { agent: DEV }])) }), 'agents');
  });

  it('names the role in every bad role field', () => {
    expectInvalid(() => resolveOptions({ agents: { dev: { agent: 'relative.mjs' } } }), 'agents.dev.agent');
    expectInvalid(() => resolveOptions({ agents: { dev: { agent: DEV, size: 0 } } }), 'agents.dev.size');
    expectInvalid(() => resolveOptions({ agents: { dev: { agent: DEV, size: 3, maxSize: 2 } } }), 'agents.dev.maxSize');
    expectInvalid(() => resolveOptions({ agents: { dev: { agent: DEV, capabilities: 'code' } } }), 'agents.dev.capabilities');
    expectInvalid(() => resolveOptions({ agents: { dev: { agent: DEV, sise: 2 } } }), 'agents.dev.sise');
    expectInvalid(() => resolveOptions({ agents: { dev: { agent: DEV, restart: { maxRestarts: 1 } } } }), 'agents.dev.restart.windowMs');
    expectInvalid(() => resolveOptions({ agents: { dev: 'dev.mjs' } }), 'agents.dev');
  });

  it('task options take role and capabilities', () => {
    expect(resolveTaskOptions({ role: 'dev', capabilities: ['code'] }, undefined)).toMatchObject({ role: 'dev', capabilities: ['code'] });
    expectInvalid(() => resolveTaskOptions({ role: '' }, undefined), 'role');
    expectInvalid(() => resolveTaskOptions({ capabilities: [1] }, undefined), 'capabilities');
  });
});
