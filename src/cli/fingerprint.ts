/**
 * The workload fingerprint: what must be equal for two gate reports to be
 * comparable, so --baseline can refuse a report of some other setup instead
 * of calling the difference a regression.
 *
 * Three parts, compared separately so a refusal can say which one differs:
 * - `workload`: a hash of the normalised workload (see normaliseWorkload):
 *   the task mix as shares, payloads, priorities, deadlines, the schedule and
 *   the effective queue capacity. The name and description are labels and
 *   do not count.
 * - `agent`: the agent module's identity, `builtin` or its path relative to
 *   the working directory (with `/` separators). Its file's SHA-256 is kept
 *   beside it (`agentSha256`) but is not part of the identity: a change to the
 *   agent's own code between baseline and now is something a regression gate
 *   exists to measure, not a reason to refuse.
 * - `agents`: the agent thread count.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './args.js';
import { effectiveQueueCapacity, type Schedule, type Workload } from './workload.js';

export const FINGERPRINT_VERSION = 1;

export interface NormalisedWorkload {
  tasks: { type: string; share: number; payload: unknown; priority: number; timeoutMs: number | null }[];
  schedule: Schedule;
  queueCapacity: number;
}

export interface Fingerprint {
  version: typeof FINGERPRINT_VERSION;
  /** Hash of the three parts together: equal hashes, comparable reports. */
  hash: string;
  workload: string;
  agent: string;
  agents: number;
  /** Informational (see the module comment): the agent file's SHA-256. */
  agentSha256: string;
  /** What the workload hash was taken over, kept so a refusal can name the field that differs. */
  normalisedWorkload: NormalisedWorkload;
}

/** The pool's default priority: a task without one and a task with 5 run the same. */
const DEFAULT_PRIORITY = 5;

/** JSON with object keys sorted at every depth: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Weights become shares of the mix (2:1 and 4:2 submit the same sequence); defaults are filled in. */
export function normaliseWorkload(workload: Workload): NormalisedWorkload {
  const total = workload.tasks.reduce((sum, t) => sum + t.weight, 0);
  return {
    tasks: workload.tasks.map((t) => ({
      type: t.type,
      share: Number((t.weight / total).toPrecision(12)),
      payload: t.payload ?? null,
      priority: t.priority ?? DEFAULT_PRIORITY,
      timeoutMs: t.timeoutMs ?? null,
    })),
    schedule: workload.schedule,
    queueCapacity: effectiveQueueCapacity(workload),
  };
}

/** `builtin` for the built-in agent, else the module's path relative to `cwd` with `/` separators. */
export function agentIdentity(agentUrl: URL, builtin: boolean, cwd: string): string {
  if (builtin) return 'builtin';
  return relative(cwd, fileURLToPath(agentUrl)).split(sep).join('/');
}

export function computeFingerprint(input: { workload: Workload; agentUrl: URL; builtinAgent: boolean; agents: number; cwd: string }): Fingerprint {
  const normalisedWorkload = normaliseWorkload(input.workload);
  const workload = sha256(canonicalJson(normalisedWorkload)).slice(0, 16);
  const agent = agentIdentity(input.agentUrl, input.builtinAgent, input.cwd);
  const agentSha256 = sha256(readFileSync(input.agentUrl));
  const hash = sha256(canonicalJson({ version: FINGERPRINT_VERSION, workload, agent, agents: input.agents })).slice(0, 16);
  return { version: FINGERPRINT_VERSION, hash, workload, agent, agents: input.agents, agentSha256, normalisedWorkload };
}

/** A baseline that was measured on another setup (or cannot say what it was measured on). Exit code 2. */
export class BaselineMismatchError extends UsageError {
  /** Stable reason: the baseline has no fingerprint, or which parts differ. */
  readonly reason: 'ERR_BASELINE_NO_FINGERPRINT' | 'ERR_BASELINE_MISMATCH';
  readonly differs: readonly ('workload' | 'agent' | 'agents')[];

  constructor(reason: BaselineMismatchError['reason'], differs: BaselineMismatchError['differs'], message: string) {
    super('--baseline', message);
    this.name = 'BaselineMismatchError';
    this.reason = reason;
    this.differs = differs;
  }
}

function short(value: unknown): string {
  const text = canonicalJson(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Which top-level fields of the normalised workloads differ, with both values. */
function workloadDifferences(baseline: unknown, current: NormalisedWorkload): string {
  if (typeof baseline !== 'object' || baseline === null) return 'the baseline does not record its normalised workload';
  const old = baseline as Record<string, unknown>;
  const fields = (Object.keys(current) as (keyof NormalisedWorkload)[]).filter((k) => canonicalJson(old[k]) !== canonicalJson(current[k]));
  if (fields.length === 0) return 'the workload hashes differ';
  return fields.map((k) => `${k}: ${short(old[k])} in the baseline, ${short(current[k])} now`).join('; ');
}

/**
 * Throws BaselineMismatchError unless `raw` (the baseline's `fingerprint`
 * field) matches `current` in workload, agent and agent count.
 */
export function assertSameFingerprint(raw: unknown, current: Fingerprint, baselinePath: string): void {
  const fix = "compare against a report of the same workload, agent module and --agents (or write a new baseline with 'daedalus gate --out')";
  if (typeof raw !== 'object' || raw === null || typeof (raw as { workload?: unknown }).workload !== 'string') {
    throw new BaselineMismatchError(
      'ERR_BASELINE_NO_FINGERPRINT',
      [],
      `--baseline: ${baselinePath} has no workload fingerprint (it was not written by this version of 'daedalus gate'), so nothing says it measured the same thing; refusing to compare: ${fix}`,
    );
  }
  const old = raw as Partial<Fingerprint>;
  const parts: string[] = [];
  const differs: ('workload' | 'agent' | 'agents')[] = [];
  if (old.workload !== current.workload) {
    differs.push('workload');
    parts.push(`workload differs (${workloadDifferences(old.normalisedWorkload, current.normalisedWorkload)})`);
  }
  if (old.agent !== current.agent) {
    differs.push('agent');
    parts.push(`agent module differs (${String(old.agent)} in the baseline, ${current.agent} now)`);
  }
  if (old.agents !== current.agents) {
    differs.push('agents');
    parts.push(`agents count differs (${String(old.agents)} in the baseline, ${current.agents} now)`);
  }
  if (parts.length === 0) return;
  throw new BaselineMismatchError('ERR_BASELINE_MISMATCH', differs, `--baseline: ${baselinePath} was measured on a different setup, refusing to compare: ${parts.join('; ')}; ${fix}`);
}
