// The Markdown summary: written to --summary FILE, and appended to the file
// $GITHUB_STEP_SUMMARY names (what GitHub Actions shows on the job page),
// with the verdict table, the medians and the deltas against a baseline.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL_WORKLOAD, runCli, scratchDir } from './run-cli.mjs';

const scratch = scratchDir();
afterAll(() => scratch.remove());
const workload = scratch.write('small.json', SMALL_WORKLOAD);
const baseline = scratch.path('baseline.json');

beforeAll(async () => {
  expect((await runCli(['gate', '--workload', workload, '--repeat', '3', '--warmup-ms', '0', '--out', baseline])).code).toBe(0);
});

describe('daedalus gate Markdown summary', () => {
  it('--summary FILE gets the verdict table, the medians and the deltas against the baseline', async () => {
    const summary = scratch.path('out/summary.md');
    const r = await runCli([
      'gate', '--workload', workload, '--repeat', '3', '--warmup-ms', '0', '--baseline', baseline, '--max-regression', '1000%',
      '--out', scratch.path('report.json'), '--summary', summary,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`summary: ${summary}`);
    const md = readFileSync(summary, 'utf8');
    const report = JSON.parse(readFileSync(scratch.path('report.json'), 'utf8'));
    expect(md).toMatch(/^### daedalus gate: PASS\n/);
    expect(md).toContain(`Fingerprint \`${report.fingerprint.hash}\``);
    expect(md).toContain('| check | threshold | measured | baseline | change | allowed | result |');
    expect(md).toMatch(/\| throughput vs baseline \| >= [\d,.]+\/s \| [\d,.]+\/s \| [\d,.]+\/s \| [+-]?[\d.]+% \| -\d+%/);
    expect(md).toMatch(/\| p99 assignment vs baseline \| <= /);
    expect(md).toContain('**Medians** (median of 3 runs)');
    expect(md).toContain(`**Baseline** \`${baseline}\``);
    expect(md).toContain('<details><summary>Runs</summary>');
    // A well-formed table: every row has the header's number of cells.
    const rows = md.split('\n').filter((line) => line.startsWith('| check') || line.startsWith('| throughput') || line.startsWith('| p99') || line.startsWith('| failed'));
    for (const row of rows) expect(row.split(' | ')).toHaveLength(7);
  });

  it('appends to the file $GITHUB_STEP_SUMMARY names, keeping what earlier steps wrote', async () => {
    const stepSummary = scratch.write('step-summary.md', '## Earlier step\n\nsome text\n');
    const r = await runCli(['gate', '--workload', workload, '--out', scratch.path('step-report.json')], { env: { GITHUB_STEP_SUMMARY: stepSummary } });
    expect(r.code).toBe(0);
    const md = readFileSync(stepSummary, 'utf8');
    expect(md.startsWith('## Earlier step\n\nsome text\n')).toBe(true);
    expect(md).toContain('### daedalus gate: PASS');
    expect(md).toContain('| check | threshold | measured | result |');
    expect(md).toContain('**Medians** (one run)');
    // A second gate in the same job adds its own section after the first.
    expect((await runCli(['gate', '--workload', workload, '--out', scratch.path('step-report-2.json')], { env: { GITHUB_STEP_SUMMARY: stepSummary } })).code).toBe(0);
    expect(readFileSync(stepSummary, 'utf8').match(/### daedalus gate: PASS/g)).toHaveLength(2);
  });
});
