/**
 * What a measurement was taken on, stamped into every gate report and bench
 * results file: figures from different machines (or commits) must not be compared.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineStamp {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  osRelease: string;
  cpuModel: string;
  cpuCount: number;
  availableParallelism: number;
  totalMemoryBytes: number;
  /** os.loadavg() when the stamp was taken: a busy machine explains odd figures. */
  loadAvg: { '1m': number; '5m': number; '15m': number };
  /** `git rev-parse HEAD` in `cwd`, when it is a git checkout. */
  commit: string | undefined;
  /** Tracked files differ from `commit`; undefined without git. */
  dirty: boolean | undefined;
}

function git(args: string[], cwd: string | undefined): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
  } catch {
    return undefined; // no git, or not a checkout: the stamp says so
  }
}

export function machineStamp(cwd?: string): MachineStamp {
  const cpus = os.cpus();
  const [load1 = 0, load5 = 0, load15 = 0] = os.loadavg();
  const head = git(['rev-parse', 'HEAD'], cwd);
  const commit = head !== undefined && /^[0-9a-f]{40}$/.test(head) ? head : undefined;
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    osRelease: os.release(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    loadAvg: { '1m': load1, '5m': load5, '15m': load15 },
    commit,
    dirty: commit === undefined ? undefined : (git(['status', '--porcelain', '--untracked-files=no'], cwd) ?? '') !== '',
  };
}
