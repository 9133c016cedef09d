import { InvalidOptionError } from './errors.js';

/**
 * Refuses option names the pool does not know, so a typo (`sise`, `priorty`)
 * fails loudly instead of silently changing behaviour. The error names the
 * option and, when one is close, what was probably meant.
 */
export function checkKnownKeys(prefix: string, given: object, known: readonly string[]): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    const hint = guess === undefined ? `one of ${known.map((k) => `\`${prefix}${k}\``).join(', ')}` : `a known option (did you mean \`${prefix}${guess}\`?)`;
    throw new InvalidOptionError(`${prefix}${key}`, hint, (given as Record<string, unknown>)[key]);
  }
}

/** The known name nearest to `name` by edit distance, if it is near enough to be a typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
