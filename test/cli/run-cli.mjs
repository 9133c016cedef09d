// Shared harness of the CLI tests: spawn the built CLI (`node dist/src/cli/main.js ...`)
// and resolve with its exit code and output, whatever the code. A scratch
// directory per test file holds workloads, agents and reports.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
export const AGENT_API_URL = new URL('../../dist/workers/agent.js', import.meta.url).href;

/** Bounds a broken run only; a gate run in these tests takes a second or two. */
const RUN_LIMIT_MS = 60_000;

export function runCli(args, { cwd } = {}) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { cwd, timeout: RUN_LIMIT_MS, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`could not run the CLI (${error.code ?? error.signal}): ${stderr}`, { cause: error }));
        return;
      }
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

export function scratchDir() {
  const dir = mkdtempSync(join(os.tmpdir(), 'daedalus-cli-test-'));
  return {
    dir,
    /** Writes `content` (an object becomes JSON) to dir/name; returns the path. */
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    },
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A short closed-loop workload on the built-in agent's types. */
export const SMALL_WORKLOAD = Object.freeze({
  name: 'small',
  tasks: [
    { type: 'general', weight: 2, payload: { message: 'hi' } },
    { type: 'research', weight: 1, payload: { limit: 500 } },
  ],
  count: 300,
  concurrency: 16,
});
