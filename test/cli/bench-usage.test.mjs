// `daedalus bench` checks its flags before it loads or runs any suite: a bad
// scope, agent count or unknown flag exits 2 naming it. (The suites themselves
// are the bench helper's; running them does not belong in a unit test.)
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.mjs';

describe('daedalus bench: bad flags exit 2 naming the flag', () => {
  it('an unknown scope', async () => {
    const r = await runCli(['bench', '--scope', 'everything']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--scope');
    expect(r.stderr).toContain('everything');
  });

  it('an agent count that is not a positive integer', async () => {
    for (const bad of ['0', '1.5', 'two']) {
      const r = await runCli(['bench', '--agents', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--agents');
    }
  });

  it('a warm-up that is not a whole number of milliseconds from 0', async () => {
    for (const bad of ['-1', '2.5', 'long']) {
      const r = await runCli(['bench', '--warmup-ms', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--warmup-ms');
    }
  });

  it('an unknown flag', async () => {
    const r = await runCli(['bench', '--rounds', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--rounds');
  });

  it('--quick takes no value', async () => {
    const r = await runCli(['bench', '--quick=yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--quick');
  });
});
