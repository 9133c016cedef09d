/**
 * Shape of the shared memory that the coordinator and every agent map. Four
 * SharedArrayBuffers: Int32 words (counters, rings, slot headers, agent control
 * blocks), Float64 times (epoch milliseconds from `performance.timeOrigin +
 * performance.now()`, comparable across threads), the inline payload bytes, and
 * the growable spill area for payloads larger than a slot's inline bytes.
 *
 * A task lives in a *slot* from admission until the coordinator has read its
 * outcome. Ten priority rings hold slot indices in FIFO order. Each agent
 * incarnation owns a *control block*: its state, doorbell, heartbeat, a direct
 * mailbox for retries, a completion ring back to the coordinator, and the
 * agent's own latency counts (latency-counts.ts).
 */

import { LATENCY_WORDS } from './latency-counts.js';
import { SPILL_MAX_BYTES } from './spill.js';

export const LEVELS = 10;
/**
 * Entries in each agent's completion ring: the most completions an agent may
 * publish before the coordinator drains them. How many it may publish now is
 * its share (C_COMP_LIMIT) of the pool's completion budget: every
 * undrained completion holds a slot, and the region reserves slots for the
 * budget, not for every block's whole ring.
 */
export const COMPLETION_RING = 256;
/** The smallest share: what each agent of a pool at its maxSize gets. */
export const COMPLETION_SHARE_MIN = 32;

/** What the budget's floor may cost in slots' inline bytes. */
const COMPLETION_FLOOR_BYTES = 2 * 1024 * 1024;

/**
 * Slots reserved for completions not yet drained: 32 per agent of maxSize,
 * and with small slots never fewer than 512 (2 MiB of 4 KiB slots), so a
 * small pool's agents can each run 256 tasks ahead of a busy main thread
 * instead of sleeping after 32 until it drains.
 */
export function completionBudget(maxSize: number, inlineBytes: number): number {
  const floor = Math.min(16 * COMPLETION_SHARE_MIN, Math.floor(COMPLETION_FLOOR_BYTES / Math.max(1, inlineBytes)));
  return Math.max(maxSize * COMPLETION_SHARE_MIN, floor);
}

/** Each agent's share of the budget when `blocksInUse` control blocks hold incarnations. */
export function completionShare(budget: number, blocksInUse: number): number {
  return Math.min(COMPLETION_RING, Math.max(COMPLETION_SHARE_MIN, Math.floor(budget / Math.max(1, blocksInUse))));
}

/**
 * A queued slot's CLAIM word holds its ticket: the priority level in the top
 * bits and the ring position folded to 26 bits, so a stale entry can never
 * match a slot re-queued at another level or a nearby position (and the word
 * stays non-negative, unlike the owner marks).
 */
export const TICKET_POSITION_BITS = 26;
export const TICKET_MASK = (1 << TICKET_POSITION_BITS) - 1;

export function ticketOf(level: number, position: number): number {
  return (level << TICKET_POSITION_BITS) | (position & TICKET_MASK);
}
export const CLAIM_NONE = -1;

// Header words.
export const H_COMPLETION_SEQ = 0; // bumped + notified by agents after publishing a completion
export const H_RING_WAITING = 1; // tasks sitting in the priority rings (admission counts it)
export const H_MAIN_WAITING = 2; // 1 while the coordinator sleeps on H_COMPLETION_SEQ: only then do agents notify
/** Most roles a pool may have: a slot's route is a bit mask of roles in one Int32 word. */
export const MAX_ROLES = 16;
// Pools with several roles: per role, the queued tasks it may take (a task eligible for two roles counts in both).
export const H_ROLE_WAITING = 4;
export const HEADER_WORDS = H_ROLE_WAITING + MAX_ROLES;

// Per slot Int32 fields.
export const S_CLAIM = 0; // ticket when queued, -(block+2) when owned by an agent, -1 otherwise
export const S_STATE = 1;
export const S_PRIORITY = 2;
export const S_TYPE = 3;
export const S_ATTEMPT = 4;
export const S_PAYLOAD_LEN = 5; // -1: payload travels by message
export const S_RESULT_LEN = 6;
export const S_OUTCOME = 7;
export const S_FLAGS = 8;
export const S_TASK_ID = 9;
export const S_ROUTE = 10; // bit r set: an agent of role r may claim it (pools with several roles only)
export const S_SPILL_AT = 11; // with SlotFlags.SPILLED: the payload's offset in the spill buffer (S_PAYLOAD_LEN bytes)
export const SLOT_WORDS = 12;

// Per slot Float64 fields.
export const SF_ENQUEUED_AT = 0; // aging clock: first accepted, kept across retries
export const SF_STARTED_AT = 1;
export const SF_FINISHED_AT = 2;
export const SLOT_TIMES = 3;

export const SlotState = Object.freeze({ FREE: 0, HELD: 1, QUEUED: 2, ASSIGNED: 3, CLAIMED: 4, RUNNING: 5, DONE: 6 });
export const Outcome = Object.freeze({ NONE: 0, OK: 1, ERROR: 2, BY_MESSAGE: 3 });
/** ASSIGNMENT_COUNTED, RUN_COUNTED: set by the agent when it counted the try's latency itself (latency-counts.ts). */
export const SlotFlags = Object.freeze({ NOTIFY_START: 1, TRACE_IN_PAYLOAD: 2, SPILLED: 4, ASSIGNMENT_COUNTED: 8, RUN_COUNTED: 16 });

// Per control block Int32 fields.
export const C_STATE = 0;
export const C_DOORBELL = 1;
export const C_DIRECT = 2; // slot+1 handed to this agent by the coordinator, 0 when empty
export const C_MAIL = 3; // coordinator posted a control message: yield to the event loop soon
export const C_RETIRE = 4; // stop claiming new work
export const C_CURRENT = 5; // slot+1 of the task being run, 0 when none
export const C_COMP_HEAD = 6;
export const C_COMP_TAIL = 7;
export const C_ROLE = 8; // role index of the incarnation holding the block (written before its worker starts)
export const C_COMP_LIMIT = 9; // completions the agent may hold undrained: its share of the budget, set by the coordinator
export const C_COMP_ENTRIES = 10;
/** The agent's latency counts (latency-counts.ts), after the completion ring. */
export const C_LATENCY = C_COMP_ENTRIES + COMPLETION_RING;
export const BLOCK_WORDS = C_LATENCY + LATENCY_WORDS;

// Per control block Float64 fields.
export const CF_HEARTBEAT_AT = 0;
export const CF_HEAP_USED_BYTES = 1; // sampled by the agent every heartbeat interval
export const BLOCK_TIMES = 2;

export const AgentState = Object.freeze({ STARTING: 0, ACTIVE: 1, WAITING: 2, WAKING: 3, BUSY: 4, STOPPED: 5 });

export interface LayoutSizes {
  slots: number;
  blocks: number;
  inlineBytes: number;
  /** Roles of the pool (1 to MAX_ROLES): with one, nothing is routed and no route word is read. */
  roles: number;
}

/** Where each part starts, in elements of its array. Pure arithmetic, shared by both sides. */
export interface Layout extends LayoutSizes {
  ringEntries: number; // entries per priority ring
  ringBase: number; // word index of ring 0's [head, tail, entries...]
  ringWords: number;
  slotBase: number;
  blockBase: number;
  int32Words: number;
  blockTimeBase: number;
  float64Words: number;
  byteLength: number;
}

export function computeLayout(sizes: LayoutSizes): Layout {
  // At least twice the slots: stale entries (cancelled while queued) may sit
  // between live ones until agents move past them; a full ring is compacted (see
  // shared-queue.ts). A power of two, so free-running int32 positions map onto
  // entries continuously when they wrap past 2**32.
  const ringEntries = 2 ** Math.ceil(Math.log2(Math.max(2, sizes.slots * 2)));
  const ringWords = 2 + ringEntries;
  const ringBase = HEADER_WORDS;
  const slotBase = ringBase + LEVELS * ringWords;
  const blockBase = slotBase + sizes.slots * SLOT_WORDS;
  const int32Words = blockBase + sizes.blocks * BLOCK_WORDS;
  const blockTimeBase = sizes.slots * SLOT_TIMES;
  const float64Words = blockTimeBase + sizes.blocks * BLOCK_TIMES;
  return { ...sizes, ringEntries, ringBase, ringWords, slotBase, blockBase, int32Words, blockTimeBase, float64Words, byteLength: sizes.slots * sizes.inlineBytes };
}

/** The buffers themselves; passed to agents through workerData. */
export interface SharedRegion {
  sizes: LayoutSizes;
  words: SharedArrayBuffer;
  times: SharedArrayBuffer;
  bytes: SharedArrayBuffer;
  /** Growable: payloads larger than a slot's inline bytes (see spill.ts). */
  spill: SharedArrayBuffer;
}

export function allocateRegion(sizes: LayoutSizes): SharedRegion {
  const layout = computeLayout(sizes);
  return {
    sizes,
    words: new SharedArrayBuffer(layout.int32Words * 4),
    times: new SharedArrayBuffer(layout.float64Words * 8),
    bytes: new SharedArrayBuffer(Math.max(8, layout.byteLength)),
    spill: new SharedArrayBuffer(0, { maxByteLength: SPILL_MAX_BYTES }),
  };
}

export { nowMs } from '../clock.js';
