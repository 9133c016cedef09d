// daedalus-pool benchmark suites, with the peers (piscina, tinypool, workerpool, poolifier)
// measured in the same process run.
//
//   node bench/run.mjs [--scope throughput|latency|busy-main|heap|faults|flows|serve|redis|all] [--agents N]
//                      [--json out.json] [--quick] [--rounds N] [--only piscina,tinypool]
//                      [--heap-tasks N] [--warmup-ms N]
//
// --scope takes one scope, a comma-separated list (e.g. throughput,latency) or all (default).
// Every case gives each library a fresh pool per round with the same agent count; library order
// rotates every round; figures are medians with min-max across rounds, and ratios to daedalus.
// Throughput cases also report what the timed batches cost the main thread: its own CPU time
// per task (per-thread clock, not process.cpuUsage(), which counts the agents' threads too)
// and its event-loop utilization. The heap case streams 1,000,000 no-op tasks (100,000 with
// --quick, or --heap-tasks N) at 1,000 outstanding through one pool per library and reads the
// main thread's heap after forced gc every tenth of the way (one round).
// Every timed case first warms each pool up, untimed, for at least --warmup-ms (1,500 by
// default, 0 with --quick): its own warm-up batch, repeated until that much time has passed.
// The table ends with the targets: per target, daedalus against the best peer, PASS or MISS.
// Writes the results (machine, commit, options, every round's raw figures and HDR histograms,
// the targets) to --json (default bench/results/bench-<time>.json) and benny's JSON and chart
// files for the throughput cases beside it. --quick runs one round of small task counts: a
// smoke check that the suites work (about a minute and a half for all of them), not figures
// to quote.
//
// Programmatic use (the `daedalus bench` CLI):
//   const { results, table } = await runBench({ scope, agents, quick, jsonPath, onProgress });

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LIBRARIES, loadAdapters } from './adapters/index.mjs';
import { errorLine } from './lib/guard.mjs';
import { loadAverage1m, machineStamp } from './lib/machine.mjs';
import { writeBennyFiles } from './lib/benny.mjs';
import { formatTable } from './lib/report.mjs';
import { WARMUP_MS } from './lib/drive.mjs';
import { caseRounds, runCase } from './lib/rounds.mjs';
import { checkTargets } from './lib/targets.mjs';
import { MAIN_CPU_SOURCE } from './lib/usage.mjs';

export const SCOPES = Object.freeze(['throughput', 'latency', 'busy-main', 'heap', 'faults', 'flows', 'serve', 'redis']);
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

/** A path relative to the working directory when it lies inside it, else absolute. */
function shortPath(path) {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

function usage(message) {
  const error = new Error(message);
  error.code = 'ERR_BENCH_USAGE';
  return error;
}

function positiveInt(name, value, max) {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > max) throw usage(`${name}: expected an integer from 1 to ${max}, got ${JSON.stringify(value)} (${typeof value})`);
  return value;
}

/** 'all', one scope, or a comma-separated list of scopes -> the scopes to run, in suite order. */
function scopeList(scope) {
  const names = typeof scope === 'string' ? scope.split(',').map((x) => x.trim()) : [];
  if (names.includes('all') && names.length === 1) return [...SCOPES];
  if (names.length === 0 || !names.every((n) => SCOPES.includes(n))) throw usage(`scope: expected all, or one or more (comma-separated) of ${SCOPES.join(', ')}, got ${JSON.stringify(scope)}`);
  return SCOPES.filter((s) => names.includes(s));
}

/**
 * Runs the suites of `scope` and writes the results. Throws an error with code ERR_BENCH_USAGE
 * for bad arguments, ERR_BENCH_NO_BUILD when dist/ is missing. A library failing a case does
 * not throw: its rows say "failed" and `results.cases[].failures` says why.
 */
export async function runBench({ scope = 'all', agents, quick = false, jsonPath, onProgress, rounds, phaseTimeoutMs, libraries, heapTasks, warmupMs } = {}) {
  const scopes = scopeList(scope);
  positiveInt('agents', agents, 64);
  positiveInt('heapTasks', heapTasks, 100_000_000);
  positiveInt('rounds', rounds, 100);
  positiveInt('phaseTimeoutMs', phaseTimeoutMs, 3_600_000);
  if (warmupMs !== undefined && !(Number.isInteger(warmupMs) && warmupMs >= 0 && warmupMs <= 600_000)) throw usage(`warmupMs: expected an integer from 0 to 600000, got ${JSON.stringify(warmupMs)} (${typeof warmupMs})`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw usage('onProgress: expected a function');
  if (libraries !== undefined && !(Array.isArray(libraries) && libraries.every((n) => LIBRARIES.includes(n)))) {
    throw usage(`libraries: expected a list of ${LIBRARIES.join(', ')}, got ${JSON.stringify(libraries)}`);
  }

  const startedAt = new Date();
  // Adapters first: loading daedalus is what reports a missing build (ERR_BENCH_NO_BUILD).
  const { adapters, skipped } = await loadAdapters(libraries);
  const machine = await machineStamp();
  const file = resolve(jsonPath ?? `${RESULTS_DIR}bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const stem = file.replace(/\.json$/i, '');
  mkdirSync(dirname(file), { recursive: true });

  let done = 0;
  let total = 1;
  const ctx = {
    quick: Boolean(quick),
    agents,
    // Quick is a smoke check: one round (min = max), small counts. Full runs take the median of three.
    rounds: rounds ?? (quick ? 1 : 3),
    adapters,
    phaseTimeoutMs: phaseTimeoutMs ?? (quick ? 20_000 : 180_000),
    // Closing a pool whose tasks have all settled takes milliseconds; a pool stuck in close is abandoned sooner.
    closeTimeoutMs: Math.min(phaseTimeoutMs ?? Infinity, quick ? 5_000 : 15_000),
    heapTasks,
    // Each pool's untimed warm-up lasts at least this long (0 in a quick run: a smoke check).
    warmupMs: warmupMs ?? (quick ? 0 : WARMUP_MS),
    abandonedPools: [],
    tick(label) {
      done++;
      onProgress?.(Math.min(1, done / total), label);
    },
  };
  const plans = [];
  for (const s of scopes) plans.push(...(await import(`./suites/${s}.mjs`)).plan(ctx));
  total = plans.reduce((n, spec) => n + spec.contenders.length * caseRounds(ctx, spec), 0);

  const t0 = performance.now();
  const cases = [];
  const charts = [];
  for (const spec of plans) {
    const caseStart = performance.now();
    const record = await runCase(ctx, spec);
    record.durationSec = (performance.now() - caseStart) / 1000;
    cases.push(record);
    if (spec.bennyFigure !== undefined) charts.push(...writeBennyFiles(stem, record, spec.bennyFigure));
  }
  const results = {
    benchmark: 'daedalus-pool peer suites',
    schemaVersion: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    totalSec: (performance.now() - t0) / 1000,
    machine,
    loadAvgAfter1m: loadAverage1m(),
    options: { scope, agents: agents ?? null, quick: ctx.quick, rounds: ctx.rounds, warmupMs: ctx.warmupMs, phaseTimeoutMs: ctx.phaseTimeoutMs, closeTimeoutMs: ctx.closeTimeoutMs, libraries: libraries ?? null, heapTasks: heapTasks ?? null },
    mainThreadCpuSource: MAIN_CPU_SOURCE,
    libraries: Object.fromEntries([...adapters.values()].map((a) => [a.name, a.version ?? null])),
    skipped,
    abandonedPools: ctx.abandonedPools,
    libraryNotes: [...adapters.values()].flatMap((a) => (a.anomalies?.() ?? []).map((text) => `${a.name}: ${text}`)),
    jsonPath: shortPath(file),
    charts: charts.map(shortPath),
    cases,
  };
  results.targets = checkTargets(results);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return { results, table: formatTable(results) };
}

// ---------------------------------------------------------------------------- script

async function main() {
  let args;
  try {
    ({ values: args } = parseArgs({
      options: {
        scope: { type: 'string', default: 'all' },
        agents: { type: 'string' },
        json: { type: 'string' },
        quick: { type: 'boolean', default: false },
        rounds: { type: 'string' },
        only: { type: 'string' },
        'heap-tasks': { type: 'string' },
        'warmup-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`${err.message}\nusage: node bench/run.mjs [--scope ${[...SCOPES, 'all'].join('|')}] [--agents N] [--json out.json] [--quick] [--rounds N] [--only peer,...] [--heap-tasks N] [--warmup-ms N]`);
    return 2;
  }
  if (args.help) {
    const { readFileSync } = await import('node:fs');
    console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
    return 0;
  }
  const toInt = (v) => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v);
  const tty = process.stderr.isTTY;
  let lastCase = '';
  const onProgress = (fraction, label) => {
    const pct = `${Math.round(fraction * 100)}`.padStart(3);
    if (tty) process.stderr.write(`\r\x1b[2K[${pct}%] ${label}`);
    else {
      const c = label.split(' ')[0];
      if (c !== lastCase) process.stderr.write(`[${pct}%] ${c}\n`);
      lastCase = c;
    }
  };
  try {
    const { results, table } = await runBench({ scope: args.scope, agents: toInt(args.agents), quick: args.quick, jsonPath: args.json, rounds: toInt(args.rounds), libraries: args.only?.split(','), heapTasks: toInt(args['heap-tasks']), warmupMs: toInt(args['warmup-ms']), onProgress });
    if (tty) process.stderr.write('\r\x1b[2K');
    console.log(table);
    const oursFailed = results.cases.some((c) => c.failures.some((f) => f.library.startsWith('daedalus')));
    if (results.abandonedPools.length > 0) setTimeout(() => process.exit(oursFailed ? 1 : 0), 1_000).unref();
    return oursFailed ? 1 : 0;
  } catch (err) {
    if (tty) process.stderr.write('\n');
    console.error(`bench: ${errorLine(err)}`);
    return err.code === 'ERR_BENCH_USAGE' ? 2 : 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main();
}
