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

/**
 * The environment a CLI run gets: this process's, without the variables the
 * gate reads (a test run inside a GitHub Actions job must not append to the
 * job's real step summary), plus what the test sets in `env`.
 */
function cliEnv(env) {
  const base = { ...process.env, NO_COLOR: '1' };
  delete base.GITHUB_STEP_SUMMARY;
  delete base.DAEDALUS_PROGRESS_INTERVAL_MS;
  return { ...base, ...env };
}

export function runCli(args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { cwd, timeout: RUN_LIMIT_MS, env: cliEnv(env) }, (error, stdout, stderr) => {
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

/** The fixture agents of these tests (test/cli/fixtures/). */
export const FIXTURES = {
  steadyAgent: fileURLToPath(new URL('./fixtures/steady-agent.mjs', import.meta.url)),
  setupThrowsAgent: fileURLToPath(new URL('./fixtures/setup-throws-agent.mjs', import.meta.url)),
};

/**
 * A workload for the steady agent whose figures the CPU's business barely
 * moves: each task blocks its agent 3 ms without using the CPU, and eight
 * outstanding on two agents keep a queue, so assignment latency is mostly
 * queue wait (about 9 ms) rather than one thread wake-up. 240 tasks: about
 * 0.4 s a run.
 */
export const STEADY_WORKLOAD = Object.freeze({
  name: 'steady',
  agents: 2,
  tasks: [{ type: 'steady', payload: { ms: 3 } }],
  count: 240,
  concurrency: 8,
});

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
