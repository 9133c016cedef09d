/**
 * `daedalus bench`: validates flags, loads the suites from bench/run.mjs (a
 * source checkout has it; the published package does not), shows a progress
 * bar on a TTY for runs past two seconds, prints the table. The suites
 * themselves belong to bench/ (`runBench`); this file only drives them.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, choiceFlag, numberFlag, parseFlags, stringFlag, type FlagSpec } from './args.js';
import type { Io } from './gate-command.js';
import { BENCH_HELP } from './help.js';
import { ProgressBar } from './progress.js';

export const SCOPES = ['throughput', 'latency', 'busy-main', 'heap', 'faults', 'flows', 'serve', 'redis', 'all'] as const;
export type Scope = (typeof SCOPES)[number];

const FLAGS: FlagSpec = {
  scope: { type: 'string' },
  agents: { type: 'string' },
  json: { type: 'string' },
  quick: { type: 'boolean' },
  'warmup-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** bench/run.mjs, seen from dist/src/cli/. */
const BENCH_MODULE = new URL('../../../bench/run.mjs', import.meta.url);

interface BenchOptions {
  scope: Scope;
  agents: number | undefined;
  quick: boolean;
  jsonPath: string | undefined;
  warmupMs: number | undefined;
  onProgress: (fraction: number, label: string) => void;
}

type RunBench = (options: BenchOptions) => Promise<{ results: unknown; table: string }>;

async function loadRunBench(): Promise<RunBench> {
  const path = fileURLToPath(BENCH_MODULE);
  if (!existsSync(path)) {
    // The published package ships dist/ only: without the suites this command can do nothing but say where to run it.
    throw new UsageError(
      'bench',
      `daedalus bench runs the benchmark suites of bench/run.mjs, which are not here (looked for ${path}; the published package does not include them): run it from a source checkout of daedalus-pool (git clone, npm ci, npm run build)`,
    );
  }
  const mod = (await import(BENCH_MODULE.href)) as { runBench?: unknown };
  if (typeof mod.runBench !== 'function') throw new UsageError('bench', `${path} does not export runBench()`);
  return mod.runBench as RunBench;
}

export async function benchCommand(argv: readonly string[], io: Io): Promise<number> {
  const values = parseFlags(argv, FLAGS, 'bench');
  if (values.help === true) {
    io.out(BENCH_HELP);
    return 0;
  }
  const scope = choiceFlag(values, 'scope', SCOPES) ?? 'all';
  const agents = numberFlag(values, 'agents', { min: 1, max: 64, integer: true });
  const json = stringFlag(values, 'json');
  const jsonPath = json === undefined ? undefined : resolve(json);
  const quick = values.quick === true;
  const warmupMs = numberFlag(values, 'warmup-ms', { min: 0, max: 600_000, integer: true });
  const runBench = await loadRunBench();

  const progress = new ProgressBar(io.err);
  let table: string;
  try {
    ({ table } = await runBench({ scope, agents, quick, jsonPath, warmupMs, onProgress: (fraction, label) => progress.update(fraction, label) }));
  } catch (error) {
    // runBench's own argument and set-up checks (e.g. no build in dist/) are usage errors too.
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_BENCH_USAGE' || code === 'ERR_BENCH_NO_BUILD') throw new UsageError('bench', `bench: ${(error as Error).message}`, { cause: error });
    throw error;
  } finally {
    progress.stop();
  }
  // The table ends with the path of the results JSON runBench wrote.
  io.out(table.endsWith('\n') ? table : `${table}\n`);
  return 0;
}
