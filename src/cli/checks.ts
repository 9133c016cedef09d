/**
 * The gate's verdict: thresholds in, pass/fail checks out (pure), plus reading
 * a previous report as the baseline. A baseline comparison allows the given
 * regression: throughput may fall to (1 - r) of the baseline's, assignment p99
 * may rise to (1 + r) of it.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';

export interface Baseline {
  path: string;
  throughputPerSec: number;
  p99AssignmentMs: number;
}

export interface Thresholds {
  p99AssignmentMs: number;
  minThroughputPerSec: number | undefined;
  maxFailedTasks: number;
  baseline: Baseline | undefined;
  maxRegressionPct: number | undefined;
}

export interface Measured {
  p99AssignmentMs: number;
  throughputPerSec: number;
  /** Failed plus rejected tasks. */
  failedTasks: number;
}

export interface Check {
  name: string;
  /** `<=` or `>=`: the measured value must be at most / at least the limit. */
  op: '<=' | '>=';
  limit: number;
  value: number;
  unit: 'ms' | 'tasks/s' | 'tasks';
  pass: boolean;
}

/** Default allowed regression against a baseline when --max-regression is not given. */
export const DEFAULT_MAX_REGRESSION_PCT = 10;

function check(name: string, op: Check['op'], limit: number, value: number, unit: Check['unit']): Check {
  return { name, op, limit, value, unit, pass: op === '<=' ? value <= limit : value >= limit };
}

export function evaluate(t: Thresholds, m: Measured): Check[] {
  const checks = [
    check('p99 assignment latency', '<=', t.p99AssignmentMs, m.p99AssignmentMs, 'ms'),
    check('failed or rejected tasks', '<=', t.maxFailedTasks, m.failedTasks, 'tasks'),
  ];
  if (t.minThroughputPerSec !== undefined) checks.push(check('throughput', '>=', t.minThroughputPerSec, m.throughputPerSec, 'tasks/s'));
  if (t.baseline !== undefined) {
    const r = (t.maxRegressionPct ?? DEFAULT_MAX_REGRESSION_PCT) / 100;
    checks.push(check('throughput vs baseline', '>=', t.baseline.throughputPerSec * Math.max(0, 1 - r), m.throughputPerSec, 'tasks/s'));
    checks.push(check('p99 assignment vs baseline', '<=', t.baseline.p99AssignmentMs * (1 + r), m.p99AssignmentMs, 'ms'));
  }
  return checks;
}

function numberAt(obj: unknown, path: readonly string[], file: string): number {
  let v: unknown = obj;
  for (const key of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    const field = path.join('.');
    throw new UsageError('--baseline', `--baseline: ${file} has no \`${field}\` (a number >= 0); pass a report written by 'daedalus gate --out'`);
  }
  return v;
}

/** Reads the figures to compare against from a previous `daedalus gate` report. */
export function loadBaseline(path: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? `is not valid JSON: ${error.message}` : `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    throw new UsageError('--baseline', `--baseline: ${path} ${why}`);
  }
  return {
    path,
    throughputPerSec: numberAt(raw, ['measured', 'throughputPerSec'], path),
    p99AssignmentMs: numberAt(raw, ['measured', 'assignmentLatencyMs', 'p99'], path),
  };
}
