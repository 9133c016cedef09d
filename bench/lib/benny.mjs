// benny (benchmark.js underneath) as the timer of the throughput suites, and its JSON / chart
// files for each case. Each (round, library) gets its own one-case benny suite on a fresh pool:
// benny prepares every case of a suite before running any, which would put all libraries'
// pools up at once; one case per suite keeps one pool alive at a time.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import b from 'benny';

const require = createRequire(import.meta.url);

/** One sample: the op runs once per sample; the rounds around it give the spread. */
const CASE_OPTIONS = { minSamples: 1, maxTime: 0, minTime: 0.001, initCount: 1, delay: 0 };

/** benny prints a line when a suite starts; the bench owns the terminal (progress bar, table). */
async function quietly(fn) {
  const log = console.log;
  console.log = () => {};
  try {
    return await fn();
  } finally {
    console.log = log;
  }
}

/**
 * Times `op` (an async function doing one batch) with benny; resolves to benny's case result
 * ({ ops, margin, samples, details: { mean (s per op), ... } }). benny calls the case function
 * once while preparing it, without waiting for it: that call does nothing here, the caller
 * warms the pool up before. A failing op fails the measurement.
 */
export async function bennyTime(name, op, session) {
  let prepared = false;
  let failure;
  const fn = () => {
    if (!prepared) {
      prepared = true;
      return Promise.resolve();
    }
    return op().catch((err) => {
      failure ??= err;
    });
  };
  const summary = await session.guard(quietly(() => b.suite(name, b.add(name, () => fn, CASE_OPTIONS))), 'measure');
  if (failure !== undefined) throw failure;
  return summary.results[0];
}

/**
 * Writes a case's figure (median across rounds per library) in benny's own JSON and chart.html
 * formats, as if one benny suite had run the libraries side by side. Returns the paths written.
 */
export function writeBennyFiles(stem, caseRecord, figureKey) {
  let prepareFileContent;
  try {
    prepareFileContent = require('benny/lib/internal/prepareFileContent.js').default;
  } catch {
    return []; // a benny without this module: the bench's own JSON still has every figure
  }
  const figure = caseRecord.figures.find((f) => f.key === figureKey);
  const entries = Object.entries(figure?.byLibrary ?? {});
  if (entries.length === 0) return [];
  const fastestOps = Math.max(...entries.map(([, s]) => s.median));
  const slowestOps = Math.min(...entries.map(([, s]) => s.median));
  const results = entries.map(([name, s]) => ({
    name,
    ops: Math.round(s.median),
    margin: s.median > 0 ? Number((((s.max - s.min) / 2 / s.median) * 100).toFixed(2)) : 0,
    percentSlower: Number(((1 - s.median / fastestOps) * 100).toFixed(2)),
    samples: s.values.length,
    promise: true,
    details: { min: s.min, max: s.max, median: s.median, rounds: s.values },
  }));
  const summary = {
    name: `${caseRecord.suite}/${caseRecord.name}: ${figure.label}, median of ${Math.max(...results.map((r) => r.samples))} rounds`,
    date: new Date(),
    results,
    fastest: { name: results.find((r) => r.ops === Math.round(fastestOps)).name, index: results.findIndex((r) => r.ops === Math.round(fastestOps)) },
    slowest: { name: results.find((r) => r.ops === Math.round(slowestOps)).name, index: results.findIndex((r) => r.ops === Math.round(slowestOps)) },
  };
  const written = [];
  for (const format of ['json', 'chart.html']) {
    const path = `${stem}.benny-${caseRecord.name}.${format}`;
    writeFileSync(path, prepareFileContent(summary, { format, details: true, version: null }));
    written.push(path);
  }
  return written;
}
