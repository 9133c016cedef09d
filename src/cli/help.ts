/**
 * Help texts and the version (read from the package's own package.json, which
 * sits three levels above dist/src/cli/ both in a checkout and in an install).
 */
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

export const MAIN_HELP = `daedalus - benchmarks, CI performance gates and the HTTP service of daedalus-pool

Usage:
  daedalus gate  [flags]   run a workload on the pool, check thresholds, write a report
  daedalus bench [flags]   run the benchmark suites (from a source checkout; peers side by side when installed)
  daedalus serve [flags]   host a pool behind the HTTP API (--agent FILE or --config FILE)
  daedalus status|agents|queue|bottlenecks|metrics|events|stop [--url URL]
                           views of a running server
  daedalus --help | -h     this text ('daedalus <command> --help' for a command's flags)
  daedalus --version | -v  the package version

Exit codes: 0 pass, 1 a threshold failed (or the run could not finish), 2 usage error.
`;

export const GATE_HELP = `daedalus gate - fail a build when assignment latency or throughput regresses

Usage:
  daedalus gate [--agent ./my-agent.js] [--workload workload.json] [--agents N]
                [--repeat N [--warmup-ms 2000]]
                [--p99-assignment-ms 500] [--min-throughput N] [--max-failed N]
                [--baseline previous.json [--max-regression 10%]]
                [--out report.json] [--summary summary.md]
                [--redis redis://host:6379 [--queue NAME]]

Flags:
  --agent PATH             agent module (default export defineAgent(...)); default: the built-in example agent
  --workload PATH          workload JSON (task mix, count/concurrency or rate/durationMs); default: built-in
  --agents N               agent threads (default: the workload's "agents", else 2)
  --repeat N               a warm-up (not counted), then N measured runs on the same agents; every check
                           reads the medians of the N runs (throughput, p99). Without --repeat: one cold
                           run and no warm-up, as before; --repeat 1 is a warm-up plus one run
  --warmup-ms MS           the warm-up runs the workload once, then again until MS have passed (default 2000;
                           0 = one pass); needs --repeat
  --p99-assignment-ms MS   fail if p99 assignment latency (submit to handler start) exceeds MS (default 500)
  --min-throughput N       fail if fewer than N tasks/s complete
  --max-failed N           fail if more than N tasks fail or are rejected (default 0, over all measured runs)
  --baseline PATH          a previous report: fail if throughput drops or p99 rises beyond the allowance
  --max-regression PCT     allowed regression against --baseline, e.g. 10% (default 10%)
  --out PATH               report JSON (default daedalus-gate-report.json); beside it the SVG chart (.svg)
                           and assignment latency's HdrHistogram percentile distribution (.hgrm, in ms)
  --summary PATH           also write a Markdown summary there (verdict, medians, baseline deltas)
  --redis URL              submit through this Redis queue (daedalus-pool/redis), which the gate's pool
                           consumes: admission and results cross Redis; the checks are the same
  --queue NAME             the Redis queue's name (default daedalus-gate-<pid>)
  --help, -h               this text

Baseline comparison:
  The baseline must be a report of the same workload fingerprint: the normalised workload (task mix,
  payloads, schedule, queue capacity; not its name), the agent module (builtin, or its path relative to
  the working directory) and the agent count. Otherwise, or if it has no fingerprint, the gate refuses
  with exit code 2 before running, naming what differs. A change in the agent file's contents is noted,
  not refused: that is what a gate measures.
  A figure regresses only when its median is worse than the baseline's median by more than both
  --max-regression and the run-to-run noise: the wider range (slowest to fastest run, in the figure's
  unit) of the two reports' runs; p99 must also rise by more than 1 ms. The table shows the allowance applied;
  a note says when noise made it wider than --max-regression. With one run per report there is no
  spread to read, and the allowance is --max-regression alone.
  On Linux each run records the CPU other processes used. If their median share was 50% or more in
  either report, or the two are 25 points or more apart, the baseline checks are inconclusive: they do
  not fail the gate, and a note says why. The absolute checks always apply.

Output:
  stdout: runs, per-type table, verdict table, file paths. stderr on a terminal: a progress bar; in a
  log or pipe: a plain progress line every 5 s (DAEDALUS_PROGRESS_INTERVAL_MS to change it).
  With $GITHUB_STEP_SUMMARY set, the Markdown summary is appended to that file too.
  If the agents cannot start (the module or its setup() throws), the report is still written, with
  ok: false and the failure's code and message, and the gate exits 1.

Exit codes: 0 every check passed, 1 a check failed or the run could not start or finish,
2 usage error (including a baseline of another workload fingerprint).
`;

export const SERVE_HELP = `daedalus serve - one pool behind the HTTP API

Usage:
  daedalus serve (--agent ./agent.js [--size N] | --config pool.json)
                 [--host 127.0.0.1] [--port 7070] [--token T]
                 [--shutdown-timeout 30000] [--body-limit 1048576]
                 [--redis redis://host:6379 [--queue NAME]]

Flags:
  --agent FILE            the agent module (a pool of one role)
  --size N                agents at start with --agent (default 4)
  --config FILE           pool options as JSON (roles included); module paths relative to the file
  --host ADDR             address to bind (default 127.0.0.1; any other needs --token)
  --port N                port (default 7070; 0 picks a free one)
  --token T               every route but /health needs Authorization: Bearer T
  --shutdown-timeout MS   how long a drain may take before what is left is cancelled (default 30000)
  --body-limit BYTES      largest request body; larger is a 413 (default 1048576)
  --redis URL             also run the jobs of this Redis queue (daedalus-pool/redis) on the pool
  --queue NAME            the Redis queue's name (default daedalus)

SIGTERM, SIGINT, 'daedalus stop' and DELETE /pool drain: accepted tasks finish, new ones get 503;
a second signal or 'daedalus stop --force' stops at once. The last line says how many were cancelled.
`;

export const BENCH_HELP = `daedalus bench - benchmark suites: throughput, latency, busy main thread, faults

Usage:
  daedalus bench [--scope throughput|latency|busy-main|heap|faults|flows|serve|redis|all] [--agents N] [--json out.json] [--quick] [--warmup-ms N]

Flags:
  --scope NAME    which suites to run (default all)
  --agents N      agent count for every case (default: each suite's own agent counts)
  --json PATH     where to write the results JSON (default bench/results/bench-<timestamp>.json)
  --quick         short runs for a smoke test; figures are not for publishing
  --warmup-ms N   untimed warm-up of every pool before a timed case, at least N ms (default 1500, 0 with --quick)
  --help, -h      this text

Runs from a source checkout (bench/run.mjs). Peer comparisons need the peers installed
(npm ci in the checkout); daedalus's own figures are always measured.
`;
