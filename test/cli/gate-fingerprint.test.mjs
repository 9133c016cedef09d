// The workload fingerprint: every report carries one, and --baseline refuses
// (exit 2, before any agent starts, no report written) a baseline of another
// workload, agent module or agent count, or one without a fingerprint, naming
// what differs. Labels (the workload's name) and equivalent weights do not count.
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeFingerprint, normaliseWorkload } from '../../dist/src/cli/fingerprint.js';
import { parseWorkload } from '../../dist/src/cli/workload.js';
import { FIXTURES, SMALL_WORKLOAD, runCli, scratchDir } from './run-cli.mjs';

const scratch = scratchDir();
afterAll(() => scratch.remove());
const workload = scratch.write('small.json', SMALL_WORKLOAD);
const baseline = scratch.path('baseline.json');

beforeAll(async () => {
  const r = await runCli(['gate', '--workload', workload, '--out', baseline], { cwd: scratch.dir });
  expect(r.code).toBe(0);
});

async function expectRefusal(args, ...named) {
  const out = scratch.path('refused.json');
  const r = await runCli(['gate', ...args, '--baseline', baseline, '--out', out], { cwd: scratch.dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('refusing to compare');
  for (const text of named) expect(r.stderr).toContain(text);
  // Refused before running: nothing measured, nothing written.
  expect(r.stdout).toBe('');
  expect(existsSync(out)).toBe(false);
  return r;
}

describe('the report records a workload fingerprint', () => {
  it('with its parts: workload hash, agent identity, agent count and the agent file hash', () => {
    const report = JSON.parse(readFileSync(baseline, 'utf8'));
    const fp = report.fingerprint;
    expect(fp.version).toBe(1);
    expect(fp.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(fp.workload).toMatch(/^[0-9a-f]{16}$/);
    expect(fp.agent).toBe('builtin');
    expect(fp.agents).toBe(2);
    expect(fp.agentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fp.normalisedWorkload.schedule).toEqual({ kind: 'count', count: 300, concurrency: 16 });
  });

  it('ignores the workload name and the scale of the weights, and keeps payloads and schedule', () => {
    const agentUrl = pathToFileURL(FIXTURES.steadyAgent);
    const fingerprint = (raw) => computeFingerprint({ workload: parseWorkload(raw, 'x', 'x'), agentUrl, builtinAgent: false, agents: 2, cwd: scratch.dir });
    const base = fingerprint(SMALL_WORKLOAD);
    const renamed = fingerprint({ ...SMALL_WORKLOAD, name: 'another name', description: 'relabelled' });
    const doubled = fingerprint({ ...SMALL_WORKLOAD, tasks: SMALL_WORKLOAD.tasks.map((t) => ({ ...t, weight: t.weight * 2 })) });
    const heavier = fingerprint({ ...SMALL_WORKLOAD, tasks: [{ ...SMALL_WORKLOAD.tasks[0] }, { ...SMALL_WORKLOAD.tasks[1], payload: { limit: 5000 } }] });
    const longer = fingerprint({ ...SMALL_WORKLOAD, count: 301 });
    expect(renamed.hash).toBe(base.hash);
    expect(doubled.hash).toBe(base.hash);
    expect(heavier.workload).not.toBe(base.workload);
    expect(longer.workload).not.toBe(base.workload);
    // A task without a priority runs at the pool's default, 5: the same workload.
    const explicit = normaliseWorkload(parseWorkload({ ...SMALL_WORKLOAD, tasks: SMALL_WORKLOAD.tasks.map((t) => ({ ...t, priority: 5 })) }, 'x', 'x'));
    expect(explicit).toEqual(normaliseWorkload(parseWorkload(SMALL_WORKLOAD, 'x', 'x')));
  });
});

describe('--baseline refuses a report of another setup (exit 2) naming what differs', () => {
  it('a baseline from another workload names the workload and the field', async () => {
    const other = scratch.write('other.json', { ...SMALL_WORKLOAD, count: 200 });
    const r = await expectRefusal(['--workload', other], 'workload differs', 'schedule');
    expect(r.stderr).not.toContain('agents count differs');
  });

  it('another agent count names the agents count', async () => {
    await expectRefusal(['--workload', workload, '--agents', '1'], 'agents count differs', '2 in the baseline, 1 now');
  });

  it('another agent module names the agent module', async () => {
    await expectRefusal(['--workload', workload, '--agent', FIXTURES.steadyAgent], 'agent module differs', 'builtin in the baseline');
  });

  it('a baseline without a fingerprint', async () => {
    const report = JSON.parse(readFileSync(baseline, 'utf8'));
    delete report.fingerprint;
    const path = scratch.write('no-fingerprint.json', report);
    const out = scratch.path('refused.json');
    const r = await runCli(['gate', '--workload', workload, '--baseline', path, '--out', out], { cwd: scratch.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no workload fingerprint');
    expect(existsSync(out)).toBe(false);
  });

  it('the same workload under another name is accepted', async () => {
    const renamed = scratch.write('renamed.json', { ...SMALL_WORKLOAD, name: 'small-renamed' });
    const r = await runCli(['gate', '--workload', renamed, '--baseline', baseline, '--max-regression', '1000%', '--out', scratch.path('renamed-report.json')], {
      cwd: scratch.dir,
    });
    expect(r.code).toBe(0);
  });
});
