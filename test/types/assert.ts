/** `true` only when X and Y are the same type (not merely assignable either way). */
export type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;

/** Compiles only when its argument is `true`: `expectType<Equal<A, B>>(true)`. */
export function expectType<T extends true>(ok: T): T {
  return ok;
}
