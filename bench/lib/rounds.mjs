// The round driver every case uses: for each round, each contender (library, or a variant of
// ours) in turn, rotating the order every round so no library always runs first or last; a
// fresh pool for every (round, contender); every phase under the bench's deadline.
import { PhaseTimeout, bounded, describeError } from './guard.mjs';
import { spread } from './stats.mjs';

/** One (round, contender) run: opens pools on demand, closes them after, destroys them on failure. */
export class Session {
  #ctx;
  #what;
  #handles = [];
  phase = 'start';

  constructor(ctx, contender, what) {
    this.#ctx = ctx;
    this.contender = contender;
    this.#what = what;
  }

  /** Runs `promise` as the named phase, failing with PhaseTimeout past the bench's deadline. */
  guard(promise, phase, ms = this.#ctx.phaseTimeoutMs) {
    this.phase = phase;
    return bounded(promise, `${this.#what}: ${phase}`, ms);
  }

  /** A fresh pool of this contender's library, ready for work (`tuning` adds to the contender's). */
  async open({ tuning, ...options }) {
    this.phase = 'create';
    const handle = this.contender.adapter.create({ ...options, tuning: { ...this.contender.tuning, ...tuning } });
    this.#handles.push(handle);
    await this.guard(handle.ready(), 'ready');
    return handle;
  }

  /** Closes one pool now (so the next one in the same run starts on a quiet machine). */
  async close(handle) {
    await this.guard(handle.close(), 'close', this.#ctx.closeTimeoutMs);
    this.#handles = this.#handles.filter((h) => h !== handle);
  }

  async closeAll() {
    for (const handle of [...this.#handles]) await this.close(handle);
  }

  /** After a failure: destroy what is left; a pool that will not even die is abandoned and counted. */
  async destroyAll() {
    for (const handle of this.#handles) {
      try {
        await bounded(Promise.resolve().then(() => handle.destroy()), `${this.#what}: destroy after failure`, this.#ctx.closeTimeoutMs);
      } catch {
        this.#ctx.abandonedPools.push(this.#what);
      }
    }
    this.#handles = [];
  }
}

function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** How many rounds a case runs: the bench's count, capped by the case's own `rounds`. */
export function caseRounds(ctx, spec) {
  return Math.min(ctx.rounds, spec.rounds ?? Infinity);
}

/**
 * Runs one case. `spec`:
 *   suite, name, description, params     where it belongs and what it measures (into the JSON)
 *   contenders: [{ label, adapter, tuning }] (adapter may be absent for a pseudo-row, e.g. serial)
 *   unit(session, round) -> raw figures of one run (plain object)
 *   figures: [{ key, label, unit, better: 'higher' | 'lower' | 'none', pick(raw) -> number, digits, only?, table? }]
 *            (`only`: the contenders the figure exists for, e.g. a daedalus event; `table: false`:
 *            in the JSON, not the printed table)
 *   rounds           optional: at most this many rounds, whatever ctx.rounds says (a trend, not a spread)
 *   stopAfterTimeout  optional: after a contender times out, skip its later rounds of this case
 *   finish(rounds)   optional: derives figures that need the whole round (e.g. against a serial row)
 *   notes: [string]
 * Returns the case record: figures with median (min-max) per contender, the raw rounds, failures.
 */
export async function runCase(ctx, spec) {
  const rounds = [];
  const failures = [];
  for (let round = 1; round <= caseRounds(ctx, spec); round++) {
    for (const contender of rotate(spec.contenders, round - 1)) {
      const what = `${spec.suite}/${spec.name} ${contender.label} round ${round}`;
      if (spec.stopAfterTimeout && failures.some((f) => f.library === contender.label && f.timedOut)) {
        // It lost a task once (e.g. never settles a crashed task); more rounds would only repeat the wait.
        failures.push({ library: contender.label, round, phase: 'skipped', timedOut: false, error: { message: 'not run: timed out in an earlier round' } });
        ctx.tick(what);
        continue;
      }
      const session = new Session(ctx, contender, what);
      const fail = (err) => failures.push({ library: contender.label, round, phase: session.phase, timedOut: err instanceof PhaseTimeout, error: describeError(err) });
      let raw;
      try {
        raw = await spec.unit(session, round);
        await session.closeAll();
      } catch (err) {
        // A pool that measured fine but will not close keeps its figures; the failure is listed.
        fail(err);
        await session.destroyAll();
      }
      if (raw !== undefined) rounds.push({ library: contender.label, round, ...raw });
      ctx.tick(what);
    }
  }
  spec.finish?.(rounds);
  const figures = spec.figures.map(({ pick, ...figure }) => {
    const byLibrary = {};
    for (const { label } of spec.contenders) {
      const values = rounds.filter((r) => r.library === label).map((r) => pick(r));
      const s = spread(values);
      if (s !== undefined) byLibrary[label] = s;
    }
    return { ...figure, byLibrary };
  });
  return {
    suite: spec.suite,
    name: spec.name,
    description: spec.description,
    params: spec.params,
    libraries: spec.contenders.map((c) => c.label),
    notes: spec.notes ?? [],
    figures,
    failures,
    rounds,
  };
}

/** A figure of a case: what the report prints and the targets read, and which way is better. */
export function figure(key, label, unit, better, pick, digits) {
  return { key, label, unit, better, pick, digits };
}

/** The contenders of a case: ours first (plus variants), then every peer that loaded. */
export function contenders(ctx, { variants = [], peers = true } = {}) {
  const ours = ctx.adapters.get('daedalus');
  const list = [{ label: 'daedalus', adapter: ours, tuning: {} }];
  for (const v of variants) list.push({ adapter: ours, ...v });
  if (peers) for (const [name, adapter] of ctx.adapters) if (name !== 'daedalus') list.push({ label: name, adapter, tuning: {} });
  return list;
}
