// Every phase of the bench runs under a deadline, so a stuck pool (ours or a peer's) costs one
// case row, never the whole run.

export class PhaseTimeout extends Error {
  constructor(what, ms) {
    super(`${what}: no result after ${ms} ms`);
    this.name = 'PhaseTimeout';
    this.code = 'ERR_BENCH_PHASE_TIMEOUT';
  }
}

/** Races `promise` against `ms`; the timer never keeps the process alive on its own. */
export async function bounded(promise, what, ms) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new PhaseTimeout(what, ms)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The plain, JSON-safe form of an error for the results file and the table's notes. */
export function describeError(err) {
  if (!(err instanceof Error)) {
    // Some pools reject with plain objects; keep what they said.
    let text;
    try {
      text = typeof err === 'object' && err !== null ? JSON.stringify(err) : String(err);
    } catch {
      text = String(err);
    }
    return { name: 'non-Error rejection', message: text?.slice(0, 300) ?? String(err) };
  }
  const out = { name: err.name, message: err.message };
  if (err.code !== undefined) out.code = err.code;
  if (err.cause instanceof Error) out.cause = describeError(err.cause);
  return out;
}

/** One line for an error, or for an error already described by describeError(). */
export function errorLine(err) {
  const e = err instanceof Error ? describeError(err) : err;
  const cause = e.cause ? ` (cause ${e.cause.code ?? e.cause.name}: ${e.cause.message})` : '';
  const label = e.code ?? e.name;
  return `${label === undefined ? '' : `${label}: `}${e.message}${cause}`;
}
