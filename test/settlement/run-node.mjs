/**
 * Runs a settlement child script under `node` and collects what it said. A
 * child reports by printing one line `RESULT <json>`; `result` is the last such
 * line parsed, or undefined if it never printed one (it died, or hung until the
 * timeout killed it: then `signal` is set).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function runNode(script, args = [], timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(script), ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = stdout.split('\n').filter((l) => l.startsWith('RESULT '));
      const result = lines.length > 0 ? JSON.parse(lines[lines.length - 1].slice('RESULT '.length)) : undefined;
      resolve({ code, signal, stdout, stderr, result, results: lines.map((l) => JSON.parse(l.slice('RESULT '.length))) });
    });
  });
}

/** A short account of a child run, for assertion messages. */
export function describeRun(run) {
  return `exit code ${run.code}, signal ${run.signal}; stdout: ${run.stdout.slice(-1_500)}; stderr: ${run.stderr.slice(-1_500)}`;
}
