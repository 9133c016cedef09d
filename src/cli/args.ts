/**
 * Command-line flags: a strict parser (unknown flag, missing value or a stray
 * argument is a usage error naming it) and value parsers whose messages say
 * what was expected and what was given. Every usage problem is a UsageError,
 * which main turns into exit code 2.
 */

export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
  /** The flag, file or workload field that is wrong, e.g. `--agents` or `tasks[1].weight`. */
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
    this.field = field;
  }
}

export type FlagType = 'string' | 'boolean';
export type FlagSpec = Readonly<Record<string, { type: FlagType; short?: string }>>;
export type FlagValues = Record<string, string | boolean | undefined>;

/**
 * Parses `--name value`, `--name=value`, boolean `--name` and the declared
 * short forms (`-h`). A flag given twice is an error, not "last one wins":
 * a CI script that sets a threshold twice has a bug worth reporting.
 */
export function parseFlags(argv: readonly string[], spec: FlagSpec, command: string): FlagValues {
  const values: FlagValues = {};
  const byShort = new Map<string, string>();
  for (const [name, def] of Object.entries(spec)) if (def.short !== undefined) byShort.set(def.short, name);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    } else if (/^-[a-zA-Z]$/.test(arg)) {
      name = byShort.get(arg.slice(1));
      if (name === undefined) throw new UsageError(arg, `unknown flag ${arg} for '${command}' (see 'daedalus ${command} --help')`);
    } else {
      throw new UsageError(arg, `unexpected argument '${arg}' for '${command}' (flags start with --; see 'daedalus ${command} --help')`);
    }
    const def = spec[name];
    if (def === undefined) throw new UsageError(`--${name}`, `unknown flag --${name} for '${command}' (see 'daedalus ${command} --help')`);
    if (values[name] !== undefined) throw new UsageError(`--${name}`, `--${name} is given more than once`);
    if (def.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${name}`, `--${name} takes no value, got '${inline}'`);
      values[name] = true;
      continue;
    }
    if (inline !== undefined) {
      values[name] = inline;
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name}`, `--${name} needs a value`);
    values[name] = next;
    i++;
  }
  return values;
}

export function stringFlag(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name}`, `--${name} needs a non-empty value`);
  return v;
}

/** A finite number within [min, max]; `integer` also demands a whole number. */
export function numberFlag(
  values: FlagValues,
  name: string,
  range: { min: number; max: number; integer?: boolean; exclusiveMin?: boolean },
): number | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const kind = range.integer === true ? 'an integer' : 'a number';
  const low = range.exclusiveMin === true ? `above ${range.min}` : `from ${range.min}`;
  const ok =
    raw.trim() !== '' &&
    Number.isFinite(n) &&
    (range.integer !== true || Number.isInteger(n)) &&
    (range.exclusiveMin === true ? n > range.min : n >= range.min) &&
    n <= range.max;
  if (!ok) throw new UsageError(`--${name}`, `--${name}: expected ${kind} ${low} to ${range.max}, got '${raw}'`);
  return n;
}

/** `10%` or `10` (both mean ten percent); returns the percentage. */
export function percentFlag(values: FlagValues, name: string): number | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  const body = raw.endsWith('%') ? raw.slice(0, -1) : raw;
  const n = Number(body);
  if (body.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1000) {
    throw new UsageError(`--${name}`, `--${name}: expected a percentage from 0% to 1000% such as '10%', got '${raw}'`);
  }
  return n;
}

/** One of a fixed set of words. */
export function choiceFlag<T extends string>(values: FlagValues, name: string, choices: readonly T[]): T | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  const found = choices.find((c) => c === raw);
  if (found === undefined) throw new UsageError(`--${name}`, `--${name}: expected one of ${choices.join(', ')}, got '${raw}'`);
  return found;
}

/** `--redis URL [--queue NAME]` (serve, gate): the Redis queue to go through, or undefined without --redis. */
export function redisFlags(values: FlagValues): { url: string; name?: string } | undefined {
  const url = stringFlag(values, 'redis');
  const name = stringFlag(values, 'queue');
  if (url === undefined) {
    if (name !== undefined) throw new UsageError('--queue', '--queue names the Redis queue of --redis: give --redis URL too');
    return undefined;
  }
  if (!/^rediss?:\/\//.test(url)) throw new UsageError('--redis', `--redis: expected a redis:// URL, got ${JSON.stringify(url)}`);
  return name === undefined ? { url } : { url, name };
}
