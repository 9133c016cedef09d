import type { RecentEvent } from './types.js';

/**
 * The last N events the pool emitted, oldest first, for dashboards and the CLI.
 * A fixed ring: recording is one array store, and memory stays bounded however
 * long the pool runs.
 */
export class EventJournal {
  private readonly entries: (RecentEvent | undefined)[];
  private seq = 0;

  constructor(readonly capacity: number) {
    this.entries = new Array<RecentEvent | undefined>(capacity);
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  record(event: string, payload: unknown): void {
    if (this.capacity === 0) return;
    const seq = ++this.seq;
    this.entries[seq % this.capacity] = { seq, at: Date.now(), event, payload };
  }

  /** Up to `limit` most recent events, oldest first. */
  recent(limit: number = this.capacity): RecentEvent[] {
    const n = Math.min(limit, this.capacity, this.seq);
    const out: RecentEvent[] = [];
    for (let seq = this.seq - n + 1; seq <= this.seq; seq++) {
      const entry = this.entries[seq % this.capacity];
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }
}
