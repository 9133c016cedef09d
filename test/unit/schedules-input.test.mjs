// schedule() checks everything it is given synchronously and throws a coded error naming the
// field, with nothing armed: the timing, the time zone, the schedule's own options and the task
// options every firing will use.
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../dist/src/index.js';
import { thrownBy } from '../helpers.mjs';
import { harness } from './schedules-harness.mjs';

function refused(when, options, payload = {}) {
  const { scheduler, clock } = harness();
  const error = thrownBy(() => scheduler.add(when, payload, options));
  expect(clock.pending).toBe(0);
  expect(scheduler.size).toBe(0);
  return error;
}

const invalid = (option) => expect.objectContaining({ code: ErrorCodes.INVALID_OPTION, option });

describe('when', () => {
  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, '50', null])('everyMs %s is refused as when.everyMs', (everyMs) => {
    expect(refused({ everyMs })).toEqual(invalid('when.everyMs'));
  });

  it.each(['bogus', '61 * * * *', '* * * *', '', '2030-01-01T00:00:00', '0 0 30 2 *'])('cron %j is refused as when.cron', (cron) => {
    expect(refused({ cron })).toEqual(invalid('when.cron'));
  });

  it('croner says why a pattern is bad', () => {
    expect(refused({ cron: '61 * * * *' }).message).toContain('minute');
  });

  it.each(['Mars/Olympus', '', 5])('time zone %j is refused as when.tz', (tz) => {
    expect(refused({ cron: '0 9 * * 1', tz })).toEqual(invalid('when.tz'));
  });

  it('refuses a when that is not an object, has both kinds or neither', () => {
    expect(refused(undefined)).toEqual(invalid('when'));
    expect(refused(50)).toEqual(invalid('when'));
    expect(refused({ everyMs: 50, cron: '* * * * *' })).toEqual(invalid('when'));
    expect(refused({})).toEqual(invalid('when'));
  });

  it('refuses unknown names in when, with the nearest known one', () => {
    expect(refused({ everyMs: 50, tz: 'UTC' })).toEqual(invalid('when.tz'));
    const typo = refused({ cron: '* * * * *', immediatly: true });
    expect(typo).toEqual(invalid('when.immediatly'));
    expect(typo.message).toContain('when.immediately');
    expect(refused({ everyMs: 50, immediately: 'yes' })).toEqual(invalid('when.immediately'));
  });
});

describe('options', () => {
  it('refuses unknown option names, suggesting overlap for a typo', () => {
    const typo = refused({ everyMs: 50 }, { overlp: 'skip' });
    expect(typo).toEqual(invalid('overlp'));
    expect(typo.message).toContain('overlap');
    expect(refused({ everyMs: 50 }, { cron: '* * * * *' })).toEqual(invalid('cron'));
  });

  it("refuses an overlap other than 'skip' or 'queue'", () => {
    expect(refused({ everyMs: 50 }, { overlap: 'burst' })).toEqual(invalid('overlap'));
  });

  it('checks the task options at schedule(), as submit() would', () => {
    expect(refused({ everyMs: 50 }, { priority: 0 })).toEqual(invalid('priority'));
    expect(refused({ everyMs: 50 }, { timeoutMs: -1 })).toEqual(invalid('timeoutMs'));
    expect(refused({ everyMs: 50 }, { type: '' })).toEqual(invalid('type'));
    expect(refused({ everyMs: 50 }, 'fast')).toEqual(invalid('options'));
  });

  it('refuses signal and transfer, which can serve one task, not every firing', () => {
    expect(refused({ everyMs: 50 }, { signal: new AbortController().signal })).toEqual(invalid('signal'));
    expect(refused({ everyMs: 50 }, { transfer: [new ArrayBuffer(8)] })).toEqual(invalid('transfer'));
  });

  it('a payload that cannot be copied is refused with ERR_DATA_CLONE', () => {
    expect(refused({ everyMs: 50 }, undefined, { fn: () => 1 })).toEqual(expect.objectContaining({ code: ErrorCodes.DATA_CLONE }));
  });

  it('accepts every task option a schedule can use', () => {
    const { scheduler, clock, fake } = harness();
    scheduler.add({ everyMs: 50 }, {}, { type: 'ingest', priority: 1, traceId: 'nightly', timeoutMs: 500, idempotent: false, overlap: 'queue', signal: undefined });
    clock.advance(50);
    expect(fake.tasks[0].options).toEqual({ type: 'ingest', priority: 1, traceId: 'nightly', timeoutMs: 500, idempotent: false });
  });
});
