import { Cron } from 'croner';
import { DataCloneError, InvalidOptionError } from '../errors.js';
import { checkKnownKeys } from '../option-names.js';
import { TASK_OPTIONS, resolveTaskOptions } from '../options.js';
import type { TaskOptions } from '../types.js';
import { nextFiringMs, type FiringSpec } from './next-firing.js';
import type { ScheduleOverlap } from './types.js';

/**
 * Everything schedule() is given is checked here, synchronously, so a bad
 * schedule throws at the call with the field named instead of failing on
 * every firing later.
 */

const EVERY_KEYS = ['everyMs', 'immediately'] as const;
const CRON_KEYS = ['cron', 'tz', 'immediately'] as const;
const OVERLAPS = ['skip', 'queue'] as const;
/** One AbortSignal would abort every later firing; a transfer list moves its buffers once. */
const SINGLE_TASK_OPTIONS: readonly string[] = ['signal', 'transfer', 'flow'];
const SCHEDULE_OPTIONS: readonly string[] = [...TASK_OPTIONS.filter((k) => !SINGLE_TASK_OPTIONS.includes(k)), 'overlap'];

export interface ParsedWhen {
  timing: FiringSpec;
  immediately: boolean;
}

export interface ParsedScheduleOptions {
  overlap: ScheduleOverlap;
  /** Given to submit() at every firing, as the caller wrote them (submit resolves them again, with the pool's defaults). */
  taskOptions: Readonly<TaskOptions>;
}

/** Checks `when` and fixes an interval's grid at `nowMs` (the first firing is one period later). */
export function parseWhen(when: unknown, nowMs: number): ParsedWhen {
  if (typeof when !== 'object' || when === null) throw new InvalidOptionError('when', 'an object: { everyMs } or { cron, tz? }', when);
  const w = when as Record<string, unknown>;
  const every = w.everyMs !== undefined;
  const cron = w.cron !== undefined;
  if (every && cron) throw new InvalidOptionError('when', 'either { everyMs } or { cron, tz? }, not both', when);
  if (!every && !cron) throw new InvalidOptionError('when', 'an object with `everyMs` or `cron`', when);
  checkKnownKeys('when.', w, every ? EVERY_KEYS : CRON_KEYS);
  if (w.immediately !== undefined && typeof w.immediately !== 'boolean') throw new InvalidOptionError('when.immediately', 'a boolean', w.immediately);
  const immediately = w.immediately === true;
  if (every) {
    const everyMs = w.everyMs;
    if (typeof everyMs !== 'number' || !Number.isFinite(everyMs) || everyMs <= 0) {
      throw new InvalidOptionError('when.everyMs', 'a finite number of milliseconds above 0', everyMs);
    }
    return { timing: { kind: 'every', everyMs, anchorMs: nowMs }, immediately };
  }
  return { timing: parseCron(w.cron, w.tz, nowMs), immediately };
}

function parseCron(pattern: unknown, tz: unknown, nowMs: number): FiringSpec {
  if (typeof pattern !== 'string') throw new InvalidOptionError('when.cron', 'a cron pattern string', pattern);
  if (tz !== undefined && !isTimeZone(tz)) throw new InvalidOptionError('when.tz', 'an IANA time zone name such as "Europe/Paris"', tz);
  let cron: Cron;
  try {
    // No function given: croner only computes times here, it arms no timer of its own.
    cron = new Cron(pattern, tz === undefined ? {} : { timezone: tz });
  } catch (error) {
    throw new InvalidOptionError('when.cron', `a cron pattern croner accepts (${error instanceof Error ? error.message : String(error)})`, pattern);
  }
  // croner also takes an ISO date for a one-off job: that is not a schedule.
  if (cron.getPattern() === undefined) throw new InvalidOptionError('when.cron', 'a cron pattern, not a date', pattern);
  const spec: FiringSpec = { kind: 'cron', pattern, tz, cron };
  if (nextFiringMs(spec, nowMs) === undefined) throw new InvalidOptionError('when.cron', 'a cron pattern with a time after now', pattern);
  return spec;
}

function isTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Splits the schedule's own options from the task options every firing uses, checking both. */
export function parseScheduleOptions(options: unknown): ParsedScheduleOptions {
  if (options === undefined) return { overlap: 'skip', taskOptions: Object.freeze({}) };
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
  const o = options as Record<string, unknown>;
  for (const name of SINGLE_TASK_OPTIONS) {
    if (o[name] !== undefined) {
      throw new InvalidOptionError(name, 'left out of a schedule: it would serve every firing, and it can serve one task (stop a schedule with its handle\'s cancel())', o[name]);
    }
  }
  // signal and transfer are known names here only when left undefined (checked above).
  checkKnownKeys('', o, [...SCHEDULE_OPTIONS, ...SINGLE_TASK_OPTIONS]);
  const { overlap, ...taskOptions } = o;
  delete taskOptions.signal;
  delete taskOptions.transfer;
  if (overlap !== undefined && !(OVERLAPS as readonly unknown[]).includes(overlap)) {
    throw new InvalidOptionError('overlap', "one of 'skip', 'queue'", overlap);
  }
  // Checked as submit() will check them, so a bad priority throws now rather than rejecting every firing.
  resolveTaskOptions(taskOptions, undefined);
  return { overlap: (overlap as ScheduleOverlap | undefined) ?? 'skip', taskOptions: Object.freeze(taskOptions as TaskOptions) };
}

/** The payload as it is now: every firing sends this copy, whatever the caller does with its object later. */
export function snapshotPayload(payload: unknown): unknown {
  try {
    return structuredClone(payload);
  } catch (error) {
    throw new DataCloneError('payload', error);
  }
}
