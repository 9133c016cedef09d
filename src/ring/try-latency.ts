/**
 * The agent's half of latency metrics: when a try ends, the agent counts its
 * assignment latency (first try only) and run time into its control block's
 * table (latency-counts.ts), with the same rounding and buckets as
 * the coordinator's histograms, and flags in the slot what it counted so the
 * coordinator does not record it again. Counted before the flags: an agent
 * that dies between the two has its value recorded twice, never lost.
 */
import { indexOfUs, latencyUs } from '../metrics/hdr-layout.js';
import type { ControlBlock } from './control-block.js';
import { SF_ENQUEUED_AT, SF_FINISHED_AT, SF_STARTED_AT, S_ATTEMPT, S_FLAGS, S_TYPE, SlotFlags } from './layout.js';
import { LatencyKind } from './latency-counts.js';
import type { SharedQueue } from './shared-queue.js';

export function countTry(queue: SharedQueue, block: ControlBlock, slot: number): void {
  const times = queue.times;
  const startedAt = times[queue.slotTime(slot, SF_STARTED_AT)] ?? 0;
  // A try that failed before its handler started has no latency to count.
  if (!(startedAt > 0)) return;
  const typeCode = Atomics.load(queue.words, queue.slotWord(slot, S_TYPE));
  let flags = 0;
  if (Atomics.load(queue.words, queue.slotWord(slot, S_ATTEMPT)) === 1) {
    const us = latencyUs(Math.max(0, startedAt - (times[queue.slotTime(slot, SF_ENQUEUED_AT)] ?? 0)));
    if (block.countLatency(typeCode, LatencyKind.ASSIGNMENT, indexOfUs(us), us)) flags |= SlotFlags.ASSIGNMENT_COUNTED;
  }
  const runUs = latencyUs(Math.max(0, (times[queue.slotTime(slot, SF_FINISHED_AT)] ?? 0) - startedAt));
  if (block.countLatency(typeCode, LatencyKind.RUN, indexOfUs(runUs), runUs)) flags |= SlotFlags.RUN_COUNTED;
  if (flags !== 0) Atomics.or(queue.words, queue.slotWord(slot, S_FLAGS), flags);
}
