// What the figures were measured on: stamped into every results file.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const ROOT = new URL('../../', import.meta.url);

function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined; // no git, or not a checkout: the stamp says so
  }
}

export function packageVersion(name) {
  try {
    const path = name === undefined ? 'package.json' : `node_modules/${name}/package.json`;
    return JSON.parse(readFileSync(new URL(path, ROOT), 'utf8')).version;
  } catch {
    return undefined;
  }
}

export function machineStamp() {
  const commit = git(['rev-parse', 'HEAD']);
  const dirty = commit === undefined ? null : (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
  const cpus = os.cpus();
  const [load1, load5, load15] = os.loadavg();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemBytes: os.totalmem(),
    loadAvg: { '1m': load1, '5m': load5, '15m': load15 },
    gitCommit: commit ?? null,
    gitDirty: dirty,
    daedalusVersion: packageVersion() ?? null,
  };
}

export function loadAverage1m() {
  return os.loadavg()[0];
}
