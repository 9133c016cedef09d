// Cron schedules take their times from croner, in the time zone given; nextFiringMs and
// firingsBetween, the pure timing functions, including floating-point grids; long delays are
// armed in pieces Node's timers can hold.
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { MAX_MISSED_COUNTED, firingsBetween, nextFiringMs } from '../../dist/src/schedules/next-firing.js';
import { MAX_TIMER_DELAY_MS } from '../../dist/src/schedules/schedule.js';
import { parseWhen } from '../../dist/src/schedules/spec.js';
import { FaultyClock, harness } from './schedules-harness.mjs';

const at = (iso) => new Date(iso).getTime();
const cronTiming = (cron, tz, nowMs = 0) => parseWhen({ cron, tz }, nowMs).timing;

describe('cron timing comes from croner', () => {
  it("'0 9 * * 1' in Europe/Paris from Wednesday 3 January 2024 is Monday 8 January, 08:00 UTC (CET)", () => {
    expect(nextFiringMs(cronTiming('0 9 * * 1', 'Europe/Paris'), at('2024-01-03T12:00:00Z'))).toBe(at('2024-01-08T08:00:00Z'));
  });

  it("the same pattern in summer is 07:00 UTC (CEST), and in New York 14:00 UTC", () => {
    expect(nextFiringMs(cronTiming('0 9 * * 1', 'Europe/Paris'), at('2024-07-03T12:00:00Z'))).toBe(at('2024-07-08T07:00:00Z'));
    expect(nextFiringMs(cronTiming('0 9 * * 1', 'America/New_York'), at('2024-01-03T12:00:00Z'))).toBe(at('2024-01-08T14:00:00Z'));
  });

  it('agrees with croner itself over the next 50 times of a busy pattern', () => {
    const timing = cronTiming('*/7 9-17 * * 1-5', 'Asia/Tokyo');
    const expected = new Cron('*/7 9-17 * * 1-5', { timezone: 'Asia/Tokyo' }).nextRuns(50, new Date(at('2024-02-28T00:00:00Z'))).map((d) => d.getTime());
    const got = [];
    for (let t = at('2024-02-28T00:00:00Z'); got.length < 50; ) got.push((t = nextFiringMs(timing, t)));
    expect(got).toEqual(expected);
  });

  it('a cron schedule fires at the pattern times and next() says the coming one', () => {
    const clock = new FaultyClock(at('2024-01-01T00:07:00Z'));
    const { scheduler, named } = harness({ clock });
    const handle = scheduler.add({ cron: '*/15 * * * *', tz: 'UTC' }, {}, { overlap: 'queue' });
    expect(handle.next()).toEqual(new Date('2024-01-01T00:15:00Z'));
    clock.advance(45 * 60_000);
    expect(named('scheduleFired').map((e) => new Date(e.plannedAtMs).toISOString())).toEqual([
      '2024-01-01T00:15:00.000Z',
      '2024-01-01T00:30:00.000Z',
      '2024-01-01T00:45:00.000Z',
    ]);
    expect(handle.next()).toEqual(new Date('2024-01-01T01:00:00Z'));
  });

  it('cron times a stalled process missed are counted, not fired in a burst', () => {
    const clock = new FaultyClock(at('2024-01-01T00:00:30Z'));
    const { scheduler, named } = harness({ clock });
    const handle = scheduler.add({ cron: '* * * * *', tz: 'UTC' }, {}, { overlap: 'queue' });
    clock.stall(10 * 60_000); // ten minutes pass with no timer run
    clock.advance(30_000);
    expect(named('scheduleFired')).toHaveLength(1);
    expect(handle.stats().missed).toBe(10); // 00:02 .. 00:11
    expect(handle.next()).toEqual(new Date('2024-01-01T00:12:00Z'));
  });

  it('a yearly pattern is armed in delays Node can hold, and fires once at its time', () => {
    const clock = new FaultyClock(at('2024-01-02T00:00:00Z'));
    const { scheduler, named } = harness({ clock });
    scheduler.add({ cron: '0 0 1 1 *', tz: 'UTC' }, {});
    clock.advance(at('2025-01-01T00:00:00Z') - at('2024-01-02T00:00:00Z'));
    expect(named('scheduleFired').map((e) => e.plannedAtMs)).toEqual([at('2025-01-01T00:00:00Z')]);
    expect(Math.max(...clock.delaysMs)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    expect(clock.delaysMs.length).toBeGreaterThan(10);
  });
});

describe('nextFiringMs and firingsBetween for intervals', () => {
  const every = (everyMs, anchorMs = 0) => ({ kind: 'every', everyMs, anchorMs });

  it('is the first grid time strictly after the given time', () => {
    expect(nextFiringMs(every(50), 0)).toBe(50);
    expect(nextFiringMs(every(50), 49)).toBe(50);
    expect(nextFiringMs(every(50), 50)).toBe(100);
    expect(nextFiringMs(every(50, 1_000), 10)).toBe(1_000);
    expect(nextFiringMs(every(50, 1_000), 1_120)).toBe(1_150);
  });

  it('on fractional periods, from a grid time, is always the very next grid time', () => {
    for (const everyMs of [0.1, 0.3, 1 / 3, 7.7, 33.333]) {
      for (let k = 0; k < 500; k++) {
        // Exactly on the grid is where floating-point division rounds either way.
        expect(nextFiringMs(every(everyMs), k * everyMs)).toBe((k + 1) * everyMs);
      }
    }
  });

  it('firingsBetween counts grid times in (after, until]', () => {
    expect(firingsBetween(every(50), 50, 50)).toBe(0);
    expect(firingsBetween(every(50), 50, 99)).toBe(0);
    expect(firingsBetween(every(50), 50, 100)).toBe(1);
    expect(firingsBetween(every(50), 50, 270)).toBe(4);
    expect(firingsBetween(every(0.1), 0, 1)).toBe(10);
  });

  it('firingsBetween stops counting cron times at MAX_MISSED_COUNTED', () => {
    const timing = cronTiming('* * * * * *', 'UTC');
    expect(firingsBetween(timing, 0, 86_400_000)).toBe(MAX_MISSED_COUNTED);
  });
});
