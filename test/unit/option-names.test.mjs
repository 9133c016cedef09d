// Unknown option names are refused: a typo gets a "did you mean" suggestion, an unrelated name gets the
// list of known names, and the error is an InvalidOptionError naming the option as given.
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../dist/src/errors.js';
import { checkKnownKeys, closest } from '../../dist/src/option-names.js';
import { resolveOptions, resolveTaskOptions } from '../../dist/src/options.js';
import { thrownBy } from '../helpers.mjs';

// The names the pool accepts (kept in step with src/options.ts).
const POOL_OPTIONS = [
  'agent', 'size', 'maxSize', 'queueCapacity', 'maxAttempts', 'taskTimeoutMs', 'hangTimeoutMs', 'heartbeatIntervalMs',
  'cancelGraceMs', 'agingIntervalMs', 'inlinePayloadBytes', 'resourceLimits', 'dependencies', 'requires', 'logger',
  'workerData', 'alerts', 'eventJournalSize', 'idleSpinUs', 'idleWait', 'startTimeoutMs', 'payloadIsolation', 'finishedTasksKept',
];
const TASK_OPTIONS = ['type', 'priority', 'traceId', 'signal', 'timeoutMs', 'idempotent', 'transfer', 'role', 'capabilities', 'flow'];
const AGENT = new URL('../fixtures/never-loaded.mjs', import.meta.url);

describe('closest', () => {
  it.each([
    ['sise', POOL_OPTIONS, 'size'],
    ['priorty', TASK_OPTIONS, 'priority'],
    ['maxAtempts', POOL_OPTIONS, 'maxAttempts'],
    ['quueCapacity', POOL_OPTIONS, 'queueCapacity'],
    ['agen', POOL_OPTIONS, 'agent'],
    ['sizes', POOL_OPTIONS, 'size'],
    ['timeout', TASK_OPTIONS, 'timeoutMs'],
    ['tracId', TASK_OPTIONS, 'traceId'],
  ])('suggests the near name for the typo %s', (typo, known, expected) => {
    expect(closest(typo, known)).toBe(expected);
  });

  it('ignores case: a name that differs only in case is suggested', () => {
    expect(closest('MAXSIZE', POOL_OPTIONS)).toBe('maxSize');
    expect(closest('stackSizeMB', ['maxOldGenerationSizeMb', 'stackSizeMb'])).toBe('stackSizeMb');
  });

  it('an exact name is its own closest', () => {
    expect(closest('idleWait', POOL_OPTIONS)).toBe('idleWait');
  });

  it.each(['banana', 'workers', 'zzz', 'x', '', 'heartbeat'])('suggests nothing for the unrelated name %j', (name) => {
    expect(closest(name, POOL_OPTIONS)).toBeUndefined();
  });

  it('suggests nothing when nothing is known', () => {
    expect(closest('size', [])).toBeUndefined();
  });

  it('allows more edits in longer names: up to a third of the length', () => {
    // 13 letters: 4 edits allowed, so 3 wrong letters in queueCapacity are still a typo.
    expect(closest('quXuXCapacitX', POOL_OPTIONS)).toBe('queueCapacity');
    // 4 letters: at most 2 edits, so 3 wrong letters are not.
    expect(closest('sxxe', POOL_OPTIONS)).toBe('size');
    expect(closest('sxxx', POOL_OPTIONS)).toBeUndefined();
  });

  it('on a tie the first known name wins', () => {
    expect(closest('ab', ['ax', 'xb'])).toBe('ax');
  });
});

describe('checkKnownKeys', () => {
  it('accepts an object whose keys are all known, and an empty one', () => {
    expect(() => checkKnownKeys('', { size: 1, agent: 'x' }, POOL_OPTIONS)).not.toThrow();
    expect(() => checkKnownKeys('', {}, POOL_OPTIONS)).not.toThrow();
  });

  it('a typo throws InvalidOptionError with option set and a did-you-mean hint', () => {
    const error = thrownBy(() => checkKnownKeys('', { size: 2, sise: 3 }, POOL_OPTIONS));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.option).toBe('sise');
    expect(error.received).toBe(3);
    expect(error.expected).toBe('a known option (did you mean `size`?)');
    expect(error.message).toBe('Expected `sise` to be a known option (did you mean `size`?), got `3` (number)');
  });

  it('an unrelated name gets the list of every known name, with the prefix', () => {
    const error = thrownBy(() => checkKnownKeys('alerts.', { banana: true }, ['slowTaskMs', 'typeP95Ms']));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.option).toBe('alerts.banana');
    expect(error.expected).toBe('one of `alerts.slowTaskMs`, `alerts.typeP95Ms`');
  });

  it('the prefix is on the option and on the suggestion', () => {
    const error = thrownBy(() => checkKnownKeys('resourceLimits.', { stackSizeMB: 4 }, ['stackSizeMb']));
    expect(error.option).toBe('resourceLimits.stackSizeMB');
    expect(error.expected).toBe('a known option (did you mean `resourceLimits.stackSizeMb`?)');
  });

  it('the first unknown key is the one reported', () => {
    const error = thrownBy(() => checkKnownKeys('', { priorty: 1, tipe: 'x' }, TASK_OPTIONS));
    expect(error.option).toBe('priorty');
  });

  it('an unknown key whose value is undefined is still refused', () => {
    const error = thrownBy(() => checkKnownKeys('', { maxAtempts: undefined }, POOL_OPTIONS));
    expect(error.option).toBe('maxAtempts');
    expect(error.expected).toMatch(/did you mean `maxAttempts`/);
  });
});

describe('unknown names through the option resolvers', () => {
  it.each([
    ['sise', 'size'],
    ['maxAtempts', 'maxAttempts'],
    ['queueCapcity', 'queueCapacity'],
    ['finishedTaskKept', 'finishedTasksKept'],
  ])('resolveOptions refuses %s and suggests %s', (typo, meant) => {
    const error = thrownBy(() => resolveOptions({ agent: AGENT, [typo]: 2 }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.option).toBe(typo);
    expect(error.message).toContain(`did you mean \`${meant}\``);
  });

  it('resolveTaskOptions refuses priorty and suggests priority', () => {
    const error = thrownBy(() => resolveTaskOptions({ priorty: 1 }, undefined));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.option).toBe('priorty');
    expect(error.message).toContain('did you mean `priority`');
  });

  it('resolveTaskOptions lists the task options for an unrelated name', () => {
    const error = thrownBy(() => resolveTaskOptions({ banana: 1 }, undefined));
    expect(error.option).toBe('banana');
    expect(error.expected).toBe(`one of ${TASK_OPTIONS.map((k) => `\`${k}\``).join(', ')}`);
  });

  it('nested option groups carry their prefix: resourceLimits.* and alerts.*', () => {
    const limits = thrownBy(() => resolveOptions({ agent: AGENT, resourceLimits: { stackSizeMB: 4 } }));
    expect(limits.option).toBe('resourceLimits.stackSizeMB');
    expect(limits.message).toContain('did you mean `resourceLimits.stackSizeMb`');
    const alerts = thrownBy(() => resolveOptions({ agent: AGENT, alerts: { queueDepthShar: 0.5 } }));
    expect(alerts.option).toBe('alerts.queueDepthShar');
    expect(alerts.message).toContain('did you mean `alerts.queueDepthShare`');
  });
});
