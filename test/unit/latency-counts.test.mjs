// An agent's latency counts in its control block: what the agent counts, the
// coordinator takes exactly once, whatever the order of counts and drains.
// No threads: both sides are called in turn on one thread.
import { describe, expect, it } from 'vitest';
import { BLOCK_WORDS, C_LATENCY, allocateRegion } from '../../dist/src/ring/layout.js';
import { ControlBlock } from '../../dist/src/ring/control-block.js';
import { COUNTED_INDICES, LatencyKind, TYPE_SLOTS } from '../../dist/src/ring/latency-counts.js';
import { SharedQueue } from '../../dist/src/ring/shared-queue.js';
import { indexOfUs } from '../../dist/src/metrics/hdr-layout.js';
import { makeRng } from './prng.mjs';

function block() {
  const q = new SharedQueue(allocateRegion({ slots: 4, blocks: 2, inlineBytes: 64 }));
  const b = new ControlBlock(q.words, q.times, q.layout, 1);
  b.reset();
  return { q, b, other: new ControlBlock(q.words, q.times, q.layout, 0) };
}

function count(b, typeCode, kind, us) {
  return b.countLatency(typeCode, kind, indexOfUs(us), us);
}

/** Everything a drain hands over, as "type/kind/index" -> count, and the maxima. */
function drain(b) {
  const counts = new Map();
  const maxima = new Map();
  b.drainLatencies(
    (typeCode, kind, index, n) => counts.set(`${typeCode}/${kind}/${index}`, (counts.get(`${typeCode}/${kind}/${index}`) ?? 0) + n),
    (typeCode, kind, us) => maxima.set(`${typeCode}/${kind}`, us),
  );
  return { counts, maxima };
}

describe('agent latency counts', () => {
  it('hands each counted value to the next drain once, with the exact maximum per type and kind', () => {
    const { b } = block();
    for (const us of [5, 5, 900, 12_345]) expect(count(b, 3, LatencyKind.RUN, us)).toBe(true);
    expect(count(b, 3, LatencyKind.ASSIGNMENT, 40)).toBe(true);
    const first = drain(b);
    expect(Object.fromEntries(first.counts)).toEqual({
      [`3/1/${indexOfUs(5)}`]: 2,
      [`3/1/${indexOfUs(900)}`]: 1,
      [`3/1/${indexOfUs(12_345)}`]: 1,
      [`3/0/${indexOfUs(40)}`]: 1,
    });
    expect(Object.fromEntries(first.maxima)).toEqual({ '3/1': 12_345, '3/0': 40 });
    const second = drain(b);
    expect(second.counts.size).toBe(0);
    expect(second.maxima.size).toBe(0);
  });

  it('a maximum of 0 us reads as 0', () => {
    const { b } = block();
    count(b, 0, LatencyKind.RUN, 0);
    expect(drain(b).maxima.get('0/1')).toBe(0);
  });

  it('refuses what its table does not hold: a type past its type slots, a value past the counted range', () => {
    const { b } = block();
    for (let code = 0; code < TYPE_SLOTS; code++) expect(count(b, code, LatencyKind.RUN, 10)).toBe(true);
    expect(count(b, TYPE_SLOTS, LatencyKind.RUN, 10)).toBe(false);
    expect(indexOfUs(2_097_152)).toBe(COUNTED_INDICES);
    expect(count(b, 0, LatencyKind.RUN, 2_097_152)).toBe(false);
    expect(count(b, 0, LatencyKind.RUN, 2_097_151)).toBe(true);
  });

  it('never loses or repeats a count over a random interleaving of counts and drains', () => {
    const rng = makeRng(2026);
    const { b } = block();
    const expected = new Map();
    const got = new Map();
    for (let step = 0; step < 20_000; step++) {
      if (rng.chance(0.05)) {
        for (const [k, n] of drain(b).counts) got.set(k, (got.get(k) ?? 0) + n);
        continue;
      }
      const type = rng.int(TYPE_SLOTS);
      const kind = rng.int(2);
      const us = Math.floor(2 ** (rng.next() * 22));
      // Past the counted range (about 2.1 s) the agent leaves the value to the coordinator.
      if (!count(b, type, kind, us)) {
        expect(us).toBeGreaterThanOrEqual(2_097_152);
        continue;
      }
      const k = `${type}/${kind}/${indexOfUs(us)}`;
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    for (const [k, n] of drain(b).counts) got.set(k, (got.get(k) ?? 0) + n);
    expect(got).toEqual(expected);
  });

  it('reset() empties the table for the next incarnation and leaves other blocks alone', () => {
    const { b, other } = block();
    other.reset();
    count(b, 1, LatencyKind.RUN, 77);
    count(other, 1, LatencyKind.RUN, 88);
    b.reset();
    expect(drain(b).counts.size).toBe(0);
    // The type slot is free again for another type.
    expect(count(b, 0, LatencyKind.RUN, 1)).toBe(true);
    expect(count(b, 5, LatencyKind.RUN, 1)).toBe(true);
    expect([...drain(other).counts.values()]).toEqual([1]);
  });

  it('drops counts an agent cannot have written (a broken agent writing below zero)', () => {
    const { q, b } = block();
    count(b, 0, LatencyKind.RUN, 300);
    // Scribble a negative value over the count the agent made (type slot 0, kind RUN).
    const table = q.layout.blockBase + b.index * BLOCK_WORDS + C_LATENCY;
    const series = table + TYPE_SLOTS + 1 * (2 + COUNTED_INDICES);
    expect(q.words[series + 2 + indexOfUs(300)]).toBe(1);
    q.words[series + 2 + indexOfUs(300)] = -5;
    expect(drain(b).counts.size).toBe(0);
  });
});
