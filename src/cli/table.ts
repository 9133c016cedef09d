/**
 * Plain-text output: aligned tables and human units (us / ms / s, tasks/s).
 */

/** Left-aligns the first column, right-aligns the rest; a rule under the header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** 0.0123 -> "12 us", 4.5678 -> "4.57 ms", 1234 -> "1.23 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1) return `${trim(ms * 1000)} us`;
  if (ms < 1000) return `${trim(ms)} ms`;
  return `${trim(ms / 1000)} s`;
}

export function formatRate(perSec: number): string {
  return `${Math.round(perSec).toLocaleString('en-US')}/s`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Three significant digits, no trailing zeros. */
function trim(n: number): string {
  if (n === 0) return '0';
  const digits = n >= 100 ? 0 : n >= 10 ? 1 : n >= 1 ? 2 : 3;
  return String(Number(n.toFixed(digits)));
}

/** A check's value in its unit: ms, tasks/s or a task count. */
export function formatValue(value: number, unit: 'ms' | 'tasks/s' | 'tasks'): string {
  return unit === 'ms' ? formatMs(value) : unit === 'tasks/s' ? formatRate(value) : formatCount(value);
}

/** A signed change: +3.2%, -41%, 0%. */
export function formatChangePct(pct: number): string {
  if (!Number.isFinite(pct)) return pct > 0 ? '+inf%' : String(pct);
  const text = trim(Math.abs(pct));
  if (text === '0') return '0%';
  return pct > 0 ? `+${text}%` : `-${text}%`;
}
