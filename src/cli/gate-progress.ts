/**
 * Progress of a gate run on stderr. On a terminal: the one-line bar of
 * progress.ts. Anywhere else (a CI log, a pipe): a bar drawn with carriage
 * returns would pile up as garbage, so a plain line every `intervalMs`
 * (default 5 s, DAEDALUS_PROGRESS_INTERVAL_MS to change it), e.g.
 *
 *   gate: run 2/5, 1,234/3,000 tasks, 8.1 s
 *
 * and, when any such line was printed, a last one when the runs are done. A
 * run shorter than the interval prints nothing, so a quick gate stays quiet.
 */
import { UsageError } from './args.js';
import { ProgressBar, type ProgressStream } from './progress.js';
import { formatCount } from './table.js';

export const PROGRESS_INTERVAL_ENV = 'DAEDALUS_PROGRESS_INTERVAL_MS';
export const DEFAULT_PROGRESS_INTERVAL_MS = 5_000;

/** The line interval from the environment; a value that is not a positive number of ms is a usage error naming the variable. */
export function progressIntervalMs(env: NodeJS.ProcessEnv): number {
  const raw = env[PROGRESS_INTERVAL_ENV];
  if (raw === undefined || raw === '') return DEFAULT_PROGRESS_INTERVAL_MS;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms <= 0 || ms > 3_600_000) {
    throw new UsageError(PROGRESS_INTERVAL_ENV, `${PROGRESS_INTERVAL_ENV}: expected milliseconds above 0 and at most 3600000, got '${raw}'`);
  }
  return ms;
}

export interface GateProgress {
  /** `phase` is e.g. `warm-up` or `run 2/5`; `fraction` is of the whole gate (warm-up included). */
  update(phase: string, settled: number, planned: number, fraction: number): void;
  /** The runs are over: `summary` closes the log's progress lines (e.g. `done, 5 runs after a warm-up`). */
  finish(summary: string): void;
}

class TtyProgress implements GateProgress {
  private readonly bar: ProgressBar;

  constructor(stream: ProgressStream) {
    this.bar = new ProgressBar(stream);
  }

  update(phase: string, _settled: number, _planned: number, fraction: number): void {
    this.bar.update(fraction, `gate ${phase}`);
  }

  finish(): void {
    this.bar.stop();
  }
}

/** Plain lines for logs; the elapsed time is since the gate started running (agents ready). */
export class ProgressLines implements GateProgress {
  private phase = 'starting';
  private settled = 0;
  private planned = 0;
  private printed = false;
  private readonly startMs = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly stream: ProgressStream,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.print(this.line(`${this.phase}, ${formatCount(this.settled)}/${formatCount(this.planned)} tasks`)), intervalMs);
    // Progress must never keep a finished (or failed) gate alive.
    this.timer.unref();
  }

  update(phase: string, settled: number, planned: number): void {
    this.phase = phase;
    this.settled = settled;
    this.planned = planned;
  }

  finish(summary: string): void {
    clearInterval(this.timer);
    if (this.printed) this.print(this.line(summary));
  }

  private line(what: string): string {
    return `gate: ${what}, ${((performance.now() - this.startMs) / 1000).toFixed(1)} s\n`;
  }

  private print(line: string): void {
    this.printed = true;
    this.stream.write(line);
  }
}

export function gateProgress(stream: ProgressStream, intervalMs: number): GateProgress {
  return stream.isTTY === true ? new TtyProgress(stream) : new ProgressLines(stream, intervalMs);
}
