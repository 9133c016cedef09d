/**
 * Help texts and the version (read from the package's own package.json, which
 * sits three levels above dist/src/cli/ both in a checkout and in an install).
 */
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

export const MAIN_HELP = `daedalus - benchmarks and CI performance gates for daedalus-pool

Usage:
  daedalus gate  [flags]   run a workload on the pool, check thresholds, write a report
  daedalus bench [flags]   run the benchmark suites (peers side by side when installed)
  daedalus --help | -h     this text ('daedalus <command> --help' for a command's flags)
  daedalus --version | -v  the package version

Exit codes: 0 pass, 1 a threshold failed (or the run could not finish), 2 usage error.
`;

export const GATE_HELP = `daedalus gate - fail a build when assignment latency or throughput regresses

Usage:
  daedalus gate [--agent ./my-agent.js] [--workload workload.json] [--agents N]
                [--p99-assignment-ms 500] [--min-throughput N] [--max-failed N]
                [--baseline previous.json [--max-regression 10%]] [--out report.json]

Flags:
  --agent PATH             agent module (default export defineAgent(...)); default: the built-in example agent
  --workload PATH          workload JSON (task mix, count/concurrency or rate/durationMs); default: built-in
  --agents N               agent threads (default: the workload's "agents", else 2)
  --p99-assignment-ms MS   fail if p99 assignment latency (submit to handler start) exceeds MS (default 500)
  --min-throughput N       fail if fewer than N tasks/s complete
  --max-failed N           fail if more than N tasks fail or are rejected (default 0)
  --baseline PATH          a previous report: fail if throughput drops or p99 rises beyond --max-regression
  --max-regression PCT     allowed regression against --baseline, e.g. 10% (default 10%)
  --out PATH               report JSON (default daedalus-gate-report.json); the SVG chart goes beside it
  --help, -h               this text

Exit codes: 0 every check passed, 1 a check failed or the run could not finish, 2 usage error.
`;

export const BENCH_HELP = `daedalus bench - benchmark suites: throughput, latency, busy main thread, faults

Usage:
  daedalus bench [--scope throughput|latency|busy-main|heap|faults|all] [--agents N] [--json out.json] [--quick]

Flags:
  --scope NAME    which suites to run (default all)
  --agents N      agent count for every case (default: each suite's own agent counts)
  --json PATH     where to write the results JSON (default bench/results/bench-<timestamp>.json)
  --quick         short runs for a smoke test; figures are not for publishing
  --help, -h      this text

Runs from a source checkout (bench/run.mjs). Peer comparisons need the peers installed
(npm ci in the checkout); daedalus's own figures are always measured.
`;
