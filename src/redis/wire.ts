import { fromWireError, toWireError, type WireError } from '../errors.js';

/** BullMQ keeps only an error's message: ours carries the whole wire error (code, cause, fields) behind this mark. */
const MARK = 'daedalus-error:';

/** The message to fail a job with: readable by a person, and decodable by failureOf(). */
export function failureMessage(error: unknown): string {
  return `${MARK}${JSON.stringify(toWireError(error))}`;
}

/** The error a job failed with, code and cause included; a foreign message becomes a plain Error. */
export function failureOf(failedReason: string | undefined): Error {
  if (failedReason?.startsWith(MARK) === true) {
    try {
      return fromWireError(JSON.parse(failedReason.slice(MARK.length)) as WireError);
    } catch {
      // not ours after all: fall through
    }
  }
  return new Error(failedReason ?? 'the job failed');
}
