// The pool's lifecycle lines (attachLogger, no threads): an event's `error` is
// logged under `err`, pino's key, while the event itself keeps `error`.
import { expect, test } from 'vitest';
import { EventBus } from '../../dist/src/bus.js';
import { attachLogger } from '../../dist/src/logging.js';

function recording() {
  const lines = [];
  const line = (level) => (obj, msg) => lines.push({ level, obj, msg });
  return { lines, logger: { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') } };
}

const ref = { taskId: 1, traceId: 't-1', type: 'general' };

test.each([
  ['taskFailed', { ...ref, agentId: 1, attempt: 1, attempts: 1 }],
  ['taskRetried', { ...ref, agentId: 1, attempt: 2, fromAgentId: 1 }],
  ['agentError', { agentId: 1, generation: 1 }],
  ['dependencyDown', { name: 'db' }],
  ['degraded', { consecutiveStartFailures: 3 }],
])('a %s line carries the event error under err, fields first, and no error key', (name, fields) => {
  const bus = new EventBus();
  const { lines, logger } = recording();
  attachLogger(bus, logger);
  const error = Object.assign(new Error('boom', { cause: new Error('root') }), { code: 'E_X' });
  const payload = { ...fields, error };
  const seen = [];
  bus.on(name, (p) => seen.push(p));
  bus.emit(name, payload);
  expect(lines).toHaveLength(1);
  expect(lines[0].obj).toEqual({ event: name, ...fields, err: error });
  expect(lines[0].obj.err).toBe(error);
  expect('error' in lines[0].obj).toBe(false);
  // The event is untouched: its listeners still see `error`.
  expect(seen[0]).toBe(payload);
  expect(seen[0].error).toBe(error);
});

test('an event whose error is undefined logs no err key at all', () => {
  const bus = new EventBus();
  const { lines, logger } = recording();
  attachLogger(bus, logger);
  bus.emit('dependencyDown', { name: 'db', error: undefined });
  bus.emit('degraded', { consecutiveStartFailures: 2, error: undefined });
  expect(lines.map((l) => l.obj)).toEqual([
    { event: 'dependencyDown', name: 'db' },
    { event: 'degraded', consecutiveStartFailures: 2 },
  ]);
});

test('events without an error are logged as before', () => {
  const bus = new EventBus();
  const { lines, logger } = recording();
  attachLogger(bus, logger);
  bus.emit('taskQueued', { ...ref, priority: 5 });
  expect(lines).toEqual([{ level: 'debug', obj: { event: 'taskQueued', ...ref, priority: 5 }, msg: 'task queued' }]);
});
