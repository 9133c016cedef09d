// When the agents cannot start (the fixture agent's setup() throws with a code
// of its own), `daedalus gate` exits 1 and still writes its report, with
// ok: false and the failure's stage, code and message, and its summary.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, runCli, scratchDir } from './run-cli.mjs';

const scratch = scratchDir();
afterAll(() => scratch.remove());

describe('daedalus gate when the agents cannot start', () => {
  it("a throwing setup() exits 1 with a report holding ok: false and the failure's code and message", async () => {
    const workload = scratch.write('one-type.json', { tasks: [{ type: 'general' }], count: 10 });
    const out = scratch.path('ci/failed-report.json');
    const stepSummary = scratch.write('step-summary.md', '');
    const r = await runCli(['gate', '--agent', FIXTURES.setupThrowsAgent, '--workload', workload, '--agents', '1', '--repeat', '3', '--out', out], {
      env: { GITHUB_STEP_SUMMARY: stepSummary },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the agents could not start');
    expect(r.stderr).toContain('no database at db.invalid:5432');
    expect(r.stdout).toContain(`report:  ${out}`);

    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.ok).toBe(false);
    expect(report.verdict).toBe('error');
    expect(report.failure.stage).toBe('startup');
    expect(report.failure.code).toBe('ERR_AGENT_INIT');
    expect(report.failure.agentCode).toBe('E_NO_DATABASE');
    expect(report.failure.message).toContain('setup-throws-agent.mjs');
    expect(report.failure.message).toContain('no database at db.invalid:5432');
    // What would have run is on record; no figures, chart or .hgrm pretend otherwise.
    expect(report.fingerprint.agent).toMatch(/setup-throws-agent\.mjs$/);
    expect(report.measurement.repeat).toBe(3);
    expect(report.checks).toEqual([]);
    expect(report.median).toBeNull();
    expect(report.measured).toBeNull();
    expect(report.chart).toBeNull();
    expect(existsSync(scratch.path('ci/failed-report.svg'))).toBe(false);

    const md = readFileSync(stepSummary, 'utf8');
    expect(md).toContain('### daedalus gate: ERROR');
    expect(md).toContain('`ERR_AGENT_INIT`');
    expect(md).toContain('no database at db.invalid:5432');
  });

  it('a failed report cannot serve as a baseline (exit 2)', async () => {
    const workload = scratch.write('one-type-2.json', { tasks: [{ type: 'general' }], count: 10 });
    const out = scratch.path('failed-again.json');
    expect((await runCli(['gate', '--agent', FIXTURES.setupThrowsAgent, '--workload', workload, '--agents', '1', '--out', out])).code).toBe(1);
    const r = await runCli(['gate', '--agent', FIXTURES.setupThrowsAgent, '--workload', workload, '--agents', '1', '--baseline', out, '--out', scratch.path('x.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('holds no measurements');
  });
});
