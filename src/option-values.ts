import { pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import type { RestartPolicy } from './agents/restart-policy.js';
import { DataCloneError, InvalidOptionError } from './errors.js';
import { checkKnownKeys } from './option-names.js';

/** Checks of single option values, shared by the pool's, the roles' and the tasks' options: each names the option it refuses. */

const RESOURCE_LIMITS = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const;
const RESTART_OPTIONS = ['maxRestarts', 'windowMs'] as const;

export function int(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

export function positiveMs(name: string, value: unknown, fallback: number): number;
export function positiveMs(name: string, value: unknown, fallback: number | undefined): number | undefined;
export function positiveMs(name: string, value: unknown, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(name, 'a finite number of milliseconds above 0', value);
  }
  return value;
}

export function toAgentUrl(value: unknown, name = 'agent'): URL {
  const url = agentUrlOf(value, name);
  if (/\.[cm]?ts$/.test(url.pathname) && !stripsTypes()) {
    // Refused here rather than as a start failure: the worker's loader would only say
    // "unknown file extension", and the pool would degrade instead of saying why.
    throw new InvalidOptionError(
      name,
      'a JavaScript module: this Node cannot load TypeScript in worker threads (compile it, or point `agent` at a .mjs file that loads it with tsx\'s tsImport(); Node >= 22.18 strips types itself)',
      value,
    );
  }
  return url;
}

function agentUrlOf(value: unknown, name: string): URL {
  if (value instanceof URL) return value;
  if (typeof value === 'string' && value.length > 0) {
    if (/^(file|data):/.test(value)) return new URL(value);
    if (value.startsWith('/')) return pathToFileURL(value);
  }
  throw new InvalidOptionError(name, 'a file URL or an absolute path to the agent module', value);
}

export function stringList(name: string, value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) throw new InvalidOptionError(name, 'an array of non-empty strings', value);
  return Object.freeze([...new Set(value as string[])]);
}

/** Node 22.18+ and 24 load erasable TypeScript natively (`process.features.typescript` is 'strip' or 'transform'). */
export function stripsTypes(): boolean {
  const flag = (process.features as { typescript?: unknown }).typescript;
  return typeof flag === 'string' && flag.length > 0;
}

export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/** Both fields are required: a limit without a window (or the reverse) has no meaning. */
export function validateRestart(value: unknown, name = 'restart'): RestartPolicy | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidOptionError(name, 'an object { maxRestarts, windowMs }', value);
  checkKnownKeys(`${name}.`, value, RESTART_OPTIONS);
  const r = value as { maxRestarts?: unknown; windowMs?: unknown };
  if (r.maxRestarts === undefined) throw new InvalidOptionError(`${name}.maxRestarts`, 'an integer from 1 to 1000000', r.maxRestarts);
  if (r.windowMs === undefined) throw new InvalidOptionError(`${name}.windowMs`, 'a finite number of milliseconds above 0', r.windowMs);
  return {
    maxRestarts: int(`${name}.maxRestarts`, r.maxRestarts, 1, 1, 1_000_000),
    windowMs: positiveMs(`${name}.windowMs`, r.windowMs, 1),
  };
}

/** The young generation an agent gets when its old generation is capped and its young one is not. */
const CAPPED_YOUNG_GENERATION_MB = 16;

export function validateResourceLimits(value: unknown, name = 'resourceLimits'): ResourceLimits | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw new InvalidOptionError(name, 'a worker_threads ResourceLimits object', value);
  checkKnownKeys(`${name}.`, value, RESOURCE_LIMITS);
  const out: ResourceLimits = {};
  for (const key of RESOURCE_LIMITS) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new InvalidOptionError(`${name}.${key}`, 'a finite number above 0 (megabytes)', v);
    out[key] = v;
  }
  // When a worker reaches its old-generation cap, Node ends it and lets the
  // collection under way run 16 MB past the cap. A scavenge moves the young
  // generation's survivors into the old one at once, and Node 24 can give a
  // worker a 192 MB young generation (it did on a 24 GiB machine): one scavenge
  // can overshoot the grace, and V8 then aborts the whole process, every other
  // task with it. A small young generation keeps each promotion inside the grace.
  if (out.maxOldGenerationSizeMb !== undefined && out.maxYoungGenerationSizeMb === undefined) out.maxYoungGenerationSizeMb = CAPPED_YOUNG_GENERATION_MB;
  return out;
}

/** workerData goes to every agent by structured clone: refused here, with a code, if it cannot be cloned. */
export function checkWorkerData(value: unknown, name = 'workerData'): void {
  if (value === undefined) return;
  try {
    structuredClone(value);
  } catch (error) {
    throw new DataCloneError(name, error);
  }
}
