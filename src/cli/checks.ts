/**
 * The gate's verdict: thresholds in, pass/fail checks out (pure), plus reading
 * a previous report as the baseline. Every check reads the medians of the
 * measured runs. Against a baseline, a change counts as a regression only when
 * it is worse than --max-regression and than the noise both reports' runs
 * show (see regression.ts).
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';
import { assertSameFingerprint, type Fingerprint } from './fingerprint.js';
import { machineLoad, regressionLimit, type RegressionLimit } from './regression.js';
import type { Medians } from './runs.js';

export interface Baseline {
  path: string;
  createdAt: string | undefined;
  commit: string | undefined;
  median: Medians;
  /** Each measured run of the baseline: the spread the noise rule reads, and how busy the machine was. */
  runs: { throughputPerSec: number; p99AssignmentMs: number; neighbourCpuPct: number | null }[];
  /** How the baseline was measured: a warm median and a cold single run do not compare well, and the gate says so. */
  measurement: { repeat: number; warmup: boolean; warmupMinMs: number | null };
  agentSha256: string | undefined;
  /** Where the baseline ran: figures of another CPU or Node are not comparable, and the gate says so. */
  machine: { node: string | undefined; cpuModel: string | undefined };
}

export interface Thresholds {
  p99AssignmentMs: number;
  minThroughputPerSec: number | undefined;
  maxFailedTasks: number;
  baseline: Baseline | undefined;
  maxRegressionPct: number | undefined;
}

export interface Measured {
  medians: Medians;
  runs: { throughputPerSec: number; p99AssignmentMs: number; neighbourCpuPct: number | null }[];
  /** Failed plus rejected tasks, over every measured run. */
  failedTasks: number;
}

export interface Check {
  name: string;
  /** `<=` or `>=`: the measured value must be at most / at least the limit. */
  op: '<=' | '>=';
  limit: number;
  value: number;
  unit: 'ms' | 'tasks/s' | 'tasks';
  /** True for an inconclusive check too: it does not fail the gate. */
  pass: boolean;
  /** Baseline checks: the baseline's median, the change against it, and how the limit was set. */
  baseline?: { value: number; changePct: number; limit: RegressionLimit };
  /** Set when the check could not tell (a baseline check on a busy machine): why. The check passes. */
  inconclusive?: string;
}

/** Default allowed regression against a baseline when --max-regression is not given. */
export const DEFAULT_MAX_REGRESSION_PCT = 10;

function check(name: string, op: Check['op'], limit: number, value: number, unit: Check['unit']): Check {
  return { name, op, limit, value, unit, pass: op === '<=' ? value <= limit : value >= limit };
}

function changePct(value: number, baseline: number): number {
  return baseline === 0 ? (value === 0 ? 0 : Infinity) : ((value - baseline) / baseline) * 100;
}

export function evaluate(t: Thresholds, m: Measured): Check[] {
  const { medians } = m;
  const checks = [
    check('p99 assignment latency', '<=', t.p99AssignmentMs, medians.p99AssignmentMs, 'ms'),
    check('failed or rejected tasks', '<=', t.maxFailedTasks, m.failedTasks, 'tasks'),
  ];
  if (t.minThroughputPerSec !== undefined) checks.push(check('throughput', '>=', t.minThroughputPerSec, medians.throughputPerSec, 'tasks/s'));
  if (t.baseline !== undefined) {
    const b = t.baseline;
    const allowedPct = t.maxRegressionPct ?? DEFAULT_MAX_REGRESSION_PCT;
    // The same rule for both figures: the baseline's median, both reports' run spreads.
    const limitOf = (figure: 'throughputPerSec' | 'p99AssignmentMs', direction: 'higher-is-better' | 'lower-is-better'): RegressionLimit =>
      regressionLimit({
        direction,
        baseline: b.median[figure],
        baselineRuns: b.runs.map((r) => r[figure]),
        currentRuns: m.runs.map((r) => r[figure]),
        allowedPct,
      });
    const throughput = limitOf('throughputPerSec', 'higher-is-better');
    const p99 = limitOf('p99AssignmentMs', 'lower-is-better');
    const { inconclusive } = machineLoad(
      b.runs.map((r) => r.neighbourCpuPct),
      m.runs.map((r) => r.neighbourCpuPct),
    );
    const against = (c: Check, baseline: number, limit: RegressionLimit): Check => {
      const out: Check = { ...c, baseline: { value: baseline, changePct: changePct(c.value, baseline), limit } };
      return inconclusive === undefined ? out : { ...out, pass: true, inconclusive };
    };
    checks.push(against(check('throughput vs baseline', '>=', throughput.limit, medians.throughputPerSec, 'tasks/s'), b.median.throughputPerSec, throughput));
    checks.push(against(check('p99 assignment vs baseline', '<=', p99.limit, medians.p99AssignmentMs, 'ms'), b.median.p99AssignmentMs, p99));
  }
  return checks;
}

function at(obj: unknown, path: readonly string[]): unknown {
  let v: unknown = obj;
  for (const key of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

function numberAt(obj: unknown, path: readonly string[], file: string): number {
  const v = at(obj, path);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new UsageError('--baseline', `--baseline: ${file} has no \`${path.join('.')}\` (a number >= 0); pass a report written by 'daedalus gate --out'`);
  }
  return v;
}

function optionalString(obj: unknown, path: readonly string[]): string | undefined {
  const v = at(obj, path);
  return typeof v === 'string' ? v : undefined;
}

/**
 * Reads a previous `daedalus gate` report as the baseline. Refuses (UsageError,
 * exit 2) a report of another setup (see fingerprint.ts), one without a
 * fingerprint, and one whose run failed, before anything runs.
 */
export function loadBaseline(path: string, fingerprint: Fingerprint): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? `is not valid JSON: ${error.message}` : `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    throw new UsageError('--baseline', `--baseline: ${path} ${why}`);
  }
  assertSameFingerprint(at(raw, ['fingerprint']), fingerprint, path);
  const failure = at(raw, ['failure']);
  if (typeof failure === 'object' && failure !== null) {
    const f = failure as { code?: unknown; message?: unknown };
    throw new UsageError('--baseline', `--baseline: ${path} holds no measurements: that run failed (${String(f.code)}: ${String(f.message)}); use the report of a run that finished`);
  }
  const runsRaw = at(raw, ['runs']);
  if (!Array.isArray(runsRaw) || runsRaw.length === 0) throw new UsageError('--baseline', `--baseline: ${path} has no \`runs\`; pass a report written by 'daedalus gate --out'`);
  const runs = runsRaw.map((run: unknown, i) => {
    const neighbour = at(run, ['neighbourCpuPct']);
    return {
      throughputPerSec: numberAt(raw, ['runs', String(i), 'throughputPerSec'], path),
      p99AssignmentMs: numberAt(raw, ['runs', String(i), 'assignmentLatencyMs', 'p99'], path),
      neighbourCpuPct: typeof neighbour === 'number' ? neighbour : null,
    };
  });
  const repeat = at(raw, ['measurement', 'repeat']);
  const warmupMinMs = at(raw, ['measurement', 'warmupMinMs']);
  return {
    path,
    createdAt: optionalString(raw, ['createdAt']),
    commit: optionalString(raw, ['machine', 'commit']),
    median: {
      runs: runs.length,
      throughputPerSec: numberAt(raw, ['median', 'throughputPerSec'], path),
      p99AssignmentMs: numberAt(raw, ['median', 'p99AssignmentMs'], path),
    },
    runs,
    measurement: {
      repeat: typeof repeat === 'number' ? repeat : runs.length,
      warmup: at(raw, ['measurement', 'warmup']) === true,
      warmupMinMs: typeof warmupMinMs === 'number' ? warmupMinMs : null,
    },
    agentSha256: optionalString(raw, ['fingerprint', 'agentSha256']),
    machine: { node: optionalString(raw, ['machine', 'node']), cpuModel: optionalString(raw, ['machine', 'cpuModel']) },
  };
}
