// A small seeded PRNG for property tests: a mulberry32-style generator (32-bit
// state, one add and two multiply-xorshift rounds per draw). Same seed, same
// sequence, on every machine, so a failing run can be replayed from its seed.

/** Returns a generator of floats in [0, 1) for the given 32-bit seed. */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return function next() {
    state = (state + 0x6d2b79f5) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/** Convenience wrapper: the seed it was made from plus a few common draws. */
export function makeRng(seed) {
  const next = mulberry32(seed);
  return {
    seed,
    next,
    /** Integer in [0, n). */
    int(n) {
      return Math.floor(next() * n);
    },
    /** Integer in [lo, hi] inclusive. */
    range(lo, hi) {
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    chance(p) {
      return next() < p;
    },
    pick(items) {
      return items[Math.floor(next() * items.length)];
    },
    /** A shuffled copy (Fisher-Yates). */
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}

/**
 * Seeds for a property test: a fixed list so CI is deterministic, plus any given
 * in the environment variable `envName` (comma separated) to replay or explore.
 */
export function seedsFrom(envName, fixed) {
  const extra = (process.env[envName] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number.parseInt(s, 10) >>> 0);
  return [...fixed, ...extra];
}
