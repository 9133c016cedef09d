/** JSON for HTTP answers: Error values (in events, snapshots) become { name, message, code }, which JSON.stringify would empty. */
export function toJsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => {
      if (v instanceof Error) {
        const code = (v as { code?: unknown }).code;
        return { name: v.name, message: v.message, ...(code === undefined ? {} : { code }), ...(v.cause instanceof Error ? { cause: { name: v.cause.name, message: v.cause.message } } : {}) };
      }
      return typeof v === 'bigint' ? v.toString() : v;
    }) ?? 'null',
  ) as unknown;
}
