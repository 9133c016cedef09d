// The shared-memory priority queue, without threads. The test
// plays the coordinator (push, reclaim) and several agents (claimNext with
// owner = -(block + 2)) against a plain-array model of what the queue must do.
import { describe, expect, it } from 'vitest';
import {
  LEVELS,
  SF_ENQUEUED_AT,
  S_CLAIM,
  S_PRIORITY,
  S_STATE,
  SlotState,
  allocateRegion,
} from '../../dist/src/ring/layout.js';
import { SharedQueue } from '../../dist/src/ring/shared-queue.js';
import { makeRng, seedsFrom } from './prng.mjs';

const HUGE_AGING_MS = 1e15;
const BLOCKS = 4;
const ownerOf = (block) => -(block + 2);

function makeQueue(slots) {
  return new SharedQueue(allocateRegion({ slots, blocks: BLOCKS, inlineBytes: 64 }));
}

function headWord(q, level) {
  return q.layout.ringBase + level * q.layout.ringWords;
}

/** Moves every (empty) ring's free-running head and tail to `position`. */
function setPositions(q, position) {
  for (let level = 0; level < LEVELS; level++) {
    q.words[headWord(q, level)] = position;
    q.words[headWord(q, level) + 1] = position;
  }
}

/** What the coordinator does: write the slot's fields, then push. */
function enqueue(q, level, slot, enqueuedAtMs) {
  q.times[q.slotTime(slot, SF_ENQUEUED_AT)] = enqueuedAtMs;
  q.words[q.slotWord(slot, S_PRIORITY)] = level + 1;
  q.push(level, slot);
}

function claimAll(q, nowMs = 0, agingIntervalMs = HUGE_AGING_MS) {
  const out = [];
  for (let i = 0; i < 1000; i++) {
    const slot = q.claimNext(ownerOf(i % BLOCKS), nowMs, agingIntervalMs);
    if (slot === -1) return out;
    out.push(slot);
  }
  throw new Error('claimNext never returned -1');
}

/** Cheap equality check that only builds an expect() (and its message) on failure. */
function same(actual, expected, message) {
  if (!Object.is(actual, expected)) expect(actual, message).toBe(expected);
}

// ---------------------------------------------------------------------------
// Property test

const PHASES = {
  balanced: { push: 4, claim: 3.5, reclaimQueued: 1, reclaimOwned: 0.5, reclaimFree: 0.3, release: 1 },
  churn: { push: 5, reclaimQueued: 4, reclaimOwned: 0.3, reclaimFree: 0.3, release: 1 }, // no claims: stale entries pile up
  drain: { claim: 7, release: 3, reclaimOwned: 0.5 },
  fill: { push: 8, claim: 1, release: 1 },
};
const PHASE_NAMES = Object.keys(PHASES);

function pickWeighted(rng, weights) {
  const entries = Object.entries(weights);
  let r = rng.next() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [name, w] of entries) {
    r -= w;
    if (r < 0) return name;
  }
  return entries[entries.length - 1][0];
}

/**
 * Runs `ops` random operations and checks every claim against the model.
 * levelFor(rng, slot) chooses the priority ring a slot is pushed to.
 */
function runScenario({ seed, slots, ops, startPosition = 0, wrapAt, agingIntervalMs, levelFor }) {
  const rng = makeRng(seed);
  const q = makeQueue(slots);
  if (startPosition !== 0) setPositions(q, startPosition);
  const ringEntries = q.layout.ringEntries;
  const aging = agingIntervalMs !== HUGE_AGING_MS;

  // Model: per level, the live entries in FIFO order.
  const levels = Array.from({ length: LEVELS }, () => []);
  const slotState = new Array(slots).fill('fresh'); // fresh | free | queued | owned
  const slotOwner = new Array(slots).fill(0);
  const fate = []; // task id -> queued | claimed | reclaimed
  let waiting = 0;
  let clockMs = 1_000;
  const stats = { pushes: 0, claims: 0, emptyClaims: 0, reclaims: 0, compactions: 0, agedClaims: 0, wrapCrossings: 0, maxPushesPerLevel: 0 };
  const pushesPerLevel = new Array(LEVELS).fill(0);

  const oracle = (nowMs) => {
    const firstLevel = levels.findIndex((l) => l.length > 0);
    if (firstLevel === -1) return undefined;
    if (!aging) return { level: firstLevel, entry: levels[firstLevel][0], aged: false };
    // Each agingIntervalMs of waiting lifts a ring head one step; ties go to the older task, then the higher level.
    let best;
    for (let level = 0; level < LEVELS; level++) {
      const entry = levels[level][0];
      if (entry === undefined) continue;
      const eff = level + 1 - Math.floor(Math.max(0, nowMs - entry.enqueuedAtMs) / agingIntervalMs);
      if (best === undefined || eff < best.eff || (eff === best.eff && entry.enqueuedAtMs < best.entry.enqueuedAtMs)) {
        best = { eff, level, entry };
      }
    }
    return { level: best.level, entry: best.entry, aged: best.level !== firstLevel };
  };

  const slotsIn = (state) => {
    const out = [];
    for (let s = 0; s < slots; s++) if (slotState[s] === state) out.push(s);
    return out;
  };

  const claimOnce = (where) => {
    const owner = ownerOf(rng.int(BLOCKS));
    const expected = oracle(clockMs);
    const got = q.claimNext(owner, clockMs, agingIntervalMs);
    if (expected === undefined) {
      same(got, -1, `${where}: claimNext on an empty model must return -1`);
      stats.emptyClaims++;
      return;
    }
    same(
      got,
      expected.entry.slot,
      `${where}: claimNext returned slot ${got}, model expected slot ${expected.entry.slot} (task ${expected.entry.task}, level ${expected.level}); ` +
        `model heads: ${JSON.stringify(levels.map((l) => l.slice(0, 3).map((e) => e.slot)))}`,
    );
    levels[expected.level].shift();
    same(fate[expected.entry.task], 'queued', `${where}: task ${expected.entry.task} claimed twice`);
    fate[expected.entry.task] = 'claimed';
    slotState[got] = 'owned';
    slotOwner[got] = owner;
    waiting--;
    stats.claims++;
    if (expected.aged) stats.agedClaims++;
    same(q.words[q.slotWord(got, S_CLAIM)], owner, `${where}: CLAIM word of a claimed slot must name its owner`);
  };

  let phase = 'balanced';
  for (let step = 0; step < ops; step++) {
    if (step % 250 === 0) phase = rng.pick(PHASE_NAMES);
    clockMs += rng.int(4);
    const free = [...slotsIn('free'), ...slotsIn('fresh')];
    const queued = levels.flat();
    const owned = slotsIn('owned');
    const usedFree = slotsIn('free');
    const possible = {
      push: free.length > 0,
      claim: true,
      reclaimQueued: queued.length > 0,
      reclaimOwned: owned.length > 0,
      reclaimFree: usedFree.length > 0,
      release: owned.length > 0,
    };
    // Only the ops this phase allows and the state permits; a phase without claims never falls back to one,
    // so stale entries pile up until a push finds the ring full.
    const weights = Object.fromEntries(Object.entries(PHASES[phase]).filter(([name]) => possible[name]));
    const op = Object.keys(weights).length > 0 ? pickWeighted(rng, weights) : 'claim';
    const where = `seed=${seed} step=${step} phase=${phase} op=${op}`;

    if (wrapAt !== undefined && rng.chance(0.05)) {
      // An empty ring's positions are arbitrary: move them just short of the wrap point again, so one run crosses it many times.
      const level = rng.int(LEVELS);
      if (q.ringSpan(level) === 0) {
        const position = (wrapAt - 1 - rng.int(2 * ringEntries)) | 0;
        q.words[headWord(q, level)] = position;
        q.words[headWord(q, level) + 1] = position;
      }
    }

    switch (op) {
      case 'push': {
        const slot = rng.pick(free);
        const level = levelFor(rng, slot);
        if (q.ringSpan(level) >= ringEntries) stats.compactions++;
        if (wrapAt !== undefined && q.words[headWord(q, level) + 1] === ((wrapAt - 1) | 0)) stats.wrapCrossings++;
        const task = fate.length;
        fate.push('queued');
        enqueue(q, level, slot, clockMs);
        levels[level].push({ slot, task, enqueuedAtMs: clockMs });
        slotState[slot] = 'queued';
        waiting++;
        stats.pushes++;
        pushesPerLevel[level]++;
        same(q.words[q.slotWord(slot, S_STATE)], SlotState.QUEUED, `${where}: push must mark the slot QUEUED`);
        if (q.words[q.slotWord(slot, S_CLAIM)] < 0) expect.fail(`${where}: a queued slot's CLAIM word must be a non-negative ticket`);
        break;
      }
      case 'claim':
        claimOnce(where);
        break;
      case 'reclaimQueued': {
        const entry = rng.pick(queued);
        same(q.reclaim(entry.slot), true, `${where}: reclaim of queued slot ${entry.slot} must succeed`);
        for (const l of levels) {
          const i = l.indexOf(entry);
          if (i !== -1) l.splice(i, 1);
        }
        fate[entry.task] = 'reclaimed';
        slotState[entry.slot] = 'free';
        waiting--;
        stats.reclaims++;
        break;
      }
      case 'reclaimOwned': {
        const slot = rng.pick(owned);
        same(q.reclaim(slot), false, `${where}: reclaim of claimed slot ${slot} must return false`);
        same(q.words[q.slotWord(slot, S_CLAIM)], slotOwner[slot], `${where}: a failed reclaim must leave the owner in place`);
        break;
      }
      case 'reclaimFree': {
        // Already reclaimed or claimed-and-released: nothing to take back.
        const slot = rng.pick(usedFree);
        same(q.reclaim(slot), false, `${where}: reclaim of slot ${slot}, no longer queued, must return false`);
        break;
      }
      case 'release': {
        slotState[rng.pick(owned)] = 'free';
        break;
      }
    }

    same(q.waitingCount(), waiting, `${where}: waitingCount() must equal the model's count`);
    for (let level = 0; level < LEVELS; level++) {
      const span = q.ringSpan(level);
      if (span < levels[level].length || span > ringEntries) {
        expect.fail(`${where}: ring ${level} spans ${span} entries, model has ${levels[level].length} live, capacity ${ringEntries}`);
      }
    }
  }

  // Drain what is left: nothing lost, order still right, then the queue is empty.
  while (waiting > 0) claimOnce(`seed=${seed} final drain`);
  claimOnce(`seed=${seed} after drain`);
  same(q.waitingCount(), 0, `seed=${seed}: waitingCount() after the drain`);
  for (let task = 0; task < fate.length; task++) {
    if (fate[task] !== 'claimed' && fate[task] !== 'reclaimed') expect.fail(`seed=${seed}: task ${task} ended as ${fate[task]}`);
  }
  stats.maxPushesPerLevel = Math.max(...pushesPerLevel);
  stats.ringEntries = ringEntries;
  return stats;
}

/** Each slot always goes to one of three levels chosen by the seed. */
function pinnedLevels(seed, slots) {
  const levels = makeRng(seed ^ 0x5eed).shuffle([...Array(LEVELS).keys()]).slice(0, 3);
  const bySlot = Array.from({ length: slots }, (_, s) => levels[s % levels.length]);
  return (_rng, slot) => bySlot[slot];
}

const SEEDS = seedsFrom('RING_SEEDS', [1, 2, 3, 0xc0ffee, 20240611, 987654321]);
const OPS = 20_000;
const SLOTS = 9; // 18 ring entries: small enough for thousands of wrap-arounds

describe('SharedQueue property test: seeded push/pop over many wrap-arounds', () => {
  for (const seed of SEEDS) {
    it(`strict priority, FIFO per level, no loss, reclaim and compaction (seed ${seed})`, () => {
      const stats = runScenario({ seed, slots: SLOTS, ops: OPS, agingIntervalMs: HUGE_AGING_MS, levelFor: pinnedLevels(seed, SLOTS) });
      // The run must actually have exercised what it claims to test.
      expect(stats.maxPushesPerLevel / stats.ringEntries, `seed=${seed}: ring wrap-arounds`).toBeGreaterThan(20);
      expect(stats.compactions, `seed=${seed}: pushes into a ring full of stale entries`).toBeGreaterThan(0);
      expect(stats.reclaims, `seed=${seed}: reclaims`).toBeGreaterThan(100);
      expect(stats.emptyClaims, `seed=${seed}: claims on an empty queue`).toBeGreaterThan(0);
    });

    it(`aging lifts old low-priority tasks (seed ${seed})`, () => {
      const stats = runScenario({ seed, slots: SLOTS, ops: OPS, agingIntervalMs: 25, levelFor: pinnedLevels(seed, SLOTS) });
      expect(stats.agedClaims, `seed=${seed}: claims where aging beat the highest non-empty level`).toBeGreaterThan(0);
      expect(stats.compactions, `seed=${seed}: compactions`).toBeGreaterThan(0);
    });

    it(`int32 wrap of head/tail at 2**31, many times (seed ${seed})`, () => {
      const stats = runScenario({
        seed, slots: SLOTS, ops: OPS, startPosition: 2 ** 31 - 50, wrapAt: 2 ** 31, agingIntervalMs: HUGE_AGING_MS, levelFor: pinnedLevels(seed, SLOTS),
      });
      expect(stats.wrapCrossings, `seed=${seed}: pushes across 2**31`).toBeGreaterThan(10);
    });

    it(`uint32 wrap of head/tail at 2**32, many times, ring size not a power of two (seed ${seed})`, () => {
      // 18 ring entries and 2**32 % 18 === 4: positions 2**32 - 1 and 0 are not neighbours modulo the ring size.
      const stats = runScenario({
        seed, slots: SLOTS, ops: OPS, startPosition: -50, wrapAt: 0, agingIntervalMs: HUGE_AGING_MS, levelFor: pinnedLevels(seed, SLOTS),
      });
      expect(stats.wrapCrossings, `seed=${seed}: pushes across 2**32`).toBeGreaterThan(10);
    });

    it(`slots reused at any priority level (seed ${seed})`, () => {
      const stats = runScenario({ seed, slots: SLOTS, ops: OPS, agingIntervalMs: HUGE_AGING_MS, levelFor: (rng) => rng.int(LEVELS) });
      expect(stats.reclaims, `seed=${seed}: reclaims`).toBeGreaterThan(100);
    });
  }
});

// ---------------------------------------------------------------------------
// Targeted cases (deterministic)

describe('SharedQueue basics', () => {
  it('an empty queue claims nothing and counts nothing', () => {
    const q = makeQueue(4);
    expect(q.claimNext(ownerOf(0), 0, HUGE_AGING_MS)).toBe(-1);
    expect(q.waitingCount()).toBe(0);
    for (let level = 0; level < LEVELS; level++) expect(q.ringSpan(level)).toBe(0);
  });

  it('push marks the slot queued with a ticket; a claim writes the owner into CLAIM', () => {
    const q = makeQueue(4);
    enqueue(q, 4, 2, 10);
    expect(q.words[q.slotWord(2, S_STATE)]).toBe(SlotState.QUEUED);
    expect(q.words[q.slotWord(2, S_CLAIM)]).toBeGreaterThanOrEqual(0);
    expect(q.waitingCount()).toBe(1);
    expect(q.claimNext(ownerOf(3), 10, HUGE_AGING_MS)).toBe(2);
    expect(q.words[q.slotWord(2, S_CLAIM)]).toBe(ownerOf(3));
    expect(q.waitingCount()).toBe(0);
    expect(q.claimNext(ownerOf(0), 10, HUGE_AGING_MS)).toBe(-1);
  });

  it('FIFO within a level, higher priority (lower level) first across levels', () => {
    const q = makeQueue(8);
    enqueue(q, 9, 0, 1);
    enqueue(q, 4, 1, 2);
    enqueue(q, 9, 2, 3);
    enqueue(q, 0, 3, 4);
    enqueue(q, 4, 4, 5);
    enqueue(q, 0, 5, 6);
    expect(claimAll(q, 6)).toEqual([3, 5, 1, 4, 0, 2]);
  });

  it('different owners share one queue; each slot goes to exactly one of them', () => {
    const q = makeQueue(6);
    for (let s = 0; s < 6; s++) enqueue(q, 2, s, s);
    const got = [];
    for (let i = 0; i < 6; i++) {
      const owner = ownerOf(i % 3);
      const slot = q.claimNext(owner, 10, HUGE_AGING_MS);
      expect(q.words[q.slotWord(slot, S_CLAIM)]).toBe(owner);
      got.push(slot);
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    expect(q.claimNext(ownerOf(0), 10, HUGE_AGING_MS)).toBe(-1);
  });
});

describe('SharedQueue aging', () => {
  it('an old low-priority task runs before newer high-priority ones once it has waited long enough', () => {
    const q = makeQueue(4);
    enqueue(q, 9, 0, 0); // priority 10 at t=0
    enqueue(q, 0, 1, 1_000); // priority 1 at t=1000
    enqueue(q, 0, 2, 1_001);
    // At t=1000 with a 100 ms interval the old task is at 10 - 10 = 0, better than 1.
    expect(q.claimNext(ownerOf(0), 1_000, 100)).toBe(0);
    expect(claimAll(q, 1_000, 100)).toEqual([1, 2]);
  });

  it('has not waited long enough: priority still wins', () => {
    const q = makeQueue(4);
    enqueue(q, 9, 0, 0);
    enqueue(q, 0, 1, 1_000);
    // At t=1000 with 200 ms: 10 - 5 = 5, still worse than 1.
    expect(claimAll(q, 1_000, 200)).toEqual([1, 0]);
  });

  it('equal effective priority: the older task first', () => {
    const q = makeQueue(4);
    enqueue(q, 0, 1, 900); // priority 1, waited 100 ms -> 1 - 1 = 0
    enqueue(q, 1, 0, 800); // priority 2, waited 200 ms -> 2 - 2 = 0, older
    expect(q.claimNext(ownerOf(0), 1_000, 100)).toBe(0);
  });

  it('a huge interval disables aging', () => {
    const q = makeQueue(4);
    enqueue(q, 9, 0, 0);
    enqueue(q, 0, 1, 1e9);
    expect(claimAll(q, 1e9, HUGE_AGING_MS)).toEqual([1, 0]);
  });
});

describe('SharedQueue reclaim', () => {
  it('a reclaimed queued slot is never claimed; waitingCount drops; a second reclaim fails', () => {
    const q = makeQueue(4);
    enqueue(q, 3, 0, 1);
    enqueue(q, 3, 1, 2);
    enqueue(q, 3, 2, 3);
    expect(q.reclaim(1)).toBe(true);
    expect(q.waitingCount()).toBe(2);
    expect(q.reclaim(1)).toBe(false);
    expect(q.waitingCount()).toBe(2);
    expect(claimAll(q)).toEqual([0, 2]);
    expect(q.waitingCount()).toBe(0);
  });

  it('reclaiming the head entry: the stale entry is skipped and the next live one claimed', () => {
    const q = makeQueue(4);
    enqueue(q, 0, 0, 1);
    enqueue(q, 5, 1, 2);
    expect(q.reclaim(0)).toBe(true);
    expect(claimAll(q)).toEqual([1]);
    expect(q.ringSpan(0)).toBe(0); // the head moved past the stale entry
  });

  it('a claimed slot cannot be reclaimed and keeps its owner', () => {
    const q = makeQueue(4);
    enqueue(q, 2, 3, 1);
    expect(q.claimNext(ownerOf(1), 1, HUGE_AGING_MS)).toBe(3);
    expect(q.reclaim(3)).toBe(false);
    expect(q.words[q.slotWord(3, S_CLAIM)]).toBe(ownerOf(1));
    expect(q.waitingCount()).toBe(0);
  });

  it('a slot reclaimed and pushed again at the same level runs once, at its new place', () => {
    const q = makeQueue(4);
    enqueue(q, 1, 0, 1);
    enqueue(q, 1, 1, 2);
    expect(q.reclaim(0)).toBe(true);
    enqueue(q, 1, 0, 3);
    expect(claimAll(q)).toEqual([1, 0]);
  });

  it('a slot reclaimed at one level and reused at another is not claimed through its stale entry', () => {
    const q = makeQueue(4);
    enqueue(q, 0, 2, 1); // level 0, position 0
    enqueue(q, 0, 0, 2); // level 0, position 1
    expect(q.reclaim(0)).toBe(true); // stale entry for slot 0 at level 0, position 1
    enqueue(q, 1, 1, 3); // level 1, position 0
    enqueue(q, 1, 0, 4); // slot 0 reused: level 1, position 1
    // Level 0 holds slot 2; level 1 holds slot 1 then slot 0 (FIFO).
    expect(claimAll(q)).toEqual([2, 1, 0]);
  });
});

describe('SharedQueue compaction', () => {
  it('a ring full of stale entries still accepts a push and keeps the live order', () => {
    const q = makeQueue(4); // 8 ring entries
    const E = q.layout.ringEntries;
    enqueue(q, 6, 0, 1); // live
    enqueue(q, 6, 1, 2);
    expect(q.reclaim(1)).toBe(true);
    enqueue(q, 6, 2, 3); // live
    // Fill the rest of the ring with stale entries of slot 3.
    while (q.ringSpan(6) < E) {
      enqueue(q, 6, 3, 4);
      expect(q.reclaim(3)).toBe(true);
    }
    expect(q.ringSpan(6)).toBe(E);
    expect(q.waitingCount()).toBe(2);
    enqueue(q, 6, 1, 5); // compacts first
    expect(q.ringSpan(6)).toBe(3);
    expect(q.waitingCount()).toBe(3);
    expect(q.times[q.slotTime(0, SF_ENQUEUED_AT)]).toBe(1); // the aging clock survives the rebuild
    expect(claimAll(q)).toEqual([0, 2, 1]);
  });

  it('a ring whose entries are all stale compacts to just the new push', () => {
    const q = makeQueue(3);
    const E = q.layout.ringEntries;
    for (let i = 0; i < E; i++) {
      enqueue(q, 0, i % 3, i);
      expect(q.reclaim(i % 3)).toBe(true);
    }
    expect(q.ringSpan(0)).toBe(E);
    enqueue(q, 0, 2, 100);
    expect(q.ringSpan(0)).toBe(1);
    expect(claimAll(q)).toEqual([2]);
    expect(q.waitingCount()).toBe(0);
  });
});

describe('SharedQueue position wrap-around', () => {
  function wrapRun(startPosition, slots) {
    const q = makeQueue(slots);
    setPositions(q, startPosition);
    // Keep every slot queued (the ring as full of live entries as it gets) for 3 * ringEntries claims.
    let next = 0;
    const inRing = [];
    for (let i = 0; i < 3 * q.layout.ringEntries; i++) {
      while (inRing.length < slots) {
        const slot = [...Array(slots).keys()].find((s) => !inRing.includes(s));
        enqueue(q, 7, slot, next++);
        inRing.push(slot);
      }
      const slot = q.claimNext(ownerOf(0), 0, HUGE_AGING_MS);
      expect(slot, `start ${startPosition}, claim ${i}`).toBe(inRing[0]);
      inRing.shift();
    }
    expect(claimAll(q)).toEqual(inRing);
    expect(q.waitingCount()).toBe(0);
    return q;
  }

  it('crosses 2**31 (int32 overflow of the counters) in order', () => {
    const q = wrapRun(2 ** 31 - 5, 3);
    expect(q.words[headWord(q, 7)]).toBeLessThan(0); // really wrapped
  });

  it('crosses 2**32 (unsigned wrap) in order with a power-of-two ring', () => {
    const q = wrapRun(-5, 4); // 8 ring entries
    expect(q.words[headWord(q, 7)]).toBeGreaterThan(0);
  });

  it('crosses 2**32 (unsigned wrap) in order with a ring size that does not divide 2**32', () => {
    // 14 entries; 2**32 % 14 === 4, so positions 2**32 - 1 and 0 are not neighbours modulo 14.
    const q = wrapRun(-5, 7);
    expect(q.words[headWord(q, 7)]).toBeGreaterThan(0);
  });

  it('stale entries across the 2**32 wrap do not hide a live entry', () => {
    const q = makeQueue(3); // 6 ring entries
    setPositions(q, -3);
    enqueue(q, 0, 0, 1); // position -3, live
    for (let i = 0; i < 3; i++) {
      enqueue(q, 0, 1, 2); // positions -2, -1, 0: stale
      expect(q.reclaim(1)).toBe(true);
    }
    enqueue(q, 0, 1, 3); // position 1, live
    expect(claimAll(q)).toEqual([0, 1]);
    expect(q.waitingCount()).toBe(0);
  });
});
