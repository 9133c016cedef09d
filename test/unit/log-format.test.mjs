// ctx.log's printf-style formatter, run on the main thread (no agents): every
// directive pino knows, its edge cases, and that formatting never throws.
import { describe, expect, it } from 'vitest';
import { formatMessage, hasDirective } from '../../dist/workers/log-format.js';

describe('formatMessage: directives', () => {
  it('%s prints the argument as text', () => {
    expect(formatMessage('user %s', ['ada'])).toBe('user ada');
    expect(formatMessage('%s/%s/%s', [1, true, null])).toBe('1/true/null');
    expect(formatMessage('%s', [10n])).toBe('10');
  });

  it('%d and %f print a number, %i its integer part (rounded down, as pino does)', () => {
    expect(formatMessage('%d rows', ['3'])).toBe('3 rows');
    expect(formatMessage('%f s', [1.25])).toBe('1.25 s');
    expect(formatMessage('%i', [2.9])).toBe('2');
    expect(formatMessage('%i', [-2.1])).toBe('-3');
    expect(formatMessage('%d', ['abc'])).toBe('NaN');
    expect(formatMessage('%d', [5n])).toBe('5');
  });

  it('%j, %o and %O print JSON; strings in single quotes, functions by name', () => {
    expect(formatMessage('%j', [{ a: 1, b: [2] }])).toBe('{"a":1,"b":[2]}');
    expect(formatMessage('%o %O', [[1, 2], null])).toBe('[1,2] null');
    expect(formatMessage('%j', ['text'])).toBe("'text'");
    expect(formatMessage('%j', [function parse() {}])).toBe('parse');
    expect(formatMessage('%j', [() => {}])).toBe('<anonymous>');
    expect(formatMessage('%j', [{ big: 2n }])).toBe('{"big":"2"}');
  });

  it('%% is one percent sign and takes no argument', () => {
    expect(formatMessage('%d%% done, %s', [40, 'ok'])).toBe('40% done, ok');
  });

  it('each directive takes the next argument; one with none left stays as written', () => {
    expect(formatMessage('%s and %s', ['a'])).toBe('a and %s');
  });

  it('arguments with no directive left are dropped, as pino does', () => {
    expect(formatMessage('only %s', ['a', 'b', 'c'])).toBe('only a');
  });

  it('with no arguments the template is returned untouched, %% included', () => {
    expect(formatMessage('100%% %s', [])).toBe('100%% %s');
  });

  it('an unknown directive and a trailing % are plain text', () => {
    expect(formatMessage('%x %s %', ['a'])).toBe('%x a %');
  });
});

describe('formatMessage: never throws', () => {
  it('a value whose toString throws, or that has none, prints a placeholder', () => {
    const hostile = { toString() { throw new Error('no'); } };
    expect(formatMessage('%s', [hostile])).toBe('(a value that cannot be turned into text)');
    expect(formatMessage('%s', [Object.create(null)])).toBe('(a value that cannot be turned into text)');
  });

  it('a cycle under %j prints "[Circular]", as pino does', () => {
    const cycle = {};
    cycle.self = cycle;
    expect(formatMessage('%j', [cycle])).toBe('"[Circular]"');
  });

  it('a symbol prints under %s and is NaN under %d', () => {
    expect(formatMessage('%s %d', [Symbol('s'), Symbol('d')])).toBe('Symbol(s) NaN');
  });

  it('undefined under %j prints undefined', () => {
    expect(formatMessage('%j', [undefined])).toBe('undefined');
  });
});

describe('hasDirective', () => {
  it.each([['%s'], ['a %d b'], ['%i'], ['%f'], ['%j'], ['%o'], ['%O'], ['100%%']])('%s has a directive', (t) => {
    expect(hasDirective(t)).toBe(true);
  });

  it.each([['plain'], ['100%'], ['%x'], ['']])('%o has none', (t) => {
    expect(hasDirective(t)).toBe(false);
  });
});
