import { threadId } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { CANARY_GLOBAL, type ProbeReport } from '../src/protocol.js';

export interface ProbeRequest {
  /** A canary to plant in this isolate's globals and memory, on the first round. */
  plant: string | undefined;
  /** Canaries to look for, on the second round. */
  look: string[];
  memory: Map<unknown, unknown>;
  contextId: string;
  memoryId: string;
  payloadBytesMapped: number;
}

/** The agent's side of the isolation probe: plant a canary, or report which canaries this isolate can see. */
export async function probe(r: ProbeRequest): Promise<ProbeReport> {
  const g = globalThis as Record<string, unknown>;
  if (r.plant !== undefined) {
    const planted = (g[CANARY_GLOBAL] as string[] | undefined) ?? [];
    g[CANARY_GLOBAL] = [...planted, r.plant];
    r.memory.set(CANARY_GLOBAL, r.plant);
  }
  // One more turn of the event loop before looking, so messages that arrived
  // with the look (a leak over a channel, say) are handled first. The prober
  // also waits between planting and looking, for those still in flight.
  if (r.look.length > 0) await new Promise((resolve) => setImmediate(resolve));
  const heap = getHeapStatistics();
  const visible = visibleStrings(r.memory);
  return {
    threadId,
    contextId: r.contextId,
    memoryId: r.memoryId,
    heapUsedBytes: heap.used_heap_size,
    heapTotalBytes: heap.total_heap_size,
    heapLimitBytes: heap.heap_size_limit,
    seen: r.look.filter((c) => visible.has(c)),
    payloadBytesMapped: r.payloadBytesMapped,
  };
}

/** Strings reachable from this isolate's enumerable globals and its memory map, one level deep. */
function visibleStrings(memory: Map<unknown, unknown>): Set<string> {
  const out = new Set<string>();
  const addString = (value: unknown): void => {
    if (typeof value === 'string') out.add(value);
  };
  const add = (value: unknown): void => {
    addString(value);
    if (Array.isArray(value) || value instanceof Set) {
      for (const v of value as Iterable<unknown>) addString(v);
    } else if (value instanceof Map) {
      for (const [k, v] of value as Map<unknown, unknown>) {
        addString(k);
        addString(v);
      }
    }
  };
  const g = globalThis as Record<string, unknown>;
  for (const key of [...Object.keys(g), CANARY_GLOBAL]) add(g[key]);
  add(memory);
  return out;
}
