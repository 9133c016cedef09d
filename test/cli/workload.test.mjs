// The workload loader without a process: validation errors carry code ERR_USAGE
// and the field they are about; defaults; the weighted interleaving of types.
import { describe, expect, it } from 'vitest';
import { builtinWorkload, parseWorkload, plannedTasks, weightedPicker } from '../../dist/src/cli/workload.js';

function fieldOf(raw) {
  try {
    parseWorkload(raw, 'test.json', 'test');
  } catch (error) {
    expect(error.code).toBe('ERR_USAGE');
    return error.field;
  }
  throw new Error('parseWorkload accepted an invalid workload');
}

describe('workload validation', () => {
  it('fills the defaults of a minimal count workload', () => {
    const w = parseWorkload({ tasks: [{ type: 'general' }], count: 500 }, 'test.json', 'test');
    expect(w.name).toBe('test');
    expect(w.tasks).toEqual([{ type: 'general', weight: 1, payload: null, priority: undefined, timeoutMs: undefined }]);
    expect(w.schedule).toEqual({ kind: 'count', count: 500, concurrency: 100 });
    expect(w.agents).toBeUndefined();
  });

  it('concurrency defaults to the count when the count is small', () => {
    expect(parseWorkload({ tasks: [{ type: 'general' }], count: 7 }, 'x', 'x').schedule).toEqual({ kind: 'count', count: 7, concurrency: 7 });
  });

  it('names the offending field', () => {
    expect(fieldOf({ tasks: [{ type: 'a' }, { type: 'b', weight: 0 }], count: 1 })).toBe('tasks[1].weight');
    expect(fieldOf({ tasks: [{ type: 'a', timeoutMs: -1 }], count: 1 })).toBe('tasks[0].timeoutMs');
    expect(fieldOf({ tasks: [{ type: 'a', colour: 'red' }], count: 1 })).toBe('tasks[0].colour');
    expect(fieldOf({ tasks: [{ type: 'a' }], count: 1, queueCapacity: 0 })).toBe('queueCapacity');
    expect(fieldOf({ tasks: [{ type: 'a' }], rate: 10, durationMs: 0 })).toBe('durationMs');
    expect(fieldOf({ tasks: [{ type: 'a' }], rate: 0, durationMs: 10 })).toBe('rate');
    expect(fieldOf({ tasks: [{ type: 'a' }], rate: 10, durationMs: 10, concurrency: 3 })).toBe('concurrency');
    expect(fieldOf({ tasks: 'general', count: 1 })).toBe('tasks');
    expect(fieldOf({ tasks: [{ type: 'a' }], count: 1, name: '' })).toBe('name');
  });

  it('plans count tasks, or rate x duration tasks', () => {
    expect(plannedTasks({ kind: 'count', count: 42, concurrency: 1 })).toBe(42);
    expect(plannedTasks({ kind: 'rate', ratePerSec: 250, durationMs: 2000 })).toBe(500);
    expect(plannedTasks({ kind: 'rate', ratePerSec: 1, durationMs: 10 })).toBe(1);
  });

  it('the built-in workload is valid', () => {
    const w = builtinWorkload();
    expect(w.name).toBe('builtin');
    expect(w.schedule.kind).toBe('count');
  });
});

describe('weightedPicker', () => {
  it('gives each type its weight share in every full cycle, interleaved', () => {
    const tasks = [
      { type: 'a', weight: 5 },
      { type: 'b', weight: 3 },
      { type: 'c', weight: 2 },
    ];
    const pick = weightedPicker(tasks);
    const cycle = Array.from({ length: 10 }, () => pick().type);
    expect(cycle.filter((t) => t === 'a')).toHaveLength(5);
    expect(cycle.filter((t) => t === 'b')).toHaveLength(3);
    expect(cycle.filter((t) => t === 'c')).toHaveLength(2);
    // Smooth: never the heaviest type five times in a row.
    expect(cycle.join('')).not.toContain('aaaaa');
    // Deterministic: the next cycle repeats the first.
    expect(Array.from({ length: 10 }, () => pick().type)).toEqual(cycle);
  });
});
