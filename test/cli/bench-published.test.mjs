// `daedalus bench` in the published package: the package ships only what
// package.json's `files` lists (no bench/), so the command must say to run it
// from a source checkout and exit 2, not crash on a missing module. The test
// lays out exactly those files, plus the dependencies, in a scratch directory.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from './run-cli.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const scratch = scratchDir();
afterAll(() => scratch.remove());

beforeAll(() => {
  for (const entry of [...pkg.files, 'package.json']) cpSync(join(root, entry), join(scratch.dir, entry), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(scratch.dir, 'node_modules'), 'dir');
});

function runInstalled(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(scratch.dir, pkg.bin.daedalus), ...args], { cwd: scratch.dir, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

describe('daedalus bench from the published files', () => {
  it('the published files hold no bench/ (what this test is about)', () => {
    expect(existsSync(join(scratch.dir, 'bench'))).toBe(false);
    expect(existsSync(join(scratch.dir, pkg.bin.daedalus))).toBe(true);
  });

  it('exits 2 saying to run it from a source checkout', async () => {
    const r = await runInstalled(['bench', '--quick']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bench/run.mjs');
    expect(r.stderr).toContain('run it from a source checkout');
    expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|at .*\.js:\d+/);
  });

  it('its --help still works, and says where it runs', async () => {
    const r = await runInstalled(['bench', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('source checkout');
  });

  it('daedalus gate works from the same files', async () => {
    const r = await runInstalled(['gate', '--out', join(scratch.dir, 'report.json')]);
    expect(r.code).toBe(0);
  });
});
