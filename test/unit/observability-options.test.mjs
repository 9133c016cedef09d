/**
 * The observability options (alerts, eventJournalSize, idleSpinUs): their
 * defaults, and every bad value throwing InvalidOptionError whose `option`
 * names the exact field. Also through the pool constructor, which validates
 * before it starts any thread.
 */
import { describe, expect, it } from 'vitest';
import { CoordinationPool, DEFAULTS, ErrorCodes, InvalidOptionError } from '../../dist/src/index.js';
import { resolveOptions } from '../../dist/src/options.js';

const AGENT = new URL('file:///opt/agents/agent.mjs');
const base = (over = {}) => ({ agent: AGENT, ...over });

function expectInvalid(fn, option) {
  let caught;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a throw naming ${option}`).toBeInstanceOf(InvalidOptionError);
  expect(caught.code).toBe(ErrorCodes.INVALID_OPTION);
  expect(caught.code).toBe('ERR_INVALID_OPTION');
  expect(caught.option).toBe(option);
  return caught;
}

/** Test names that tell NaN, Infinity and strings apart (JSON.stringify does not). */
function show(value) {
  if (typeof value === 'number' || value === null) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${show(v)}`).join(', ')} }`;
}

describe('defaults', () => {
  it('alerts default to 30 s / 60 s slow task, 30 s p95, 10 failures an hour, 80% of the queue', () => {
    const o = resolveOptions(base());
    expect(o.alerts).toEqual({ slowWarningMs: 30_000, slowCriticalMs: 60_000, typeP95Ms: 30_000, agentFailuresPerHour: 10, queueDepthShare: 0.8 });
    expect(o.alerts).toEqual({ ...DEFAULTS.alerts });
  });

  it('the journal keeps 1,000 events, idle spin is off', () => {
    const o = resolveOptions(base());
    expect(o.eventJournalSize).toBe(1_000);
    expect(o.idleSpinUs).toBe(0);
    expect(DEFAULTS.eventJournalSize).toBe(1_000);
    expect(DEFAULTS.idleSpinUs).toBe(0);
  });

  it('an empty alerts object is all defaults', () => {
    expect(resolveOptions(base({ alerts: {} })).alerts).toEqual({ ...DEFAULTS.alerts });
  });
});

describe('valid alert options', () => {
  it('every threshold can be set', () => {
    const o = resolveOptions(base({ alerts: { slowTaskMs: { warning: 10, critical: 20 }, typeP95Ms: 5, agentFailuresPerHour: 1, queueDepthShare: 0.5 } }));
    expect(o.alerts).toEqual({ slowWarningMs: 10, slowCriticalMs: 20, typeP95Ms: 5, agentFailuresPerHour: 1, queueDepthShare: 0.5 });
  });

  it('critical may equal warning; a warning above the default critical raises the critical default to it', () => {
    expect(resolveOptions(base({ alerts: { slowTaskMs: { warning: 15, critical: 15 } } })).alerts).toMatchObject({ slowWarningMs: 15, slowCriticalMs: 15 });
    expect(resolveOptions(base({ alerts: { slowTaskMs: { warning: 90_000 } } })).alerts).toMatchObject({ slowWarningMs: 90_000, slowCriticalMs: 90_000 });
  });

  it('typeP95Ms may be a per-type map', () => {
    const o = resolveOptions(base({ alerts: { typeP95Ms: { research: 200, ingest: 10 } } }));
    expect(o.alerts.typeP95Ms).toEqual({ research: 200, ingest: 10 });
  });

  it('agentFailuresPerHour 0 (alert on the first failure) and queueDepthShare 1 (a full queue) are allowed', () => {
    const o = resolveOptions(base({ alerts: { agentFailuresPerHour: 0, queueDepthShare: 1 } }));
    expect(o.alerts).toMatchObject({ agentFailuresPerHour: 0, queueDepthShare: 1 });
  });

  it('eventJournalSize 0 turns the journal off; idleSpinUs takes microseconds', () => {
    expect(resolveOptions(base({ eventJournalSize: 0 })).eventJournalSize).toBe(0);
    expect(resolveOptions(base({ eventJournalSize: 5 })).eventJournalSize).toBe(5);
    expect(resolveOptions(base({ idleSpinUs: 200 })).idleSpinUs).toBe(200);
  });
});

describe('invalid alert options name the field', () => {
  const cases = [
    ['alerts', 'loud'],
    ['alerts', 5],
    ['alerts', null],
    ['alerts.slowTaskMs', { slowTaskMs: 100 }],
    ['alerts.slowTaskMs.warning', { slowTaskMs: { warning: 0 } }],
    ['alerts.slowTaskMs.warning', { slowTaskMs: { warning: -1 } }],
    ['alerts.slowTaskMs.warning', { slowTaskMs: { warning: Number.NaN } }],
    ['alerts.slowTaskMs.warning', { slowTaskMs: { warning: Infinity } }],
    ['alerts.slowTaskMs.warning', { slowTaskMs: { warning: '100' } }],
    ['alerts.slowTaskMs.critical', { slowTaskMs: { warning: 100, critical: 0 } }],
    ['alerts.slowTaskMs.critical', { slowTaskMs: { warning: 100, critical: 50 } }],
    ['alerts.typeP95Ms', { typeP95Ms: 0 }],
    ['alerts.typeP95Ms', { typeP95Ms: -10 }],
    ['alerts.typeP95Ms', { typeP95Ms: 'fast' }],
    ['alerts.typeP95Ms.research', { typeP95Ms: { research: 0 } }],
    ['alerts.typeP95Ms.ingest', { typeP95Ms: { research: 10, ingest: 'x' } }],
    ['alerts.agentFailuresPerHour', { agentFailuresPerHour: -1 }],
    ['alerts.agentFailuresPerHour', { agentFailuresPerHour: 1.5 }],
    ['alerts.agentFailuresPerHour', { agentFailuresPerHour: '3' }],
    ['alerts.queueDepthShare', { queueDepthShare: 0 }],
    ['alerts.queueDepthShare', { queueDepthShare: -0.5 }],
    ['alerts.queueDepthShare', { queueDepthShare: 1.5 }],
    ['alerts.queueDepthShare', { queueDepthShare: Number.NaN }],
    ['alerts.queueDepthShare', { queueDepthShare: '0.5' }],
  ];
  for (const [option, alerts] of cases) {
    it(`${option}: ${show(alerts)}`, () => {
      const error = expectInvalid(() => resolveOptions(base({ alerts })), option);
      expect(typeof error.expected).toBe('string');
    });
  }
});

describe('invalid eventJournalSize and idleSpinUs', () => {
  for (const value of [-1, 1.5, '10', Number.NaN, 2_000_000]) {
    it(`eventJournalSize ${show(value)}`, () => {
      expect(expectInvalid(() => resolveOptions(base({ eventJournalSize: value })), 'eventJournalSize').received).toBe(value);
    });
    it(`idleSpinUs ${show(value)}`, () => {
      expect(expectInvalid(() => resolveOptions(base({ idleSpinUs: value })), 'idleSpinUs').received).toBe(value);
    });
  }
});

describe('the pool constructor', () => {
  it('throws the same errors before starting any agent', () => {
    const before = process.getActiveResourcesInfo().length;
    expectInvalid(() => new CoordinationPool(base({ alerts: { queueDepthShare: 2 } })), 'alerts.queueDepthShare');
    expectInvalid(() => new CoordinationPool(base({ alerts: { slowTaskMs: { warning: -5 } } })), 'alerts.slowTaskMs.warning');
    expectInvalid(() => new CoordinationPool(base({ eventJournalSize: -1 })), 'eventJournalSize');
    expectInvalid(() => new CoordinationPool(base({ idleSpinUs: 0.5 })), 'idleSpinUs');
    expect(process.getActiveResourcesInfo().length).toBe(before);
  });
});
