// An agent's control block: the completion ring back to the coordinator, the
// doorbell, the heartbeat time and reset() between incarnations. No threads:
// Atomics.waitAsync on the main thread observes the notifications.
import { describe, expect, it } from 'vitest';
import {
  BLOCK_WORDS,
  COMPLETION_RING,
  COMPLETION_SHARE_MIN,
  C_COMP_HEAD,
  C_COMP_LIMIT,
  C_COMP_TAIL,
  C_LATENCY,
  C_DIRECT,
  C_DOORBELL,
  C_STATE,
  H_COMPLETION_SEQ,
  H_RING_WAITING,
  allocateRegion,
  completionBudget,
  completionShare,
} from '../../dist/src/ring/layout.js';
import { ControlBlock } from '../../dist/src/ring/control-block.js';
import { SharedQueue } from '../../dist/src/ring/shared-queue.js';
import { makeRng, seedsFrom } from './prng.mjs';

const BLOCKS = 3;

function setup() {
  const q = new SharedQueue(allocateRegion({ slots: 16, blocks: BLOCKS, inlineBytes: 64 }));
  const blocks = Array.from({ length: BLOCKS }, (_, i) => new ControlBlock(q.words, q.times, q.layout, i));
  // The whole ring: these tests are about the ring itself, not the share of it the coordinator grants.
  for (const b of blocks) b.setCompletionLimit(COMPLETION_RING);
  return { q, blocks };
}

function drain(block) {
  const got = [];
  const n = block.drainCompletions((slot) => got.push(slot));
  expect(n).toBe(got.length);
  return got;
}

/** Resolves to the waitAsync outcome; the timeout only bounds a broken notify, it is never asserted on. */
function waitFor(words, index, value) {
  const r = Atomics.waitAsync(words, index, value, 5_000);
  return r.async ? r.value : Promise.resolve(r.value);
}

describe('ControlBlock identity', () => {
  it('owner is -(index + 2), never a ticket (>= 0) nor CLAIM_NONE (-1)', () => {
    const { blocks } = setup();
    expect(blocks.map((b) => b.owner)).toEqual([-2, -3, -4]);
  });

  it('load/store/compareExchange/exchange address this block only', () => {
    const { blocks } = setup();
    blocks[1].store(C_DIRECT, 7);
    expect(blocks[1].load(C_DIRECT)).toBe(7);
    expect(blocks[0].load(C_DIRECT)).toBe(0);
    expect(blocks[2].load(C_DIRECT)).toBe(0);
    expect(blocks[1].compareExchange(C_DIRECT, 6, 9)).toBe(7); // wrong expectation: unchanged
    expect(blocks[1].load(C_DIRECT)).toBe(7);
    expect(blocks[1].compareExchange(C_DIRECT, 7, 9)).toBe(7);
    expect(blocks[1].load(C_DIRECT)).toBe(9);
    expect(blocks[1].exchange(C_DIRECT, 0)).toBe(9);
    expect(blocks[1].load(C_DIRECT)).toBe(0);
    blocks[2].store(C_STATE, 4);
    expect(blocks[2].state).toBe(4);
  });
});

describe('ControlBlock completion ring', () => {
  it('drains in publish order and frees the room', () => {
    const { blocks } = setup();
    const b = blocks[0];
    expect(b.completionRoom()).toBe(COMPLETION_RING);
    const slots = [5, 0, 12, 3];
    for (const [i, slot] of slots.entries()) {
      b.publishCompletion(slot);
      expect(b.completionRoom()).toBe(COMPLETION_RING - i - 1);
    }
    expect(drain(b)).toEqual(slots);
    expect(b.completionRoom()).toBe(COMPLETION_RING);
    expect(drain(b)).toEqual([]);
  });

  it('a full ring has no room and drains all of it in order', () => {
    const { blocks } = setup();
    const b = blocks[2];
    const slots = Array.from({ length: COMPLETION_RING }, (_, i) => 15 - i);
    for (const slot of slots) b.publishCompletion(slot);
    expect(b.completionRoom()).toBe(0);
    expect(drain(b)).toEqual(slots);
    expect(b.completionRoom()).toBe(COMPLETION_RING);
  });

  it('frees each entry before handing over the next, so a blocked agent can go on', () => {
    const { blocks } = setup();
    const b = blocks[0];
    for (let i = 0; i < 5; i++) b.publishCompletion(i);
    const roomSeen = [];
    b.drainCompletions(() => roomSeen.push(b.completionRoom()));
    // While the i-th entry is handled, the i entries before it are already free.
    expect(roomSeen).toEqual([0, 1, 2, 3, 4].map((i) => COMPLETION_RING - 5 + i));
  });

  it('an agent may publish only its share: a share lowered below what it holds stops it until the drain', () => {
    const { blocks } = setup();
    const b = blocks[0];
    b.setCompletionLimit(4);
    for (let i = 0; i < 4; i++) b.publishCompletion(i);
    expect(b.completionRoom()).toBe(0);
    b.setCompletionLimit(2);
    expect(b.completionRoom()).toBe(-2);
    expect(drain(b)).toEqual([0, 1, 2, 3]);
    expect(b.completionRoom()).toBe(2);
    // Never more than the ring holds, whatever the word says.
    b.setCompletionLimit(COMPLETION_RING * 2);
    expect(b.completionRoom()).toBe(COMPLETION_RING);
  });

  it('the completion budget is split between the blocks in use, from the whole ring down to the minimum share', () => {
    const budget = completionBudget(2, 4_096);
    expect(budget).toBe(16 * COMPLETION_SHARE_MIN); // a small pool still gets the floor of 512 slots (2 MiB of 4 KiB slots)
    expect(completionShare(budget, 1)).toBe(COMPLETION_RING);
    expect(completionShare(budget, 2)).toBe(COMPLETION_RING);
    expect(completionShare(budget, 3)).toBe(170);
    expect(completionShare(completionBudget(16, 4_096), 16)).toBe(COMPLETION_SHARE_MIN);
    // Replacements starting while old incarnations exit: never below the minimum.
    expect(completionShare(completionBudget(16, 4_096), 32)).toBe(COMPLETION_SHARE_MIN);
    expect(completionShare(budget, 0)).toBe(COMPLETION_RING);
    // Large slots get no floor beyond 32 per agent: the floor is bounded in bytes, not slots.
    expect(completionBudget(1, 16 * 1024 * 1024)).toBe(COMPLETION_SHARE_MIN);
    expect(completionBudget(4, 65_536)).toBe(4 * COMPLETION_SHARE_MIN);
  });

  it('blocks have separate rings', () => {
    const { blocks } = setup();
    blocks[0].publishCompletion(1);
    blocks[1].publishCompletion(2);
    blocks[1].publishCompletion(3);
    expect(drain(blocks[1])).toEqual([2, 3]);
    expect(drain(blocks[2])).toEqual([]);
    expect(drain(blocks[0])).toEqual([1]);
  });

  for (const seed of seedsFrom('COMPLETION_SEEDS', [11, 4242, 777777])) {
    for (const start of [0, 2 ** 31 - 3, -3]) {
      it(`keeps order over many wrap-arounds (seed ${seed}, counters from ${start})`, () => {
        const rng = makeRng(seed);
        const { q, blocks } = setup();
        const b = blocks[1];
        b.store(C_COMP_HEAD, start);
        b.store(C_COMP_TAIL, start);
        const published = [];
        const drained = [];
        for (let round = 0; round < 2_000; round++) {
          const n = rng.range(0, b.completionRoom());
          for (let i = 0; i < n; i++) {
            const slot = rng.int(16);
            b.publishCompletion(slot);
            published.push(slot);
          }
          expect(b.completionRoom(), `seed=${seed} round=${round}`).toBe(COMPLETION_RING - (published.length - drained.length));
          if (rng.chance(0.7)) drained.push(...drain(b));
        }
        drained.push(...drain(b));
        expect(drained, `seed=${seed} start=${start}`).toEqual(published);
        expect(q.words[H_COMPLETION_SEQ], `seed=${seed}: one sequence bump per completion`).toBe(published.length);
        expect(published.length / COMPLETION_RING, `seed=${seed}: ring wrap-arounds`).toBeGreaterThan(100);
      });
    }
  }

  it('publishing bumps the header sequence and wakes a coordinator sleeping on it', async () => {
    const { q, blocks } = setup();
    const before = q.completionSeq();
    const woken = q.sleepOnCompletions(before);
    expect(woken).toBeDefined();
    blocks[2].publishCompletion(9);
    expect(await woken).toBe('ok');
    expect(q.completionSeq()).toBe(before + 1);
  });

  it('publishing while the coordinator is awake bumps the sequence without a wake-up, and the next sleep returns at once', () => {
    const { q, blocks } = setup();
    const before = q.completionSeq();
    q.awake();
    blocks[2].publishCompletion(9);
    expect(q.completionSeq()).toBe(before + 1);
    // The coordinator read `before` and drained; the bump since then means there is more: no sleep.
    expect(q.sleepOnCompletions(before)).toBeUndefined();
  });
});

describe('ControlBlock doorbell', () => {
  it('doorbellIndex() names the C_DOORBELL word of this block', () => {
    const { q, blocks } = setup();
    for (const b of blocks) {
      b.store(C_DOORBELL, 40 + b.index);
      expect(q.words[b.doorbellIndex()]).toBe(40 + b.index);
    }
  });

  it('ring() bumps the doorbell once per call', () => {
    const { blocks } = setup();
    const b = blocks[1];
    b.ring();
    b.ring();
    b.ring();
    expect(b.load(C_DOORBELL)).toBe(3);
    expect(blocks[0].load(C_DOORBELL)).toBe(0);
    expect(blocks[2].load(C_DOORBELL)).toBe(0);
  });

  it('ring() wakes a waiter on the doorbell', async () => {
    const { q, blocks } = setup();
    const b = blocks[0];
    const woken = waitFor(q.words, b.doorbellIndex(), b.load(C_DOORBELL));
    b.ring();
    expect(await woken).toBe('ok');
  });

  it('an agent about to wait after ring() sees a changed value and does not sleep', () => {
    const { q, blocks } = setup();
    const b = blocks[2];
    const seen = b.load(C_DOORBELL);
    b.ring(); // coordinator rings between the agent's load and its wait
    const r = Atomics.waitAsync(q.words, b.doorbellIndex(), seen, 0);
    expect(r.async).toBe(false);
    expect(r.value).toBe('not-equal');
  });
});

describe('ControlBlock heartbeat and reset', () => {
  it('heartbeat times are per block', () => {
    const { blocks } = setup();
    blocks[0].heartbeat(1_000.5);
    blocks[1].heartbeat(2_000.25);
    expect(blocks[0].lastHeartbeatMs()).toBe(1_000.5);
    expect(blocks[1].lastHeartbeatMs()).toBe(2_000.25);
    expect(blocks[2].lastHeartbeatMs()).toBe(0);
  });

  it('reset() clears every word and the heartbeat of this block (its completion share back to the minimum), and nothing else', () => {
    const { q, blocks } = setup();
    q.words[H_RING_WAITING] = 5;
    q.words[q.slotWord(15, 0)] = 123;
    q.times[q.slotTime(15, 0)] = 456;
    for (const b of blocks) {
      // The words before the latency table: the table is cleared where it was written (tested below).
      for (let f = 0; f < C_LATENCY; f++) b.store(f, 100 * (b.index + 1) + f);
      b.heartbeat(9_000 + b.index);
    }
    blocks[1].reset();
    for (let f = 0; f < C_LATENCY; f++) {
      expect(blocks[1].load(f), `block 1 field ${f}`).toBe(f === C_COMP_LIMIT ? COMPLETION_SHARE_MIN : 0);
      expect(blocks[0].load(f), `block 0 field ${f}`).toBe(100 + f);
      expect(blocks[2].load(f), `block 2 field ${f}`).toBe(300 + f);
    }
    expect(blocks[1].lastHeartbeatMs()).toBe(0);
    expect(blocks[0].lastHeartbeatMs()).toBe(9_000);
    expect(blocks[2].lastHeartbeatMs()).toBe(9_002);
    expect(q.words[H_RING_WAITING]).toBe(5);
    expect(q.words[q.slotWord(15, 0)]).toBe(123);
    expect(q.times[q.slotTime(15, 0)]).toBe(456);
  });

  it('a reset block starts with an empty completion ring and a quiet doorbell', () => {
    const { blocks } = setup();
    const b = blocks[0];
    b.publishCompletion(3);
    b.publishCompletion(4);
    b.ring();
    b.reset();
    expect(b.completionRoom()).toBe(COMPLETION_SHARE_MIN);
    expect(drain(b)).toEqual([]);
    expect(b.load(C_DOORBELL)).toBe(0);
    b.publishCompletion(8);
    expect(drain(b)).toEqual([8]);
  });

  it('block words do not overlap the rings or the slots', () => {
    const { q, blocks } = setup();
    const last = q.slotWord(15, 9);
    for (const b of blocks) expect(b.doorbellIndex()).toBeGreaterThan(last);
    expect(blocks[BLOCKS - 1].doorbellIndex() - C_DOORBELL + BLOCK_WORDS).toBeLessThanOrEqual(q.words.length);
  });
});
