// Round-trip benchmark: daedalus-pool against piscina, in one process, same worker count.
//
//   node bench/round-trip.mjs [--agents 2] [--tasks 20000] [--inflight 1000] [--rounds 3]
//                             [--latency 2000] [--warmup 200] [--phase-timeout-ms 30000]
//
// Rounds alternate between the libraries (daedalus, piscina, daedalus, ...); every round
// builds a fresh pool, warms it up, then measures
//   (a) no-op throughput: --tasks tasks with payload { i }, --inflight outstanding at a time;
//   (b) idle round-trip latency: one task in flight, --latency sequential round trips after
//       --warmup untimed ones, recorded in an HDR histogram in microseconds.
// Prints a machine header and a table of medians (min-max) with the daedalus/piscina ratio,
// and writes the same data to bench/results/round-trip-<timestamp>.json.
// Every figure printed is measured in this run; nothing is hard-coded.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { Piscina } from 'piscina';

const ROOT = new URL('../', import.meta.url);
const DAEDALUS_AGENT = new URL('./agents/noop-agent.mjs', import.meta.url);
const PISCINA_WORKER = new URL('./agents/piscina-noop.mjs', import.meta.url);
const RESULTS_DIR = new URL('./results/', import.meta.url);

// ---------------------------------------------------------------------------- options

function positiveInt(name, raw) {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name}: expected a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const { values: argv } = parseArgs({
  options: {
    agents: { type: 'string', default: '2' },
    tasks: { type: 'string', default: '20000' },
    inflight: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    latency: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    'phase-timeout-ms': { type: 'string', default: '30000' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (argv.help) {
  console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).slice(0, 14).join('\n'));
  process.exit(0);
}
const cfg = {
  agents: positiveInt('agents', argv.agents),
  tasks: positiveInt('tasks', argv.tasks),
  inflight: positiveInt('inflight', argv.inflight),
  rounds: positiveInt('rounds', argv.rounds),
  latencyRoundTrips: positiveInt('latency', argv.latency),
  latencyWarmup: positiveInt('warmup', argv.warmup),
  phaseTimeoutMs: positiveInt('phase-timeout-ms', argv['phase-timeout-ms']),
};
// Untimed tasks sent through every fresh pool before the throughput phase, so thread start-up
// and first-call compilation are not billed to either library's throughput.
cfg.throughputWarmup = Math.min(cfg.tasks, 2 * cfg.inflight);

// ---------------------------------------------------------------------------- machine

function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function packageVersion(specifier) {
  try {
    return JSON.parse(readFileSync(new URL(specifier, ROOT), 'utf8')).version;
  } catch {
    return undefined;
  }
}

const commit = git(['rev-parse', '--short', 'HEAD']);
const dirty = commit !== undefined && (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
const cpus = os.cpus();
const machine = {
  node: process.version,
  v8: process.versions.v8,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  cpuModel: cpus[0]?.model ?? 'unknown',
  cores: cpus.length,
  availableParallelism: os.availableParallelism(),
  totalMemBytes: os.totalmem(),
  loadAvg1m: os.loadavg()[0],
  gitCommit: commit ?? null,
  gitDirty: commit === undefined ? null : dirty,
  daedalusVersion: packageVersion('package.json') ?? null,
  piscinaVersion: packageVersion('node_modules/piscina/package.json') ?? null,
};

// ---------------------------------------------------------------------------- libraries

let daedalus;
try {
  daedalus = await import(new URL('dist/src/index.js', ROOT).href);
} catch (err) {
  console.error(`cannot load dist/src/index.js (${err.code ?? err.message}); run \`npm run build\` first`);
  process.exit(1);
}
const { CoordinationPool } = daedalus;

const LIBRARIES = {
  'daedalus-pool': {
    async create() {
      const pool = new CoordinationPool({
        agent: DAEDALUS_AGENT,
        size: cfg.agents,
        maxSize: cfg.agents,
        // The default capacity (100) would reject; every outstanding task may be waiting.
        queueCapacity: cfg.inflight,
      });
      await pool.ready();
      return {
        run: (payload) => pool.run(payload, { type: 'general' }),
        close: () => pool.close(),
        destroy: () => pool.destroy(),
        state: () => ({ metrics: pool.metrics(), agents: pool.listAgents() }),
        // Tasks each agent completed: a pool whose agents share the work evenly is what the figures assume.
        perWorkerCompleted: () => pool.listAgents().map((a) => a.tasksCompleted),
      };
    },
  },
  piscina: {
    async create() {
      const pool = new Piscina({
        filename: PISCINA_WORKER.href,
        minThreads: cfg.agents,
        maxThreads: cfg.agents,
        idleTimeout: 60_000,
      });
      // Without a listener an 'error' event (a worker error outside any task) would kill the process unreported.
      pool.on('error', (err) => console.error(`piscina 'error' event: ${err.message}`));
      return {
        run: (payload) => pool.run(payload),
        close: () => pool.close(),
        destroy: () => pool.destroy(),
        state: () => ({ threads: pool.threads.length, queueSize: pool.queueSize, completed: pool.completed }),
        perWorkerCompleted: () => undefined,
      };
    },
  },
};
const NAMES = Object.keys(LIBRARIES);

// ---------------------------------------------------------------------------- measurement

class PhaseTimeout extends Error {}

/** Races `promise` against the phase budget; on expiry the error says what was going on. */
async function bounded(promise, what, progress) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new PhaseTimeout(`${what}: no result after ${cfg.phaseTimeoutMs} ms (${progress()})`)), cfg.phaseTimeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

const nowNs = () => process.hrtime.bigint();

/** Runs `total` tasks keeping `inflight` outstanding; resolves with elapsed ns. */
function windowed(run, total, inflight, progress) {
  return new Promise((resolve, reject) => {
    let next = 0;
    let active = 0;
    let failed = false;
    const t0 = nowNs();
    const launch = () => {
      while (!failed && active < inflight && next < total) {
        const i = next++;
        active++;
        let result;
        try {
          result = run({ i });
        } catch (err) {
          failed = true;
          reject(err);
          return;
        }
        result.then(
          (value) => {
            active--;
            progress.completed++;
            if (value?.i !== i) progress.mismatched++;
            if (progress.completed === total) resolve(nowNs() - t0);
            else launch();
          },
          (err) => {
            active--;
            if (!failed) {
              failed = true;
              err.taskIndex = i;
              reject(err);
            }
          },
        );
      }
    };
    launch();
  });
}

async function measureRound(name, round) {
  const lib = LIBRARIES[name];
  const progress = { phase: 'create', completed: 0, mismatched: 0 };
  let pool;
  const describe = () => {
    let state;
    try {
      state = pool ? `, pool state ${JSON.stringify(pool.state())}` : '';
    } catch (err) {
      state = `, pool state unavailable: ${err.message}`;
    }
    return `phase ${progress.phase}, ${progress.completed} tasks completed${state}`;
  };
  try {
    const created = nowNs();
    pool = await bounded(lib.create(), `${name} round ${round} create`, describe);
    const createMs = Number(nowNs() - created) / 1e6;

    progress.phase = 'throughput warm-up';
    await bounded(windowed(pool.run, cfg.throughputWarmup, cfg.inflight, progress), `${name} round ${round} ${progress.phase}`, describe);

    progress.phase = 'throughput';
    progress.completed = 0;
    const elapsedNs = await bounded(windowed(pool.run, cfg.tasks, cfg.inflight, progress), `${name} round ${round} throughput`, describe);
    const elapsedMs = Number(elapsedNs) / 1e6;

    progress.phase = 'latency warm-up';
    progress.completed = 0;
    const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    const sequential = async () => {
      for (let i = 0; i < cfg.latencyWarmup; i++) {
        const value = await pool.run({ i });
        progress.completed++;
        if (value?.i !== i) progress.mismatched++;
      }
      progress.phase = 'latency';
      progress.completed = 0;
      for (let i = 0; i < cfg.latencyRoundTrips; i++) {
        const t0 = nowNs();
        const value = await pool.run({ i });
        const us = Number(nowNs() - t0) / 1e3;
        histogram.recordValue(Math.max(1, Math.round(us)));
        progress.completed++;
        if (value?.i !== i) progress.mismatched++;
      }
    };
    await bounded(sequential(), `${name} round ${round} latency`, describe);

    progress.phase = 'close';
    const finalState = pool.state();
    const perWorkerCompleted = pool.perWorkerCompleted();
    await bounded(pool.close(), `${name} round ${round} close`, describe);
    pool = undefined;

    if (progress.mismatched > 0) throw new Error(`${name} round ${round}: ${progress.mismatched} results did not echo their payload`);
    const result = {
      round,
      library: name,
      createMs,
      throughput: {
        tasks: cfg.tasks,
        inflight: cfg.inflight,
        elapsedMs,
        tasksPerSec: cfg.tasks / (elapsedMs / 1e3),
      },
      latency: {
        roundTrips: histogram.totalCount,
        warmup: cfg.latencyWarmup,
        p50Us: histogram.getValueAtPercentile(50),
        p90Us: histogram.getValueAtPercentile(90),
        p99Us: histogram.getValueAtPercentile(99),
        maxUs: histogram.maxValue,
        meanUs: histogram.mean,
        hdrEncoded: hdr.encodeIntoCompressedBase64(histogram),
      },
      perWorkerCompleted,
      finalState,
    };
    histogram.destroy();
    return result;
  } catch (err) {
    // Report first, tear down after (main does both): a teardown that throws must not hide the cause.
    if (pool) err.destroy = () => bounded(pool.destroy(), `${name} round ${round} destroy after failure`, describe);
    err.round = round;
    err.library = name;
    err.phase = progress.phase;
    err.completedInPhase = progress.completed;
    throw err;
  }
}

// ---------------------------------------------------------------------------- reporting

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function summarize(rounds) {
  const figures = {
    tasksPerSec: (r) => r.throughput.tasksPerSec,
    p50Us: (r) => r.latency.p50Us,
    p90Us: (r) => r.latency.p90Us,
    p99Us: (r) => r.latency.p99Us,
    maxUs: (r) => r.latency.maxUs,
    createMs: (r) => r.createMs,
  };
  const out = {};
  for (const [figure, pick] of Object.entries(figures)) {
    out[figure] = {};
    for (const name of NAMES) {
      const xs = rounds.filter((r) => r.library === name).map(pick);
      out[figure][name] = { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), values: xs };
    }
    out[figure].ratio = out[figure][NAMES[0]].median / out[figure][NAMES[1]].median;
  }
  return out;
}

const fmtInt = (x) => Math.round(x).toLocaleString('en-US');
const fmtMs = (x) => x.toFixed(1);

function printTable(summary) {
  const rows = [
    ['throughput (tasks/s)', 'tasksPerSec', fmtInt, 'higher'],
    ['idle latency p50 (us)', 'p50Us', fmtInt, 'lower'],
    ['idle latency p90 (us)', 'p90Us', fmtInt, 'lower'],
    ['idle latency p99 (us)', 'p99Us', fmtInt, 'lower'],
    ['idle latency max (us)', 'maxUs', fmtInt, 'lower'],
    ['pool start (ms)*', 'createMs', fmtMs, 'n/a'],
  ];
  const header = ['figure', ...NAMES.map((n) => `${n} median (min-max)`), `ratio ${NAMES[0].split('-')[0]}/${NAMES[1]}`, 'better'];
  const body = rows.map(([label, key, fmt, better]) => [
    label,
    ...NAMES.map((n) => {
      const s = summary[key][n];
      return `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})`;
    }),
    better === 'n/a' ? 'n/a' : `${summary[key].ratio.toFixed(2)}x`,
    better,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
  console.log('* pool start: constructor to ready() for daedalus-pool; constructor only for piscina (it has no ready());');
  console.log('  not comparable, shown for information. Both pools get the same untimed warm-up before measuring.');
}

// ---------------------------------------------------------------------------- main

const startedAt = new Date();
const gb = (machine.totalMemBytes / 2 ** 30).toFixed(1);
console.log('daedalus-pool round-trip benchmark');
console.log(`node ${machine.node} (V8 ${machine.v8}), ${machine.platform}`);
console.log(`cpu: ${machine.cpuModel}, ${machine.cores} cores (availableParallelism ${machine.availableParallelism}), ${gb} GiB RAM, load(1m) ${machine.loadAvg1m.toFixed(2)}`);
console.log(
  `git: ${machine.gitCommit ? `${machine.gitCommit}${machine.gitDirty ? ' (dirty)' : ''}` : 'no commit'}; ` +
    `daedalus-pool ${machine.daedalusVersion ?? '?'}, piscina ${machine.piscinaVersion ?? '?'}`,
);
console.log(
  `config: ${cfg.agents} workers per pool, ${cfg.rounds} rounds per library (alternating, fresh pool each), ` +
    `throughput ${fmtInt(cfg.tasks)} no-op tasks { i } with ${fmtInt(cfg.inflight)} in flight (after ${fmtInt(cfg.throughputWarmup)} untimed), ` +
    `latency ${fmtInt(cfg.latencyRoundTrips)} sequential round trips (after ${fmtInt(cfg.latencyWarmup)} untimed)`,
);
// Other processes competing for the cores skew both libraries, and not by the same amount.
const busy = (load) => load > machine.cores * 0.5;
if (busy(machine.loadAvg1m)) {
  console.log(`WARNING: load average ${machine.loadAvg1m.toFixed(2)} on ${machine.cores} cores before the run: other processes are competing, figures are unreliable`);
}
console.log('');

const rounds = [];
const runStart = nowNs();
try {
  for (let round = 1; round <= cfg.rounds; round++) {
    for (const name of NAMES) {
      const r = await measureRound(name, round);
      rounds.push(r);
      const shares = r.perWorkerCompleted;
      const roundTotal = shares?.reduce((a, b) => a + b, 0) ?? 0;
      // Under a saturated queue every worker should carry a fair part; a worker far below it sat idle.
      if (shares && shares.length > 1 && Math.min(...shares) < roundTotal / shares.length / 10) {
        console.log(`WARNING: ${name} round ${round}: tasks completed per worker ${JSON.stringify(shares)}; a worker sat idle, this round's figures understate the pool`);
      }
      console.log(
        `round ${round} ${name.padEnd(13)} ${fmtInt(r.throughput.tasksPerSec).padStart(9)} tasks/s  ` +
          `p50 ${fmtInt(r.latency.p50Us)} us  p90 ${fmtInt(r.latency.p90Us)} us  p99 ${fmtInt(r.latency.p99Us)} us  max ${fmtInt(r.latency.maxUs)} us`,
      );
    }
  }
} catch (err) {
  console.error('');
  console.error(`benchmark aborted: ${err.library ?? '?'} round ${err.round ?? '?'}, phase ${err.phase ?? '?'} (${err.completedInPhase ?? 0} tasks completed in it)`);
  console.error(`  ${err.name}${err.code ? ` [${err.code}]` : ''}: ${err.message}`);
  if (err.taskIndex !== undefined) console.error(`  failing task payload: { i: ${err.taskIndex} }`);
  if (err.cause) console.error(`  cause: ${err.cause.name}${err.cause.code ? ` [${err.cause.code}]` : ''}: ${err.cause.message}`);
  if (!(err instanceof PhaseTimeout) && err.stack) console.error(err.stack.split('\n').slice(1, 6).join('\n'));
  if (err.destroy) {
    await err.destroy().then(
      () => console.error('  pool destroyed'),
      (e) => console.error(`  destroy() after the failure also failed: ${e.message}`),
    );
  }
  process.exit(1);
}
const totalSec = Number(nowNs() - runStart) / 1e9;
machine.loadAvg1mAfter = os.loadavg()[0];

const summary = summarize(rounds);
console.log('');
printTable(summary);
console.log(`ratio = ${NAMES[0]} median / ${NAMES[1]} median; run took ${totalSec.toFixed(1)} s; load(1m) after the run ${machine.loadAvg1mAfter.toFixed(2)}`);
if (busy(machine.loadAvg1mAfter)) console.log('WARNING: the machine was busy during the run (see load above); rerun on an idle machine before comparing');

mkdirSync(RESULTS_DIR, { recursive: true });
const file = new URL(`round-trip-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`, RESULTS_DIR);
writeFileSync(file, `${JSON.stringify({ benchmark: 'round-trip', startedAt: startedAt.toISOString(), totalSec, machine, config: cfg, summary, rounds }, null, 2)}\n`);
console.log(`results: ${file.pathname.slice(ROOT.pathname.length)}`);
