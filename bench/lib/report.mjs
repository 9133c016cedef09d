// The printable table: one row per case, figure and library, median (min-max) across rounds,
// and the ratio to daedalus with the side it favours spelled out.
import { errorLine } from './guard.mjs';
import { formatTargets } from './targets.mjs';

const OURS = 'daedalus';
/** Ratios within this much of 1 are called even. */
const EVEN = 0.02;

function number(x, digits) {
  if (x === undefined || !Number.isFinite(x)) return '-';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratioCells(figure, label) {
  const ours = figure.byLibrary[OURS];
  const theirs = figure.byLibrary[label];
  if (label === OURS || ours === undefined || theirs === undefined || figure.better === 'none') return ['', ''];
  // A ratio says nothing when a value is zero or negative (e.g. heap growth that shrank).
  if (ours.median <= 0 || theirs.median <= 0 || !Number.isFinite(ours.median / theirs.median)) return ['-', ''];
  const ratio = ours.median / theirs.median;
  let favours = '~ even';
  if (Math.abs(ratio - 1) > EVEN) favours = (ratio > 1) === (figure.better === 'higher') ? OURS : label;
  return [`${ratio.toFixed(2)}x`, favours];
}

function render(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.filter((r) => r.length > 1).map((r) => r[c].length)));
  const numeric = new Set([3, 4]);
  return rows.map((r) => (r.length === 1 ? r[0] : r.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd()));
}

export function formatTable(results) {
  const m = results.machine;
  const lines = [];
  lines.push(`daedalus-pool peer benchmark${results.options.quick ? ' (QUICK run: small task counts, for a smoke check, not for claims)' : ''}`);
  lines.push(`node ${m.node}, ${m.cpuModel} x ${m.cpuCount}, load ${m.loadAvg['1m'].toFixed(2)} before / ${results.loadAvgAfter1m.toFixed(2)} after, commit ${m.commit ? m.commit.slice(0, 10) + (m.dirty ? ' (dirty)' : '') : 'none'}, ${results.startedAt}`);
  lines.push(`libraries: ${Object.entries(results.libraries).map(([n, v]) => `${n} ${v ?? '?'}`).join(', ')}${results.skipped.length ? `; skipped: ${results.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}` : ''}`);
  const warmupMs = results.options.warmupMs ?? 0;
  const warmup = warmupMs > 0 ? `, each warmed up untimed for at least ${warmupMs} ms` : ', warm-up by task count only';
  lines.push(`${results.options.rounds} round(s) per case, a fresh pool per library per round${warmup}, library order rotated every round; ${results.totalSec.toFixed(0)} s in all`);
  lines.push('');
  const rows = [['case', 'figure', 'library', 'median (min-max)', 'vs daedalus', 'favours']];
  for (const c of results.cases) {
    rows.push(['-'.repeat(4)]);
    for (const figure of c.figures) {
      if (figure.table === false) continue; // in the JSON only
      for (const label of c.libraries) {
        if (figure.only !== undefined && !figure.only.includes(label)) continue;
        const s = figure.byLibrary[label];
        const failed = c.failures.filter((f) => f.library === label);
        let cell;
        if (s !== undefined && s.values.length === 1) cell = number(s.median, figure.digits);
        else if (s !== undefined) cell = `${number(s.median, figure.digits)} (${number(s.min, figure.digits)}-${number(s.max, figure.digits)})`;
        else if (failed.length > 0) cell = 'failed';
        else continue; // a figure this library has no value for (e.g. restart time of a peer)
        rows.push([`${c.suite}/${c.name}`, figure.label, label, cell, ...ratioCells(figure, label)]);
      }
    }
    for (const f of c.failures) rows.push([`  ! ${c.name} ${f.library} round ${f.round}, ${f.phase}: ${errorLine(f.error)}`]);
    for (const n of c.notes) rows.push([`  note: ${n}`]);
  }
  const rendered = render(rows).map((l) => (l === '----' ? '' : l));
  lines.push(...rendered);
  lines.push('');
  lines.push('vs daedalus = daedalus median / this row\'s median (so > 1 means daedalus is higher); "favours" names the better side');
  lines.push(`for that figure (higher tasks/s, lower latency), "~ even" within ${EVEN * 100}%. Medians and min-max are across rounds${results.options.rounds === 1 ? ' (one round here: a single value)' : ''}.`);
  for (const note of results.libraryNotes) lines.push(`note: ${note}`);
  if (results.abandonedPools.length > 0) lines.push(`WARNING: ${results.abandonedPools.length} pool(s) would not shut down and were abandoned: ${results.abandonedPools.join('; ')}`);
  if (results.loadAvgAfter1m > m.cpuCount * 0.5 || m.loadAvg['1m'] > m.cpuCount * 0.5) lines.push('WARNING: the machine was loaded (see load above): other processes competed for the cores');
  if (results.mainThreadCpuSource !== undefined) lines.push(`main-thread CPU/task: the main thread's own CPU time (${results.mainThreadCpuSource}) over the timed batches / tasks; ELU: performance.eventLoopUtilization() over the same batches`);
  if (results.targets !== undefined) {
    lines.push('');
    lines.push(formatTargets(results.targets, results));
    lines.push('');
  }
  lines.push(`results: ${results.jsonPath}${results.charts.length ? ` (+ ${results.charts.length} benny files beside it)` : ''}`);
  return lines.join('\n');
}
