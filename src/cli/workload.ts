/**
 * Workload files for `daedalus gate --workload workload.json`: loading and validation.
 *
 * Format (JSON; unknown fields are rejected so a typo cannot silently change a gate):
 *
 *   {
 *     "name": "checkout-service",        optional label for the report (default: the file name)
 *     "description": "...",              optional free text
 *     "agents": 2,                       optional agent count, 1..256 (default 2; --agents overrides)
 *     "queueCapacity": 200,              optional pool queueCapacity (default: max(100, concurrency or rate))
 *     "tasks": [                         required, at least one entry: the task mix
 *       { "type": "ingest",              required: a task type the agent module handles
 *         "weight": 3,                   optional share of the mix, a number > 0 (default 1)
 *         "payload": { "records": 40 },  optional JSON value passed to the handler (default null)
 *         "priority": 5,                 optional 1 (highest) .. 10 (lowest) (default 5)
 *         "timeoutMs": 2000 }            optional per-task run deadline in ms
 *     ],
 *     then exactly one of two schedules:
 *     "count": 2000,                     closed loop: submit this many tasks in all,
 *     "concurrency": 50,                   keeping at most this many outstanding (default min(count, 100));
 *   or
 *     "rate": 500,                       open loop: submit this many tasks per second,
 *     "durationMs": 3000                   for this long (both required together)
 *   }
 *
 * Types are interleaved by weight deterministically (smooth weighted round robin),
 * so two runs of one workload submit the same sequence.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from './args.js';

export interface TaskMixEntry {
  type: string;
  weight: number;
  payload: unknown;
  priority: number | undefined;
  timeoutMs: number | undefined;
}

export type Schedule =
  | { kind: 'count'; count: number; concurrency: number }
  | { kind: 'rate'; ratePerSec: number; durationMs: number };

export interface Workload {
  name: string;
  description: string | undefined;
  agents: number | undefined;
  queueCapacity: number | undefined;
  tasks: TaskMixEntry[];
  schedule: Schedule;
}

/** The workload `daedalus gate` runs without --workload, on the built-in agent (about a second on 2 cores). */
export const BUILTIN_WORKLOAD_JSON = Object.freeze({
  name: 'builtin',
  description: 'Mixed small tasks on the built-in example agent: echo, record checksums, prime counting',
  tasks: [
    { type: 'general', weight: 5, payload: { message: 'hello' } },
    { type: 'ingest', weight: 3, payload: { records: 40 } },
    { type: 'research', weight: 2, payload: { limit: 4000 } },
  ],
  count: 3000,
  concurrency: 64,
});

const TOP_FIELDS = new Set(['name', 'description', 'agents', 'queueCapacity', 'tasks', 'count', 'concurrency', 'rate', 'durationMs']);
const TASK_FIELDS = new Set(['type', 'weight', 'payload', 'priority', 'timeoutMs']);
const MAX_TASKS = 10_000_000;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  const text = json === undefined ? typeof value : json.length > 40 ? `${json.slice(0, 37)}...` : json;
  return `${text} (${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value})`;
}

class FieldReader {
  constructor(private readonly source: string) {}

  fail(field: string, expected: string, value: unknown): never {
    throw new UsageError(field, `workload ${this.source}: \`${field}\` must be ${expected}, got ${describe(value)}`);
  }

  int(field: string, value: unknown, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) this.fail(field, `an integer from ${min} to ${max}`, value);
    return value;
  }

  positive(field: string, value: unknown, max: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) this.fail(field, `a number above 0 and at most ${max}`, value);
    return value;
  }

  text(field: string, value: unknown): string {
    if (typeof value !== 'string' || value.trim().length === 0) this.fail(field, 'a non-empty string', value);
    return value;
  }

  onlyKnown(prefix: string, obj: Record<string, unknown>, known: Set<string>): void {
    for (const key of Object.keys(obj)) {
      if (!known.has(key)) {
        const field = prefix === '' ? key : `${prefix}.${key}`;
        throw new UsageError(field, `workload ${this.source}: unknown field \`${field}\` (known: ${[...known].join(', ')})`);
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseTask(r: FieldReader, raw: unknown, index: number): TaskMixEntry {
  const at = `tasks[${index}]`;
  if (!isRecord(raw)) r.fail(at, 'an object { type, weight?, payload?, priority?, timeoutMs? }', raw);
  r.onlyKnown(at, raw, TASK_FIELDS);
  return {
    type: r.text(`${at}.type`, raw.type),
    weight: raw.weight === undefined ? 1 : r.positive(`${at}.weight`, raw.weight, 1e9),
    payload: raw.payload ?? null,
    priority: raw.priority === undefined ? undefined : r.int(`${at}.priority`, raw.priority, 1, 10),
    timeoutMs: raw.timeoutMs === undefined ? undefined : r.positive(`${at}.timeoutMs`, raw.timeoutMs, 86_400_000),
  };
}

function parseSchedule(r: FieldReader, raw: Record<string, unknown>): Schedule {
  const hasCount = raw.count !== undefined;
  const hasRate = raw.rate !== undefined || raw.durationMs !== undefined;
  if (hasCount && hasRate) {
    throw new UsageError('count', 'workload: give either `count` (with optional `concurrency`) or `rate` with `durationMs`, not both');
  }
  if (hasCount) {
    const count = r.int('count', raw.count, 1, MAX_TASKS);
    const concurrency = raw.concurrency === undefined ? Math.min(count, 100) : r.int('concurrency', raw.concurrency, 1, 100_000);
    return { kind: 'count', count, concurrency };
  }
  if (raw.concurrency !== undefined) throw new UsageError('concurrency', 'workload: `concurrency` applies to a `count` schedule; this workload has none');
  if (!hasRate) throw new UsageError('count', 'workload: a schedule is missing: give `count` (closed loop) or `rate` and `durationMs` (open loop)');
  if (raw.rate === undefined) throw new UsageError('rate', 'workload: `durationMs` needs `rate` (tasks per second)');
  if (raw.durationMs === undefined) throw new UsageError('durationMs', 'workload: `rate` needs `durationMs` (how long to submit)');
  const ratePerSec = r.positive('rate', raw.rate, 1e7);
  const durationMs = r.positive('durationMs', raw.durationMs, 86_400_000);
  if ((ratePerSec * durationMs) / 1000 > MAX_TASKS) throw new UsageError('rate', `workload: rate x durationMs asks for more than ${MAX_TASKS} tasks`);
  return { kind: 'rate', ratePerSec, durationMs };
}

/** Validates a parsed workload object; `source` names it in messages. Throws UsageError naming the field. */
export function parseWorkload(raw: unknown, source: string, defaultName: string): Workload {
  const r: FieldReader = new FieldReader(source); // annotated: lets a never-returning r.fail() narrow `raw`
  if (!isRecord(raw)) r.fail('(top level)', 'an object', raw);
  r.onlyKnown('', raw, TOP_FIELDS);
  if (!Array.isArray(raw.tasks) || raw.tasks.length === 0) r.fail('tasks', 'a non-empty array of { type, weight?, payload? }', raw.tasks);
  const tasks = raw.tasks.map((t, i) => parseTask(r, t, i));
  return {
    name: raw.name === undefined ? defaultName : r.text('name', raw.name),
    description: raw.description === undefined ? undefined : r.text('description', raw.description),
    agents: raw.agents === undefined ? undefined : r.int('agents', raw.agents, 1, 256),
    queueCapacity: raw.queueCapacity === undefined ? undefined : r.int('queueCapacity', raw.queueCapacity, 1, 1_000_000),
    tasks,
    schedule: parseSchedule(r, raw),
  };
}

/** Reads and validates a workload file. A missing file or invalid JSON is a UsageError naming the path. */
export function loadWorkload(path: string): Workload {
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new UsageError('--workload', `--workload: ${path} is not a file`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError('--workload', `--workload: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError('--workload', `--workload: ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseWorkload(raw, path, basename(path).replace(/\.json$/i, ''));
}

export function builtinWorkload(): Workload {
  return parseWorkload(structuredClone(BUILTIN_WORKLOAD_JSON), 'builtin', 'builtin');
}

/** The pool's queueCapacity for a workload: its own, else room for everything it keeps outstanding (at least 100). */
export function effectiveQueueCapacity(workload: Workload): number {
  if (workload.queueCapacity !== undefined) return workload.queueCapacity;
  const s = workload.schedule;
  return Math.max(100, s.kind === 'count' ? s.concurrency : Math.ceil(s.ratePerSec));
}

/** Total tasks the schedule submits. */
export function plannedTasks(schedule: Schedule): number {
  return schedule.kind === 'count' ? schedule.count : Math.max(1, Math.floor((schedule.ratePerSec * schedule.durationMs) / 1000));
}

/**
 * Smooth weighted round robin: each pick raises every entry by its weight and
 * takes the highest, which then drops by the total. Deterministic, and any
 * window of the sequence holds the types close to their weight shares.
 */
export function weightedPicker(tasks: readonly TaskMixEntry[]): () => TaskMixEntry {
  const total = tasks.reduce((s, t) => s + t.weight, 0);
  const current = tasks.map(() => 0);
  return () => {
    let best = 0;
    for (let i = 0; i < tasks.length; i++) {
      current[i] = (current[i] ?? 0) + (tasks[i]?.weight ?? 0);
      if ((current[i] ?? 0) > (current[best] ?? 0)) best = i;
    }
    current[best] = (current[best] ?? 0) - total;
    const picked = tasks[best];
    if (picked === undefined) throw new Error('weightedPicker: empty task mix');
    return picked;
  };
}
