// Priority with aging: pure functions, shared by the agents' claim loop.
import { describe, expect, it } from 'vitest';
import { effectivePriority, runsBefore } from '../../dist/src/ring/aging.js';
import { makeRng, seedsFrom } from './prng.mjs';

describe('effectivePriority', () => {
  it('is the priority itself before one interval has passed', () => {
    expect(effectivePriority({ priority: 7, enqueuedAtMs: 1_000 }, 1_000, 100)).toBe(7);
    expect(effectivePriority({ priority: 7, enqueuedAtMs: 1_000 }, 1_099, 100)).toBe(7);
  });

  it('rises one step per full interval waited', () => {
    const head = { priority: 10, enqueuedAtMs: 5_000 };
    expect(effectivePriority(head, 5_100, 100)).toBe(9);
    expect(effectivePriority(head, 5_250, 100)).toBe(8);
    expect(effectivePriority(head, 5_900, 100)).toBe(1);
  });

  it('keeps rising past the highest priority (a starved task is never capped)', () => {
    expect(effectivePriority({ priority: 3, enqueuedAtMs: 0 }, 1_000, 100)).toBe(-7);
  });

  it('a clock behind the enqueue time counts as no wait', () => {
    expect(effectivePriority({ priority: 4, enqueuedAtMs: 2_000 }, 1_000, 100)).toBe(4);
  });

  it('a huge interval means no aging', () => {
    expect(effectivePriority({ priority: 9, enqueuedAtMs: 0 }, 1e12, 1e15)).toBe(9);
  });
});

describe('runsBefore', () => {
  it('better (lower) effective priority first', () => {
    const high = { priority: 1, enqueuedAtMs: 1_000 };
    const low = { priority: 10, enqueuedAtMs: 900 };
    expect(runsBefore(high, low, 1_000, 1e15)).toBe(true);
    expect(runsBefore(low, high, 1_000, 1e15)).toBe(false);
  });

  it('aging lifts an old low-priority task above a newer high-priority one', () => {
    const old = { priority: 10, enqueuedAtMs: 0 };
    const fresh = { priority: 1, enqueuedAtMs: 9_999 };
    // 10 s at 1 s per step: 10 - 10 = 0 beats 1.
    expect(runsBefore(old, fresh, 10_000, 1_000)).toBe(true);
    expect(runsBefore(fresh, old, 10_000, 1_000)).toBe(false);
    // Half as long: 10 - 5 = 5, still behind.
    expect(runsBefore(old, fresh, 5_000, 1_000)).toBe(false);
    expect(runsBefore(fresh, old, 5_000, 1_000)).toBe(true);
  });

  it('equal effective priority: the older one first', () => {
    const a = { priority: 2, enqueuedAtMs: 100 }; // waited 900: 2 - 9 = -7
    const b = { priority: 1, enqueuedAtMs: 200 }; // waited 800: 1 - 8 = -7
    expect(runsBefore(a, b, 1_000, 100)).toBe(true);
    expect(runsBefore(b, a, 1_000, 100)).toBe(false);
  });

  it('is irreflexive: a task never runs before an identical one', () => {
    const a = { priority: 5, enqueuedAtMs: 10 };
    expect(runsBefore(a, { ...a }, 50, 10)).toBe(false);
  });

  for (const seed of seedsFrom('AGING_SEEDS', [5, 31337])) {
    it(`is a strict order consistent with (effective priority, enqueue time) (seed ${seed})`, () => {
      const rng = makeRng(seed);
      for (let i = 0; i < 2_000; i++) {
        const nowMs = rng.range(0, 10_000);
        const interval = rng.pick([1, 7, 100, 1_000, 1e15]);
        const a = { priority: rng.range(1, 10), enqueuedAtMs: rng.range(0, 10_000) };
        const b = { priority: rng.range(1, 10), enqueuedAtMs: rng.range(0, 10_000) };
        const ab = runsBefore(a, b, nowMs, interval);
        const ba = runsBefore(b, a, nowMs, interval);
        const where = `seed=${seed} i=${i} a=${JSON.stringify(a)} b=${JSON.stringify(b)} now=${nowMs} interval=${interval}`;
        expect(ab && ba, `${where}: both run before each other`).toBe(false);
        const pa = effectivePriority(a, nowMs, interval);
        const pb = effectivePriority(b, nowMs, interval);
        const expected = pa !== pb ? pa < pb : a.enqueuedAtMs < b.enqueuedAtMs;
        expect(ab, where).toBe(expected);
        // Waiting longer never makes a task less urgent.
        expect(effectivePriority(a, nowMs + rng.range(0, 5_000), interval), where).toBeLessThanOrEqual(pa);
      }
    });
  }
});
