// `daedalus --help`, `--version`, per-command help, and the usage errors of the
// top level: no command, an unknown command, an unknown flag (exit 2, named).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.mjs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('daedalus --help and --version', () => {
  it('--version prints the package version and exits 0', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  it('--help lists both commands and exits 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('daedalus gate');
      expect(r.stdout).toContain('daedalus bench');
    }
  });

  it('each command has its own --help listing its flags', async () => {
    const gate = await runCli(['gate', '--help']);
    expect(gate.code).toBe(0);
    for (const flag of ['--agent', '--workload', '--repeat', '--warmup-ms', '--p99-assignment-ms', '--min-throughput', '--baseline', '--max-regression', '--out', '--summary']) {
      expect(gate.stdout).toContain(flag);
    }
    // The rules a CI author needs without reading the README.
    for (const rule of ['median', 'fingerprint', 'noise', 'GITHUB_STEP_SUMMARY', 'DAEDALUS_PROGRESS_INTERVAL_MS', '.hgrm', 'ok: false']) expect(gate.stdout).toContain(rule);
    const bench = await runCli(['bench', '-h']);
    expect(bench.code).toBe(0);
    for (const flag of ['--scope', '--agents', '--json', '--quick', '--warmup-ms']) expect(bench.stdout).toContain(flag);
  });

  it('no command is a usage error (exit 2)', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('daedalus gate');
  });

  it('an unknown command exits 2 naming it', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('frobnicate');
    expect(r.stdout).toBe('');
  });

  it('an unknown top-level flag exits 2 naming it', async () => {
    const r = await runCli(['--verbose']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--verbose');
  });
});
