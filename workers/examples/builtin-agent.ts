/**
 * The built-in example agent: what `daedalus gate` runs without --agent, and a
 * template for a user's own agent module. Each handler does a little real CPU
 * work (tens to hundreds of microseconds), so a gate run measures the pool
 * hand-off plus a believable task, not an empty loop. Payload fields are
 * optional and clamped, so any workload file can drive this agent safely.
 */
import { defineAgent } from '../agent.js';

function clampInt(value: unknown, fallback: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

function field(payload: unknown, name: string): unknown {
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined;
}

/** 32-bit FNV-1a over a string's UTF-16 code units. */
function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Primes below `limit` by trial division: deliberately plain CPU work. */
function countPrimes(limit: number): number {
  let found = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) found++;
  }
  return found;
}

export default defineAgent({
  handlers: {
    /** Echo: { message } back with the agent that answered. */
    general: (payload: unknown, ctx) => ({ echo: payload, agentId: ctx.agentId }),

    /** Heartbeat: a trivial liveness answer. */
    heartbeat: (_payload: unknown, ctx) => ({ ok: true, agentId: ctx.agentId, generation: ctx.generation }),

    /** Ingest { records = 20 }: build that many small records and checksum them. */
    ingest: (payload: unknown) => {
      const records = clampInt(field(payload, 'records'), 20, 0, 100_000);
      let checksum = 0x811c9dc5;
      for (let i = 0; i < records; i++) {
        checksum = fnv1a(JSON.stringify({ id: i, name: `record-${i}`, tags: ['a', 'b', String(i % 7)] }), checksum);
      }
      return { records, checksum };
    },

    /** Research { limit = 2000 }: count the primes below limit. */
    research: (payload: unknown) => {
      const limit = clampInt(field(payload, 'limit'), 2_000, 2, 10_000_000);
      return { limit, primes: countPrimes(limit) };
    },

    /** Migration { rows = 200 }: sort a deterministic batch of rows and return its range. */
    migration: (payload: unknown) => {
      const rows = clampInt(field(payload, 'rows'), 200, 0, 1_000_000);
      const batch = Array.from({ length: rows }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 0) % 100_000);
      batch.sort((a, b) => a - b);
      return { rows, first: batch[0] ?? null, last: batch[batch.length - 1] ?? null };
    },
  },
});
