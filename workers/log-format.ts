/**
 * printf-style interpolation for `ctx.log`, the directives pino understands:
 * `%s` text, `%d`/`%f` number, `%i` integer, `%j`/`%o`/`%O` JSON, `%%` a
 * percent sign. Done in the agent, so the main thread receives a finished
 * message and never runs an agent's toString() or toJSON().
 *
 * Like pino: each directive takes the next argument; one with no argument
 * left stays as written; arguments with no directive are dropped; with no
 * arguments at all the template is returned untouched (so `%%` stays `%%`).
 * Unlike pino, formatting never throws: a value that cannot be turned into
 * text becomes a placeholder instead of failing the handler that logged it.
 */

const DIRECTIVE = /%[sdifjoO%]/;

/** The template has a directive (`%s`, `%%`, ...): its arguments are format arguments, not fields. */
export function hasDirective(template: string): boolean {
  return DIRECTIVE.test(template);
}

export function formatMessage(template: string, args: readonly unknown[]): string {
  if (args.length === 0) return template;
  let out = '';
  let next = 0;
  let last = 0;
  for (let i = 0; i < template.length - 1; i++) {
    if (template.charCodeAt(i) !== 37 /* % */) continue;
    const directive = template[i + 1];
    let text: string | undefined;
    if (directive === '%') {
      text = '%';
    } else if (directive !== undefined && 'sdifjoO'.includes(directive) && next < args.length) {
      text = convert(directive, args[next]);
      next++;
    }
    if (text === undefined) continue;
    out += template.slice(last, i) + text;
    last = i + 2;
    i++;
  }
  return out + template.slice(last);
}

function convert(directive: string, value: unknown): string {
  switch (directive) {
    case 's':
      return text(value);
    case 'd':
    case 'f':
      return text(toNumber(value));
    case 'i':
      return text(Math.floor(toNumber(value)));
    default:
      return json(value);
  }
}

function toNumber(value: unknown): number {
  // Number() throws on a symbol and a BigInt beyond 2^53 loses digits; a bigint prints as its own digits via %s anyway.
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'symbol') return Number.NaN;
  try {
    return Number(value);
  } catch {
    return Number.NaN;
  }
}

/** JSON as pino prints it: strings in single quotes, functions by name, cycles as "[Circular]". */
function json(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return value.name || '<anonymous>';
  try {
    const s = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    return s ?? text(value);
  } catch {
    return '"[Circular]"';
  }
}

/** String(value) that cannot throw (a hostile toString, a null-prototype object). */
export function text(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '(a value that cannot be turned into text)';
  }
}
