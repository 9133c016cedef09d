// Usage errors of `daedalus gate` exit 2 with a message naming the flag, file or
// workload field, before any agent starts (so no report is written).
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { SMALL_WORKLOAD, runCli, scratchDir } from './run-cli.mjs';

const scratch = scratchDir();
afterAll(() => scratch.remove());

async function expectUsageError(args, named) {
  const r = await runCli(['gate', ...args], { cwd: scratch.dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(named);
  expect(existsSync(scratch.path('daedalus-gate-report.json'))).toBe(false);
  return r;
}

describe('daedalus gate: bad flags exit 2 naming the flag', () => {
  it('an unknown flag', () => expectUsageError(['--p99', '5'], '--p99'));
  it('a flag without its value', () => expectUsageError(['--out'], '--out'));
  it('a flag given twice', () => expectUsageError(['--agents', '1', '--agents', '2'], '--agents'));
  it('a stray argument', () => expectUsageError(['workload.json'], 'workload.json'));
  it('a threshold that is not a number', () => expectUsageError(['--p99-assignment-ms', 'fast'], '--p99-assignment-ms'));
  it('a zero p99 threshold', () => expectUsageError(['--p99-assignment-ms', '0'], '--p99-assignment-ms'));
  it('an agent count of 0', () => expectUsageError(['--agents', '0'], '--agents'));
  it('a negative minimum throughput', () => expectUsageError(['--min-throughput', '-5'], '--min-throughput'));
  it('a regression that is not a percentage', () => {
    const baseline = scratch.write('baseline.json', { measured: { throughputPerSec: 1, assignmentLatencyMs: { p99: 1 } } });
    return expectUsageError(['--baseline', baseline, '--max-regression', 'ten'], '--max-regression');
  });
  it('--max-regression without --baseline', () => expectUsageError(['--max-regression', '10%'], '--baseline'));
  it('a repeat count of 0', () => expectUsageError(['--repeat', '0'], '--repeat'));
  it('a fractional repeat count', () => expectUsageError(['--repeat', '2.5'], '--repeat'));
  it('--warmup-ms without --repeat', () => expectUsageError(['--warmup-ms', '500'], '--repeat'));
  it('a negative warm-up', () => expectUsageError(['--repeat', '3', '--warmup-ms', '-1'], '--warmup-ms'));
  it('--summary without a path', () => expectUsageError(['--summary'], '--summary'));
});

describe('daedalus gate: missing or unusable files exit 2 naming them', () => {
  it('a missing agent module', async () => {
    const path = scratch.path('no-such-agent.js');
    await expectUsageError(['--agent', path], path);
  });
  it('an agent module given as uncompiled TypeScript', async () => {
    const path = scratch.write('agent.ts', 'export default {};');
    await expectUsageError(['--agent', path], path);
  });
  it('a missing workload file', async () => {
    const path = scratch.path('no-such-workload.json');
    await expectUsageError(['--workload', path], path);
  });
  it('a workload that is not JSON', async () => {
    const path = scratch.write('broken.json', '{ "tasks": [');
    await expectUsageError(['--workload', path], path);
  });
  it('a missing baseline', async () => {
    const path = scratch.path('no-such-baseline.json');
    await expectUsageError(['--baseline', path], path);
  });
  it('a baseline that is not a gate report (no fingerprint)', async () => {
    const path = scratch.write('not-a-report.json', { measured: { throughputPerSec: 10 } });
    const r = await expectUsageError(['--baseline', path], path);
    expect(r.stderr).toContain('no workload fingerprint');
  });
});

describe('daedalus gate: a bad workload exits 2 naming the field', () => {
  const cases = [
    ['a negative weight', { ...SMALL_WORKLOAD, tasks: [{ type: 'general', weight: -1 }] }, 'tasks[0].weight'],
    ['a task without a type', { ...SMALL_WORKLOAD, tasks: [{ type: 'general' }, { weight: 2 }] }, 'tasks[1].type'],
    ['a priority out of range', { ...SMALL_WORKLOAD, tasks: [{ type: 'general', priority: 11 }] }, 'tasks[0].priority'],
    ['an empty task mix', { ...SMALL_WORKLOAD, tasks: [] }, 'tasks'],
    ['a misspelt field', { ...SMALL_WORKLOAD, concurency: 5 }, 'concurency'],
    ['a fractional count', { ...SMALL_WORKLOAD, count: 2.5 }, 'count'],
    ['no schedule', { tasks: SMALL_WORKLOAD.tasks }, 'count'],
    ['both schedules', { ...SMALL_WORKLOAD, rate: 10, durationMs: 100 }, 'count'],
    ['a rate without a duration', { tasks: SMALL_WORKLOAD.tasks, rate: 100 }, 'durationMs'],
    ['an agent count out of range', { ...SMALL_WORKLOAD, agents: 0 }, 'agents'],
    ['not an object', [1, 2, 3], 'object'],
  ];
  cases.forEach(([title, workload, field], i) => {
    it(title, async () => {
      const path = scratch.write(`bad-workload-${i}.json`, workload);
      await expectUsageError(['--workload', path], field);
    });
  });
});
