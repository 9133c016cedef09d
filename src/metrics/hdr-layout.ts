/**
 * The bucket layout of an HDR histogram with a 1 us floor and 3 significant
 * digits (hdr-histogram-js's `lowestDiscernibleValue: 1`,
 * `numberOfSignificantValueDigits: 3`): 2,048 sub-buckets, the first bucket
 * one microsecond wide, each later one twice as wide as the one before it and
 * stored as its upper half (1,024 counts). Pure arithmetic, so a plain
 * typed array of counts can stand in for the library on the hot path and be
 * turned into the library's form only when read.
 */

/** log2 of the half sub-bucket count (1,024 for 3 significant digits). */
const HALF_MAGNITUDE = 10;
const HALF = 1 << HALF_MAGNITUDE;
/** Values below this sit in bucket 0, one count per microsecond. */
const FIRST_BUCKET_END = HALF * 2;

/**
 * Values are clamped here (about 101 days): the index stays a small integer
 * and a typed array of counts never needs more than 34,816 entries.
 */
export const MAX_TRACKED_US = 2 ** 43 - 1;

/**
 * A duration in ms as the whole microseconds it is recorded as: rounded,
 * negative (clock skew) and NaN as 0, absurd lengths clamped. The agents and
 * the main thread both record through this, so a value lands in the same
 * count whichever thread records it.
 */
export function latencyUs(durationMs: number): number {
  const rounded = Math.round(durationMs * 1_000);
  return rounded > 0 ? Math.min(rounded, MAX_TRACKED_US) : 0;
}

/** The index of the count that holds `us` (a non-negative integer of microseconds). */
export function indexOfUs(us: number): number {
  if (us < FIRST_BUCKET_END) return us;
  if (us <= 0x7fffffff) {
    // floor(log2(us)) - 10, from the leading-zero count of a 31-bit integer.
    const bucket = 21 - Math.clz32(us);
    return (bucket << HALF_MAGNITUDE) + (us >>> bucket);
  }
  let magnitude = Math.floor(Math.log2(us));
  // log2 in floating point can land one off next to a power of two.
  if (2 ** magnitude > us) magnitude--;
  else if (2 ** (magnitude + 1) <= us) magnitude++;
  const bucket = magnitude - HALF_MAGNITUDE;
  return bucket * HALF + Math.floor(us / 2 ** bucket);
}

/** How many microseconds the count at `index` covers. */
export function widthUsAt(index: number): number {
  return index < FIRST_BUCKET_END ? 1 : 2 ** (Math.floor(index / HALF) - 1);
}

/** The lowest value the count at `index` holds (hdr-histogram-js `valueFromIndex`). */
export function lowestUsAt(index: number): number {
  if (index < FIRST_BUCKET_END) return index;
  return ((index % HALF) + HALF) * widthUsAt(index);
}

/** The highest value the count at `index` holds (the library's `highestEquivalentValue`). */
export function highestUsAt(index: number): number {
  return lowestUsAt(index) + widthUsAt(index) - 1;
}

/** The middle of the count's range (the library's `medianEquivalentValue`): what a mean is taken over. */
export function medianUsAt(index: number): number {
  return lowestUsAt(index) + Math.floor(widthUsAt(index) / 2);
}

/** Counts needed to hold every value up to MAX_TRACKED_US. */
export const MAX_COUNTS = indexOfUs(MAX_TRACKED_US) + 1;
