// The manual clock: time moves only in advance(), timers fire in due order, intervals repeat,
// clear works, and a timer set by a firing timer fires in the same advance when it is due.
import { describe, expect, it } from 'vitest';
import { ManualClock, nowMs, systemClock } from '../../dist/src/clock.js';

describe('ManualClock time', () => {
  it('starts at the given time (1 000 000 by default) and moves only when advanced', () => {
    expect(new ManualClock().nowMs()).toBe(1_000_000);
    const clock = new ManualClock(50);
    expect(clock.nowMs()).toBe(50);
    expect(clock.nowMs()).toBe(50);
    clock.advance(25);
    expect(clock.nowMs()).toBe(75);
    clock.advance(0);
    expect(clock.nowMs()).toBe(75);
  });

  it('advance ends at now + ms even when the last timer was due earlier', () => {
    const clock = new ManualClock(0);
    clock.setTimeout(() => {}, 10);
    clock.advance(100);
    expect(clock.nowMs()).toBe(100);
  });
});

describe('ManualClock timeouts', () => {
  it('a timeout does not fire before it is due and fires once when it is', () => {
    const clock = new ManualClock(0);
    const fired = [];
    clock.setTimeout(() => fired.push(clock.nowMs()), 10);
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([10]);
    clock.advance(100);
    expect(fired).toEqual([10]);
    expect(clock.pending).toBe(0);
  });

  it('timers fire in due order, not the order they were set, with now at each one’s due time', () => {
    const clock = new ManualClock(0);
    const fired = [];
    clock.setTimeout(() => fired.push(['c', clock.nowMs()]), 30);
    clock.setTimeout(() => fired.push(['a', clock.nowMs()]), 10);
    clock.setTimeout(() => fired.push(['b', clock.nowMs()]), 20);
    clock.advance(30);
    expect(fired).toEqual([['a', 10], ['b', 20], ['c', 30]]);
  });

  it('timers due at the same time fire in the order they were set', () => {
    const clock = new ManualClock(0);
    const fired = [];
    for (const name of ['first', 'second', 'third']) clock.setTimeout(() => fired.push(name), 5);
    clock.advance(5);
    expect(fired).toEqual(['first', 'second', 'third']);
  });

  it('a zero or negative delay is due now and fires on the next advance, even advance(0)', () => {
    const clock = new ManualClock(0);
    const fired = [];
    clock.setTimeout(() => fired.push('zero'), 0);
    clock.setTimeout(() => fired.push('negative'), -50);
    expect(fired).toEqual([]);
    clock.advance(0);
    expect(fired).toEqual(['zero', 'negative']);
    expect(clock.nowMs()).toBe(0);
  });

  it('pending counts armed timers', () => {
    const clock = new ManualClock(0);
    expect(clock.pending).toBe(0);
    clock.setTimeout(() => {}, 10);
    clock.setTimeout(() => {}, 20);
    clock.setInterval(() => {}, 5);
    expect(clock.pending).toBe(3);
    clock.advance(10);
    expect(clock.pending).toBe(2);
  });
});

describe('ManualClock intervals', () => {
  it('an interval repeats every period, at each due time', () => {
    const clock = new ManualClock(0);
    const fired = [];
    clock.setInterval(() => fired.push(clock.nowMs()), 10);
    clock.advance(35);
    expect(fired).toEqual([10, 20, 30]);
    clock.advance(5);
    expect(fired).toEqual([10, 20, 30, 40]);
    expect(clock.pending).toBe(1);
  });

  it('intervals and timeouts interleave in due order', () => {
    const clock = new ManualClock(0);
    const fired = [];
    clock.setInterval(() => fired.push(`tick@${clock.nowMs()}`), 10);
    clock.setTimeout(() => fired.push(`once@${clock.nowMs()}`), 15);
    clock.advance(30);
    expect(fired).toEqual(['tick@10', 'once@15', 'tick@20', 'tick@30']);
  });

  it('an interval of 0 repeats every 1 ms instead of looping forever', () => {
    const clock = new ManualClock(0);
    let n = 0;
    clock.setInterval(() => n++, 0);
    clock.advance(5);
    // Due at 0 (now), then 1, 2, 3, 4, 5.
    expect(n).toBe(6);
  });

  it('an interval cleared from its own callback stops', () => {
    const clock = new ManualClock(0);
    let n = 0;
    const timer = clock.setInterval(() => {
      n++;
      if (n === 3) clock.clear(timer);
    }, 10);
    clock.advance(100);
    expect(n).toBe(3);
    expect(clock.pending).toBe(0);
  });
});

describe('ManualClock clear', () => {
  it('a cleared timeout never fires', () => {
    const clock = new ManualClock(0);
    const fired = [];
    const t = clock.setTimeout(() => fired.push('cleared'), 10);
    clock.setTimeout(() => fired.push('kept'), 10);
    clock.clear(t);
    expect(clock.pending).toBe(1);
    clock.advance(20);
    expect(fired).toEqual(['kept']);
  });

  it('a cleared interval stops repeating', () => {
    const clock = new ManualClock(0);
    let n = 0;
    const t = clock.setInterval(() => n++, 10);
    clock.advance(25);
    clock.clear(t);
    clock.advance(100);
    expect(n).toBe(2);
    expect(clock.pending).toBe(0);
  });

  it('clear of undefined, of a fired timer, or twice is harmless', () => {
    const clock = new ManualClock(0);
    const fired = clock.setTimeout(() => {}, 1);
    clock.advance(1);
    const other = clock.setTimeout(() => {}, 10);
    expect(() => {
      clock.clear(undefined);
      clock.clear(fired);
      clock.clear(fired);
    }).not.toThrow();
    expect(clock.pending).toBe(1);
    clock.clear(other);
    clock.clear(other);
    expect(clock.pending).toBe(0);
  });

  it('a timer cleared by an earlier timer in the same advance does not fire', () => {
    const clock = new ManualClock(0);
    const fired = [];
    let later;
    clock.setTimeout(() => {
      fired.push('first');
      clock.clear(later);
    }, 5);
    later = clock.setTimeout(() => fired.push('later'), 10);
    clock.advance(20);
    expect(fired).toEqual(['first']);
  });

  it('each timer gets its own handle', () => {
    const clock = new ManualClock(0);
    const a = clock.setTimeout(() => {}, 1);
    const b = clock.setTimeout(() => {}, 1);
    expect(a.id).not.toBe(b.id);
  });
});

describe('ManualClock nested timers', () => {
  it('a timer set by a firing timer fires in the same advance when it is due, at its own due time', () => {
    const clock = new ManualClock(0);
    const fired = [];
    clock.setTimeout(() => {
      fired.push(['outer', clock.nowMs()]);
      clock.setTimeout(() => fired.push(['inner', clock.nowMs()]), 5);
    }, 10);
    clock.advance(15);
    expect(fired).toEqual([['outer', 10], ['inner', 15]]);
  });

  it('a nested timer due after the advance waits for the next one', () => {
    const clock = new ManualClock(0);
    const fired = [];
    clock.setTimeout(() => {
      clock.setTimeout(() => fired.push(clock.nowMs()), 10);
    }, 10);
    clock.advance(15);
    expect(fired).toEqual([]);
    expect(clock.pending).toBe(1);
    clock.advance(5);
    expect(fired).toEqual([20]);
  });

  it('a chain of zero-delay timers all fire within one advance', () => {
    const clock = new ManualClock(0);
    let depth = 0;
    const step = () => {
      depth++;
      if (depth < 10) clock.setTimeout(step, 0);
    };
    clock.setTimeout(step, 1);
    clock.advance(1);
    expect(depth).toBe(10);
    expect(clock.pending).toBe(0);
  });

  it('a nested timer due before an already armed one fires first', () => {
    const clock = new ManualClock(0);
    const fired = [];
    clock.setTimeout(() => {
      fired.push('a@10');
      clock.setTimeout(() => fired.push('nested@12'), 2);
    }, 10);
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.advance(20);
    expect(fired).toEqual(['a@10', 'nested@12', 'b@20']);
  });

  it('time never runs backwards inside advance', () => {
    const clock = new ManualClock(100);
    const seen = [];
    clock.setTimeout(() => seen.push(clock.nowMs()), 0);
    clock.setTimeout(() => {
      seen.push(clock.nowMs());
      clock.setTimeout(() => seen.push(clock.nowMs()), 0);
    }, 7);
    clock.advance(10);
    expect(seen).toEqual([100, 107, 107]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
  });
});

describe('systemClock', () => {
  it('nowMs is epoch milliseconds and does not run backwards', () => {
    const a = nowMs();
    const b = systemClock.nowMs();
    expect(Math.abs(a - Date.now())).toBeLessThan(1_000);
    expect(b).toBeGreaterThanOrEqual(a);
  });

  it('its timers are unref’d and can be cleared before they fire', () => {
    const timer = systemClock.setTimeout(() => {
      throw new Error('should have been cleared');
    }, 60_000);
    expect(timer.id.hasRef()).toBe(false);
    systemClock.clear(timer);
    const interval = systemClock.setInterval(() => {}, 60_000);
    expect(interval.id.hasRef()).toBe(false);
    systemClock.clear(interval);
    expect(() => systemClock.clear(undefined)).not.toThrow();
  });
});
