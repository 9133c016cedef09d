import type { CoordinationPool } from '../pool.js';
import type { PoolMetrics } from '../types.js';

/** How old a metrics() snapshot may be when a route answers with it. */
export const METRICS_MAX_AGE_MS = 250;

/**
 * pool.metrics() summarises every histogram (a few milliseconds on a busy
 * pool): under many status polls or a scrape that reads several gauges, the
 * server would spend its time there. Routes share one snapshot, at most
 * METRICS_MAX_AGE_MS old, so the cost is bounded by time, not by requests.
 */
export class MetricsCache {
  #snapshot: PoolMetrics | undefined;
  #takenAtMs = 0;

  constructor(
    private readonly pool: CoordinationPool,
    private readonly maxAgeMs = METRICS_MAX_AGE_MS,
  ) {}

  get(): PoolMetrics {
    const now = performance.now();
    if (this.#snapshot === undefined || now - this.#takenAtMs > this.maxAgeMs) {
      this.#snapshot = this.pool.metrics();
      this.#takenAtMs = now;
    }
    return this.#snapshot;
  }
}
