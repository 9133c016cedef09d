import {
  AgentState,
  BLOCK_TIMES,
  BLOCK_WORDS,
  CF_HEARTBEAT_AT,
  CF_HEAP_USED_BYTES,
  COMPLETION_RING,
  COMPLETION_SHARE_MIN,
  C_COMP_ENTRIES,
  C_COMP_LIMIT,
  C_COMP_HEAD,
  C_COMP_TAIL,
  C_CURRENT,
  C_LATENCY,
  C_DIRECT,
  C_DOORBELL,
  C_MAIL,
  C_RETIRE,
  C_ROLE,
  C_STATE,
  H_COMPLETION_SEQ,
  H_MAIN_WAITING,
  type Layout,
} from './layout.js';
import { clearLatencies, countLatency, drainLatencies, type LatencyVisit } from './latency-counts.js';

export type AgentStateName = 'starting' | 'active' | 'waiting' | 'waking' | 'busy' | 'stopped';
const STATE_NAMES: readonly AgentStateName[] = ['starting', 'active', 'waiting', 'waking', 'busy', 'stopped'];

/**
 * One agent incarnation's control block: a handful of words the coordinator and
 * that agent both touch, plus a single-producer/single-consumer completion ring
 * (agent publishes finished slots, coordinator drains them).
 */
export class ControlBlock {
  private readonly base: number;
  private readonly timeBase: number;

  constructor(
    private readonly words: Int32Array,
    private readonly times: Float64Array,
    layout: Layout,
    readonly index: number,
  ) {
    this.base = layout.blockBase + index * BLOCK_WORDS;
    this.timeBase = layout.blockTimeBase + index * BLOCK_TIMES;
  }

  /** The CLAIM-word value that marks a slot as owned by this block. */
  get owner(): number {
    return -(this.index + 2);
  }

  load(field: number): number {
    return Atomics.load(this.words, this.base + field);
  }

  store(field: number, value: number): void {
    Atomics.store(this.words, this.base + field, value);
  }

  compareExchange(field: number, expected: number, value: number): number {
    return Atomics.compareExchange(this.words, this.base + field, expected, value);
  }

  exchange(field: number, value: number): number {
    return Atomics.exchange(this.words, this.base + field, value);
  }

  /** Wakes the agent: bump first so an agent about to wait sees a changed value and does not sleep. */
  ring(): void {
    Atomics.add(this.words, this.base + C_DOORBELL, 1);
    Atomics.notify(this.words, this.base + C_DOORBELL, 1);
  }

  doorbellIndex(): number {
    return this.base + C_DOORBELL;
  }

  get state(): number {
    return this.load(C_STATE);
  }

  // --- typed accessors: the coordinator's view of the block ------------------

  /** The agent's loop state by name. */
  agentState(): AgentStateName {
    return STATE_NAMES[this.load(C_STATE)] ?? 'stopped';
  }

  /** The agent has posted 'ready' and left STARTING (it may be running its first task already). */
  hasStarted(): boolean {
    return this.load(C_STATE) !== AgentState.STARTING;
  }

  /** The slot of the task the agent is running, or undefined (the word holds slot + 1, 0 for none). */
  currentSlot(): number | undefined {
    const v = this.load(C_CURRENT);
    return v === 0 ? undefined : v - 1;
  }

  /**
   * Wakes the agent if it sleeps on its doorbell. The CAS from WAITING to
   * WAKING makes a burst of callers wake it once; false when it was awake (it
   * looks at the rings again before it can sleep) or another caller won.
   */
  wakeIfWaiting(): boolean {
    if (this.compareExchange(C_STATE, AgentState.WAITING, AgentState.WAKING) !== AgentState.WAITING) return false;
    this.ring();
    return true;
  }

  /** A direct hand-off is waiting in the mailbox. */
  hasDirect(): boolean {
    return this.load(C_DIRECT) !== 0;
  }

  /**
   * Only the coordinator fills the mailbox, and only when empty; the agent
   * empties it with an exchange. The mailbox is filled before the agent's state
   * is read (seq-cst), and an agent stores WAITING before its last look at the
   * mailbox: either that look finds the hand-off or this wakes the agent. An
   * awake agent is not rung (a futex wake-up costs the main thread).
   */
  offerDirect(slot: number): void {
    this.store(C_DIRECT, slot + 1);
    this.wakeIfWaiting();
  }

  /** Agent side: the handed-over slot, emptying the mailbox. */
  takeDirect(): number | undefined {
    const v = this.exchange(C_DIRECT, 0);
    return v === 0 ? undefined : v - 1;
  }

  /** Coordinator side: take a hand-off back before the agent took it; false when it already did. */
  withdrawDirect(slot: number): boolean {
    return this.compareExchange(C_DIRECT, slot + 1, 0) === slot + 1;
  }

  /** The role index of the incarnation using this block: set after reset(), before its worker starts. */
  setRole(role: number): void {
    this.store(C_ROLE, role);
  }

  role(): number {
    return this.load(C_ROLE);
  }

  /** Ask the agent to stop claiming new work. */
  requestRetire(): void {
    this.store(C_RETIRE, 1);
  }

  isRetiring(): boolean {
    return this.load(C_RETIRE) !== 0;
  }

  /** A control message was posted: a busy agent yields to its event loop soon. Then rings. */
  flagMail(): void {
    this.store(C_MAIL, 1);
    this.ring();
  }

  /** Agent side: whether mail was flagged since the last look (clears the flag). */
  takeMail(): boolean {
    return this.exchange(C_MAIL, 0) !== 0;
  }

  heartbeat(atMs: number): void {
    this.times[this.timeBase + CF_HEARTBEAT_AT] = atMs;
  }

  lastHeartbeatMs(): number {
    return this.times[this.timeBase + CF_HEARTBEAT_AT] ?? 0;
  }

  /** A plain store: a metric read a little stale is fine, and a float64 cannot be written atomically anyway. */
  setHeapUsedBytes(bytes: number): void {
    this.times[this.timeBase + CF_HEAP_USED_BYTES] = bytes;
  }

  heapUsedBytes(): number {
    return this.times[this.timeBase + CF_HEAP_USED_BYTES] ?? 0;
  }

  /** Clears a block before a new incarnation uses it (the latency table only where it was written). */
  reset(): void {
    for (let i = 0; i < C_LATENCY; i++) Atomics.store(this.words, this.base + i, 0);
    clearLatencies(this.words, this.base + C_LATENCY);
    this.store(C_COMP_LIMIT, COMPLETION_SHARE_MIN);
    this.times[this.timeBase + CF_HEARTBEAT_AT] = 0;
    this.times[this.timeBase + CF_HEAP_USED_BYTES] = 0;
  }

  // --- latency counts (latency-counts.ts) -------------------------------------

  /** Agent side: counts one value of a try; false when the table does not hold it. */
  countLatency(typeCode: number, kind: number, index: number, us: number): boolean {
    return countLatency(this.words, this.base + C_LATENCY, typeCode, kind, index, us);
  }

  /** Coordinator side: takes every count the agent made since the last drain. */
  drainLatencies(visit: LatencyVisit, onMax: (typeCode: number, kind: number, us: number) => void): void {
    drainLatencies(this.words, this.base + C_LATENCY, visit, onMax);
  }

  // --- completion ring -----------------------------------------------------

  /**
   * Completions the agent may still publish: its share less what is undrained.
   * Zero or less when a lowered share is still being drained. The share is read
   * afresh each time, so any value the coordinator stores is safe at any moment.
   */
  completionRoom(): number {
    const limit = Math.min(COMPLETION_RING, this.load(C_COMP_LIMIT));
    return limit - ((this.load(C_COMP_TAIL) - this.load(C_COMP_HEAD)) | 0);
  }

  /** Coordinator side: the agent's share of the completion budget (see completionShare). */
  setCompletionLimit(limit: number): void {
    this.store(C_COMP_LIMIT, limit);
  }

  /**
   * Agent side. The slot's outcome is written before this; the tail store
   * publishes it, and the header sequence bump wakes the coordinator's waitAsync.
   */
  publishCompletion(slot: number): void {
    const tail = this.load(C_COMP_TAIL);
    this.store(C_COMP_ENTRIES + ((tail >>> 0) % COMPLETION_RING), slot);
    this.store(C_COMP_TAIL, (tail + 1) | 0);
    Atomics.add(this.words, H_COMPLETION_SEQ, 1);
    // Wake the coordinator only if it sleeps. It stores MAIN_WAITING before its
    // waitAsync compares the sequence; we bumped the sequence before reading the
    // flag: seq-cst, so either its compare sees our bump (it does not sleep) or
    // we see the flag. The exchange lets one agent of a burst do the wake-up;
    // a notify to a sleeping main thread is a cross-thread wake (a syscall).
    if (Atomics.load(this.words, H_MAIN_WAITING) !== 0 && Atomics.exchange(this.words, H_MAIN_WAITING, 0) !== 0) {
      Atomics.notify(this.words, H_COMPLETION_SEQ);
    }
  }

  /** Coordinator side: hands every published slot to `onSlot`; returns how many. */
  drainCompletions(onSlot: (slot: number) => void): number {
    let head = this.load(C_COMP_HEAD);
    const tail = this.load(C_COMP_TAIL);
    let n = 0;
    while (head !== tail) {
      onSlot(this.load(C_COMP_ENTRIES + ((head >>> 0) % COMPLETION_RING)));
      head = (head + 1) | 0;
      n++;
      // Free the entry before handling the next so a blocked agent can continue.
      this.store(C_COMP_HEAD, head);
    }
    return n;
  }
}
