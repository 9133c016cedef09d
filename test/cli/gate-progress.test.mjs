// Progress in a CI log: with stderr piped (not a TTY), `daedalus gate` prints
// a plain line every DAEDALUS_PROGRESS_INTERVAL_MS naming the run, tasks done
// and time, then a closing line, and never the terminal bar's control codes.
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, STEADY_WORKLOAD, runCli, scratchDir } from './run-cli.mjs';

const scratch = scratchDir();
afterAll(() => scratch.remove());
const workload = scratch.write('steady.json', STEADY_WORKLOAD);

describe('daedalus gate progress with stderr piped', () => {
  it('prints plain progress lines at the interval and a last line when the runs are done', async () => {
    const r = await runCli(['gate', '--agent', FIXTURES.steadyAgent, '--workload', workload, '--repeat', '3', '--warmup-ms', '0', '--out', scratch.path('report.json')], {
      env: { DAEDALUS_PROGRESS_INTERVAL_MS: '50' },
    });
    expect(r.code).toBe(0);
    // No carriage return or escape sequence: those are the terminal bar's.
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toContain('\u001b');
    const lines = r.stderr.split('\n').filter(Boolean);
    const progress = lines.slice(0, -1);
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line).toMatch(/^gate: (starting|warm-up|run [1-3]\/3), [\d,]+\/(0|240) tasks, \d+\.\d s$/);
    expect(lines.at(-1)).toMatch(/^gate: done, 3 runs after a warm-up, \d+\.\d s$/);
  });

  it('a progress interval that is not a positive number of milliseconds exits 2 naming the variable', async () => {
    const r = await runCli(['gate', '--out', scratch.path('unused.json')], { env: { DAEDALUS_PROGRESS_INTERVAL_MS: 'soon' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DAEDALUS_PROGRESS_INTERVAL_MS');
    expect(r.stderr).toContain('soon');
  });
});
