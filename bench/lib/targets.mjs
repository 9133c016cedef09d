// The targets daedalus-pool is held to, checked against one run's figures: per target the
// case and figure it reads, daedalus's median, the best peer's median, the measured ratio and
// PASS / MISS. Ratios are oriented so that > 1 always means daedalus is better: daedalus / best
// peer for figures where higher is better, best peer / daedalus where lower is better. Nothing
// here is a figure: every value comes from the results of the run.
import { FLAT_BYTES } from '../suites/heap.mjs';

const OURS = 'daedalus';

const byName = (pattern) => (c) => pattern.test(`${c.suite}/${c.name}`);

/**
 * kind:
 *   'ratio'  daedalus against the best peer; `need` is the least ratio (oriented: > 1 = better)
 *   'max'    daedalus's own value must be at most `need` (the best peer's is shown beside it)
 *   'min'    daedalus's own value must be at least `need`
 *   'variant' a daedalus variant row (`variant`, its label) against plain daedalus in the same case:
 *            variant / daedalus (oriented likewise) must be at least `need`
 */
const TARGETS = [
  { id: 'noop', target: 'no-op throughput, 1,000 outstanding', find: byName(/^throughput\/noop-windowed-\d+a$/), figure: 'tasksPerSec', kind: 'ratio', need: 3 },
  { id: '1kb', target: '1 KB payload throughput', find: byName(/^throughput\/payload-1kb-cloned$/), figure: 'tasksPerSec', kind: 'ratio', need: 2 },
  { id: '64kb', target: '64 KB cloned payload throughput', find: byName(/^throughput\/payload-64kb-cloned$/), figure: 'tasksPerSec', kind: 'ratio', need: 1 },
  { id: '1mb', target: '1 MB transferred payload throughput', find: byName(/^throughput\/payload-1mb-transferred$/), figure: 'tasksPerSec', kind: 'ratio', need: 1 },
  { id: 'rtt-p50', target: 'idle round trip p50 (default options)', find: byName(/^latency\/idle-round-trip$/), figure: 'p50Us', kind: 'ratio', need: 1 },
  { id: 'rtt-p99', target: 'idle round trip p99 (default options)', find: byName(/^latency\/idle-round-trip$/), figure: 'p99Us', kind: 'ratio', need: 1 },
  { id: 'gap-p99', target: 'idle gap between queued tasks p99 (<= 1/4 of best)', find: byName(/^latency\/idle-gap$/), figure: 'p99Us', kind: 'ratio', need: 4 },
  { id: 'cpu-spin', target: 'CPU-bound: 1 ms spin tasks', find: byName(/^throughput\/cpu-1ms-\d+a$/), figure: 'tasksPerSec', kind: 'ratio', need: 1 },
  { id: 'cpu-deflate', target: 'CPU-bound: zlib deflate of 256 KB text', find: byName(/^throughput\/cpu-deflate-256kb-\d+a$/), figure: 'tasksPerSec', kind: 'ratio', need: 1 },
  { id: 'main-cpu', target: 'main-thread CPU per no-op task (1,000 outstanding)', find: byName(/^throughput\/noop-windowed-\d+a$/), figure: 'mainCpuUsPerTask', kind: 'max', need: 4 },
  { id: 'heap', target: 'heap flat over the long no-op stream', find: byName(/^heap\/heap-/), figure: 'growthKB', kind: 'max', need: FLAT_BYTES / 1_024 },
  { id: 'busy-main', target: 'busy main thread: throughput busy / idle', find: byName(/^busy-main\/busy-main$/), figure: 'relative', kind: 'min', need: 0.9 },
  { id: 'one-role', target: 'no-op throughput, pool of one role vs one agent module (within 5%)', find: byName(/^throughput\/noop-windowed-\d+a$/), figure: 'tasksPerSec', kind: 'variant', variant: 'daedalus one-role', need: 0.95 },
];

/** The case a target reads: with several (e.g. noop-windowed-1a/2a/4a), the one at the run's agent count, else 2 agents. */
function pickCase(results, t) {
  const found = results.cases.filter(t.find);
  if (found.length <= 1) return found[0];
  const agents = results.options.agents ?? 2;
  return found.find((c) => c.params?.agents === agents) ?? found[0];
}

const countOf = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

function fmt(x, digits) {
  if (x === undefined || !Number.isFinite(x)) return '-';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Checks every target against `results`; returns one row per target (JSON-safe). */
export function checkTargets(results) {
  const peerNames = new Set(Object.keys(results.libraries).filter((n) => n !== OURS));
  return TARGETS.map((t) => {
    const c = pickCase(results, t);
    const row = { id: t.id, target: t.target, kind: t.kind, need: t.need, status: 'n/a' };
    if (c === undefined) return { ...row, note: 'case not run (scope)' };
    const figure = c.figures.find((f) => f.key === t.figure);
    row.case = `${c.suite}/${c.name}`;
    row.figure = figure?.label;
    row.unit = figure?.unit;
    row.digits = figure?.digits ?? 2;
    row.params = c.params;
    const ours = figure?.byLibrary[OURS];
    const peers = Object.entries(figure?.byLibrary ?? {}).filter(([name]) => peerNames.has(name));
    if (peers.length > 0) {
      const lower = figure.better === 'lower';
      const [name, s] = peers.reduce((best, p) => ((lower ? p[1].median < best[1].median : p[1].median > best[1].median) ? p : best));
      row.bestPeer = { name, median: s.median };
      row.peers = Object.fromEntries(peers.map(([n, p]) => [n, p.median]));
    }
    if (t.id === 'heap' && c.rounds.length > 0) {
      const r = c.rounds.find((x) => x.library === OURS);
      if (r !== undefined) row.heapMB = Object.fromEntries(r.checkpoints.map((n, k) => [n, r.heapMB[k]]));
    }
    if (ours === undefined) return { ...row, note: c.failures.some((f) => f.library === OURS) ? 'daedalus failed this case' : 'no daedalus figure' };
    row.daedalus = ours.median;
    if (t.kind === 'ratio') {
      if (row.bestPeer === undefined) return { ...row, note: 'no peer figure' };
      row.ratio = figure.better === 'lower' ? row.bestPeer.median / ours.median : ours.median / row.bestPeer.median;
      row.ratioMeaning = figure.better === 'lower' ? 'best peer / daedalus' : 'daedalus / best peer';
      row.status = row.ratio >= t.need ? 'PASS' : 'MISS';
    } else if (t.kind === 'variant') {
      const v = figure.byLibrary[t.variant];
      if (v === undefined) return { ...row, note: `no ${t.variant} figure` };
      row.bestPeer = { name: t.variant, median: v.median };
      row.ratio = figure.better === 'lower' ? ours.median / v.median : v.median / ours.median;
      row.ratioMeaning = `${t.variant} / daedalus`;
      row.status = row.ratio >= t.need ? 'PASS' : 'MISS';
    } else if (t.kind === 'max') {
      row.status = ours.median <= t.need ? 'PASS' : 'MISS';
    } else {
      row.status = ours.median >= t.need ? 'PASS' : 'MISS';
    }
    return row;
  });
}

function unitSuffix(row) {
  if (row.unit === 'us') return ' us';
  if (row.unit === 'KB') return ' KB';
  if (row.unit === 'tasks/s') return ' tasks/s';
  return '';
}

/** The summary block: one line per target with the figures it was judged on. */
export function formatTargets(rows, results) {
  const table = [['', 'target', 'case / figure', 'daedalus', 'best peer', 'measured', 'needed']];
  for (const r of rows) {
    const value = (x) => (x === undefined ? '-' : `${fmt(x, r.digits)}${unitSuffix(r)}`);
    let measured;
    let needed;
    if (r.kind === 'ratio' || r.kind === 'variant') {
      measured = r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`;
      needed = `>= ${r.need.toFixed(2)}x`;
    } else {
      measured = value(r.daedalus);
      needed = `${r.kind === 'max' ? '<=' : '>='} ${fmt(r.need, r.digits)}${unitSuffix(r)}`;
    }
    const where = r.case === undefined ? '-' : `${r.case.replace(/^[^/]+\//, '')} / ${r.figure ?? '?'}`;
    table.push([r.status, r.target, where, value(r.daedalus), r.bestPeer ? `${r.bestPeer.name} ${value(r.bestPeer.median)}` : '-', measured, needed + (r.note ? `  (${r.note})` : '')]);
  }
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const right = new Set([3, 5]);
  const lines = [];
  lines.push('targets (medians across rounds; "measured" for a ratio is daedalus / best peer where higher is better, best peer / daedalus where lower is better: > 1 means daedalus is better)');
  for (const row of table) lines.push(row.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
  for (const r of rows) {
    if (r.heapMB === undefined) continue;
    lines.push(`daedalus main-thread heap after gc (MB) by tasks done: ${Object.entries(r.heapMB).map(([n, mb]) => `${countOf(Number(n))} ${fmt(mb, 2)}`).join(', ')}`);
  }
  const pass = rows.filter((r) => r.status === 'PASS').length;
  const miss = rows.filter((r) => r.status === 'MISS').length;
  lines.push(`${pass} PASS, ${miss} MISS, ${rows.length - pass - miss} not measured${results.options.quick ? ' (QUICK run: figures from small counts, not for claims)' : ''}`);
  return lines.join('\n');
}
