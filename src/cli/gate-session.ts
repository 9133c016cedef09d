/**
 * One gate invocation's passes on one pool: start the agents, an optional
 * warm-up (not counted), then the measured runs. A start-up failure or a run
 * that breaks off comes back as a failure outcome, so the gate can still
 * write a report that says what went wrong; a usage problem found mid-run
 * (a task type the agent does not handle) is thrown, as before any run.
 */
import { UsageError } from './args.js';
import type { GateProgress } from './gate-progress.js';
import { GatePool, GateStartupError, type RunResult } from './gate-runner.js';
import type { Workload } from './workload.js';

export interface SessionOptions {
  agentUrl: URL;
  workload: Workload;
  agents: number;
  /** Measured runs. */
  repeat: number;
  /** Warm-up: run the workload once, then again until this many ms have passed; undefined for no warm-up. */
  warmupMinMs: number | undefined;
  progress: GateProgress;
  /** Tasks go through this Redis queue (daedalus-pool/redis), consumed by the gate's pool. */
  redis?: { url: string; name?: string } | undefined;
}

export interface WarmupFigures {
  /** Passes of the workload the warm-up took (at least one). */
  passes: number;
  durationMs: number;
  tasksCompleted: number;
  throughputPerSec: number;
}

export interface Failure {
  stage: 'startup' | 'run';
  /** A stable code: ERR_AGENT_INIT, ERR_GATE_READY_TIMEOUT, or the error's own code (ERR_GATE_RUN when it has none). */
  code: string;
  message: string;
  /** The agent's own error code, when a start-up error carried one. */
  agentCode: string | null;
}

export type SessionOutcome =
  | { ok: true; startupMs: number; queueCapacity: number; warmup: WarmupFigures | undefined; runs: RunResult[] }
  | { ok: false; failure: Failure; startupMs: number | undefined };

export const RUN_FAILED_CODE = 'ERR_GATE_RUN';

function runFailure(error: unknown): Failure {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { stage: 'run', code: typeof code === 'string' ? code : RUN_FAILED_CODE, message, agentCode: null };
}

async function warmUp(pool: GatePool, minMs: number, report: (settled: number, planned: number) => void): Promise<WarmupFigures> {
  const startMs = performance.now();
  let passes = 0;
  let tasksCompleted = 0;
  do {
    const pass = await pool.run(report);
    passes++;
    tasksCompleted += pass.tasks.completed;
  } while (performance.now() - startMs < minMs);
  const durationMs = performance.now() - startMs;
  return { passes, durationMs, tasksCompleted, throughputPerSec: durationMs > 0 ? (tasksCompleted * 1000) / durationMs : 0 };
}

export async function runSession(options: SessionOptions): Promise<SessionOutcome> {
  const { repeat, progress } = options;
  let pool: GatePool;
  try {
    pool = await GatePool.start(options);
  } catch (error) {
    if (error instanceof GateStartupError) {
      return { ok: false, startupMs: undefined, failure: { stage: 'startup', code: error.code, message: error.message, agentCode: error.agentCode ?? null } };
    }
    throw error;
  }
  // Progress as a fraction of the whole gate: the warm-up counts as one run.
  const units = repeat + (options.warmupMinMs === undefined ? 0 : 1);
  let unitsDone = 0;
  const reporter =
    (phase: string) =>
    (settled: number, planned: number): void =>
      progress.update(phase, settled, planned, (unitsDone + (planned > 0 ? settled / planned : 1)) / units);
  try {
    let warmup: WarmupFigures | undefined;
    if (options.warmupMinMs !== undefined) {
      warmup = await warmUp(pool, options.warmupMinMs, reporter('warm-up'));
      unitsDone++;
    }
    const runs: RunResult[] = [];
    for (let i = 1; i <= repeat; i++) {
      runs.push(await pool.run(reporter(repeat === 1 ? 'run' : `run ${i}/${repeat}`)));
      unitsDone++;
    }
    await pool.close();
    return { ok: true, startupMs: pool.startupMs, queueCapacity: pool.queueCapacity, warmup, runs };
  } catch (error) {
    await pool.destroy().catch(() => undefined);
    if (error instanceof UsageError) throw error;
    return { ok: false, startupMs: pool.startupMs, failure: runFailure(error) };
  }
}
