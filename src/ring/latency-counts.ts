/**
 * An agent's latency counts in shared memory. The agent counts its own
 * tasks' assignment latency and run time, in the HDR bucket layout the
 * coordinator's histograms use, into a table in its control block; the
 * coordinator takes the counts when metrics are read. The main thread then
 * records only what only it sees (end-to-end time).
 *
 * A table has TYPE_SLOTS task types (the first the agent runs; tagged with
 * the type code + 1 by the agent, once per incarnation), each with, per kind:
 * a dirty word (bit c: chunk c of 1,024 counts was added to), a maximum word
 * (the largest value since the last drain, + 1) and COUNTED_INDICES counts
 * (values under about 2.1 s).
 *
 * Only the agent adds to counts and sets dirty bits; the coordinator only
 * exchanges them for 0. The agent adds the count before it sets the dirty
 * bit, and the coordinator takes the dirty word before it reads the counts
 * (seq-cst), so a count is taken by the drain that sees its bit or by the next
 * one: never twice, never lost. A value the table does not hold (a fifth type,
 * a longer value) is not counted here: the agent says so in the slot's flags
 * and the coordinator records it itself. Chunks never touched stay untouched
 * pages of memory.
 */

export const LatencyKind = Object.freeze({ ASSIGNMENT: 0, RUN: 1 });
export const TYPE_SLOTS = 2;
/** Bucket indices an agent counts: below 12 * 1,024, values under 2,097,152 us. */
export const COUNTED_INDICES = 12 * 1_024;
const CHUNK_SHIFT = 10;
const KINDS = 2;
/** Per type and kind: dirty word, maximum word, counts. */
const SERIES_WORDS = 2 + COUNTED_INDICES;
export const LATENCY_WORDS = TYPE_SLOTS + TYPE_SLOTS * KINDS * SERIES_WORDS;

function seriesBase(base: number, typeSlot: number, kind: number): number {
  return base + TYPE_SLOTS + (typeSlot * KINDS + kind) * SERIES_WORDS;
}

/**
 * Agent side: counts one value of `us` (bucket `index`) for a type and kind.
 * False when it was not counted (the table has no room for the type, or the
 * value is past the counted range).
 */
export function countLatency(words: Int32Array, base: number, typeCode: number, kind: number, index: number, us: number): boolean {
  if (index >= COUNTED_INDICES) return false;
  let typeSlot = 0;
  for (; typeSlot < TYPE_SLOTS; typeSlot++) {
    const tag = Atomics.load(words, base + typeSlot);
    if (tag === typeCode + 1) break;
    if (tag === 0) {
      // Only this agent writes its tags, so an empty one is ours to take.
      Atomics.store(words, base + typeSlot, typeCode + 1);
      break;
    }
  }
  if (typeSlot === TYPE_SLOTS) return false;
  const series = seriesBase(base, typeSlot, kind);
  if (us + 1 > Atomics.load(words, series + 1)) Atomics.store(words, series + 1, us + 1);
  Atomics.add(words, series + 2 + index, 1);
  // After the count: a drain that takes this bit finds the count.
  Atomics.or(words, series, 1 << (index >>> CHUNK_SHIFT));
  return true;
}

/** A drained count: `count` values of a type and kind at bucket `index`. */
export type LatencyVisit = (typeCode: number, kind: number, index: number, count: number) => void;

/**
 * Takes a series' dirty word (so later counts set their bits again) and calls
 * `chunk(from, to)` with the range of count indices of each chunk it names.
 */
function takeDirtyChunks(words: Int32Array, series: number, chunk: (from: number, to: number) => void): void {
  let dirty = Atomics.exchange(words, series, 0);
  while (dirty !== 0) {
    const c = 31 - Math.clz32(dirty);
    dirty &= ~(1 << c);
    // A broken agent may set bits past the counted range: those name no counts.
    const from = Math.min(COUNTED_INDICES, c << CHUNK_SHIFT);
    chunk(from, Math.min(COUNTED_INDICES, from + (1 << CHUNK_SHIFT)));
  }
}

/**
 * Coordinator side: takes every count (visit per bucket), then each type and
 * kind's maximum since the last drain (`onMax(typeCode, kind, us)`). A
 * maximum read after the counts is at least every value just taken and at
 * most one counted a moment later (callers clamp it to the buckets they hold).
 * Counts an agent cannot have written (not positive) are dropped.
 */
export function drainLatencies(words: Int32Array, base: number, visit: LatencyVisit, onMax: (typeCode: number, kind: number, us: number) => void): void {
  for (let typeSlot = 0; typeSlot < TYPE_SLOTS; typeSlot++) {
    const tag = Atomics.load(words, base + typeSlot);
    if (tag <= 0) continue;
    for (let kind = 0; kind < KINDS; kind++) {
      const series = seriesBase(base, typeSlot, kind);
      takeDirtyChunks(words, series, (from, to) => {
        for (let index = from; index < to; index++) {
          const at = series + 2 + index;
          if (Atomics.load(words, at) === 0) continue;
          const count = Atomics.exchange(words, at, 0);
          if (count > 0) visit(tag - 1, kind, index, count);
        }
      });
      const max = Atomics.exchange(words, series + 1, 0);
      if (max > 0) onMax(tag - 1, kind, max - 1);
    }
  }
}

/**
 * Empties a table for a new incarnation: tags, dirty and maximum words, and
 * the counts of dirty chunks (a drained table has none). Untouched chunks
 * stay untouched.
 */
export function clearLatencies(words: Int32Array, base: number): void {
  for (let typeSlot = 0; typeSlot < TYPE_SLOTS; typeSlot++) {
    Atomics.store(words, base + typeSlot, 0);
    for (let kind = 0; kind < KINDS; kind++) {
      const series = seriesBase(base, typeSlot, kind);
      // No agent runs on the block now: a plain fill is enough.
      takeDirtyChunks(words, series, (from, to) => words.fill(0, series + 2 + from, series + 2 + to));
      Atomics.store(words, series + 1, 0);
    }
  }
}
