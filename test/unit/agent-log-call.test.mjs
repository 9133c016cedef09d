// How ctx.log reads its arguments (the agent side, run here without threads):
// pino's call forms, the older (msg, fields) form, and where the message comes from.
import { describe, expect, it } from 'vitest';
import { parseCall } from '../../dist/workers/task-context.js';

const call = (...args) => parseCall(args[0], args.slice(1));

describe('parseCall: pino call forms', () => {
  it('(fields, msg, ...args): the fields, the message formatted with the args', () => {
    expect(call({ rows: 3 }, 'ingested %s', 'users')).toEqual({ fields: { rows: 3 }, msg: 'ingested users' });
  });

  it('(fields) alone: no message', () => {
    expect(call({ rows: 3 })).toEqual({ fields: { rows: 3 }, msg: '' });
  });

  it('(error, msg): the error under err, the message as given', () => {
    const error = new TypeError('x');
    const { fields, msg } = call(error, 'failed');
    expect(fields.err).toBe(error);
    expect(Object.keys(fields)).toEqual(['err']);
    expect(msg).toBe('failed');
    expect(call(error, 'row %d skipped', 7).msg).toBe('row 7 skipped');
  });

  it("(error) alone, or fields with an err and no message: the message is the error's, as in pino", () => {
    const error = new Error('disk full');
    expect(call(error).msg).toBe('disk full');
    expect(call({ err: error, path: '/x' })).toEqual({ fields: { err: error, path: '/x' }, msg: 'disk full' });
  });

  it('(msg, ...args): printf-style, no fields', () => {
    expect(call('%s has %d rows', 'users', 3)).toEqual({ fields: {}, msg: 'users has 3 rows' });
    expect(call('plain')).toEqual({ fields: {}, msg: 'plain' });
  });

  it('a non-string message is turned into text', () => {
    expect(call(42)).toEqual({ fields: {}, msg: '42' });
    expect(call({ a: 1 }, 7)).toEqual({ fields: { a: 1 }, msg: '7' });
  });

  it('null or undefined fields: the next argument is the message', () => {
    expect(call(null, 'm %d', 1)).toEqual({ fields: {}, msg: 'm 1' });
    expect(call(undefined, 'm')).toEqual({ fields: {}, msg: 'm' });
  });

  it('the fields object is copied, not kept', () => {
    const fields = { a: 1 };
    const parsed = call(fields, 'm');
    expect(parsed.fields).not.toBe(fields);
  });
});

describe('parseCall: the older (msg, fields) form', () => {
  it('a message without directives and one object: the object is the fields', () => {
    expect(call('handler line', { step: 'parse' })).toEqual({ fields: { step: 'parse' }, msg: 'handler line' });
  });

  it('an Error in that place is logged under err', () => {
    const error = new Error('boom');
    expect(call('failed', error)).toEqual({ fields: { err: error }, msg: 'failed' });
  });

  it('with a directive in the message the object is a format argument', () => {
    expect(call('got %j', { a: 1 })).toEqual({ fields: {}, msg: 'got {"a":1}' });
    expect(call('100%% of', { a: 1 })).toEqual({ fields: {}, msg: '100% of' });
  });

  it('with more than one argument, or an array, it is the pino form (extra arguments dropped)', () => {
    expect(call('m', { a: 1 }, { b: 2 })).toEqual({ fields: {}, msg: 'm' });
    expect(call('m', [1])).toEqual({ fields: {}, msg: 'm' });
  });
});
