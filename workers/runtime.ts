import type { MessagePort } from 'node:worker_threads';
/**
 * Entry point of every agent isolate. Loads the user's agent module, runs its
 * setup, handshakes, then takes work straight from shared memory: a direct
 * hand-off from the coordinator first (retries), else the best task in the
 * priority rings. The coordinator's event loop is not on this path, so a busy
 * main thread does not starve the agents.
 */
import { randomUUID } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { DataCloneError, fromWireError, toWireError } from '../src/errors.js';
import { PROTOCOL_VERSION, type AgentBoot, type CoordinatorMessage } from '../src/protocol.js';
import { probe } from './probe.js';
import { writeInto } from '../src/ring/codec.js';
import { ControlBlock } from '../src/ring/control-block.js';
import {
  AgentState,
  C_CURRENT,
  C_STATE,
  Outcome,
  SF_FINISHED_AT,
  SF_STARTED_AT,
  S_ATTEMPT,
  S_FLAGS,
  S_OUTCOME,
  S_RESULT_LEN,
  S_STATE,
  S_TASK_ID,
  S_TYPE,
  SlotFlags,
  SlotState,
  nowMs,
} from '../src/ring/layout.js';
import { SharedQueue } from '../src/ring/shared-queue.js';
import { countTry } from '../src/ring/try-latency.js';
import { isAgentDefinition, isTransfer, type AgentDefinition, type Handler, type SetupContext } from './agent.js';
import { DelegationClient } from './delegation.js';
import { invokeHandler, isThenable } from './invoke.js';
import { PayloadInbox, type Loaded } from './payload-inbox.js';
import { post } from './port.js';
import { RunningTaskContext, makeLog } from './task-context.js';

const boot = workerData as AgentBoot;
/** With idleWait 'block': how long an idle agent's timers and I/O may wait for a turn. */
const IDLE_SLICE_MS = 20;
const queue = new SharedQueue(boot.region);
const block = new ControlBlock(queue.words, queue.times, queue.layout, boot.block);
/** With several roles: the bit of this agent's role, tested against each slot's route before a claim. 0: nothing is routed. */
const roleBit = boot.routed ? 1 << boot.role : 0;
/** Every other agent's control block, to pass a wake-up on (see wakeSibling). */
const siblings = Array.from({ length: queue.layout.blocks }, (_, i) => new ControlBlock(queue.words, queue.times, queue.layout, i)).filter((b) => b.index !== boot.block);
const inlineBytes = queue.layout.inlineBytes;
const base: SetupContext = {
  agentId: boot.agentId,
  generation: boot.generation,
  contextId: randomUUID(),
  memory: new Map(),
  workerData: boot.userData,
  log: makeLog(),
};
// The memory map's identity, so the isolation report can show no two agents share one.
const memoryId = randomUUID();
const memoryMarker = Symbol.for('daedalus-pool.memory-id');
base.memory.set(memoryMarker, memoryId);

let definition: AgentDefinition;
/** Type code -> handler, from the pool's type-code table (see AgentBoot.typeCodes). */
let handlerOf: (Handler | undefined)[] = [];
let typeNames: readonly string[] = [];
let typesArrived: ((codes: string[]) => void) | undefined;
let current: { slot: number; taskId: number; ctx: RunningTaskContext } | undefined;
let stopping = false;
const inbox = new PayloadInbox(queue, boot.tracePrefix);
const delegation = new DelegationClient();
const privatePayloads = boot.payloads === 'private';

function useTypeCodes(codes: readonly string[]): void {
  typeNames = codes;
  handlerOf = codes.map((type) => (Object.hasOwn(definition.handlers, type) ? (definition.handlers[type] as Handler) : undefined));
}

const beat = (): void => block.heartbeat(nowMs());
// The periodic heartbeat also samples the isolate's heap for metrics() (a few microseconds a second).
const tick = (): void => {
  beat();
  block.setHeapUsedBytes(getHeapStatistics().used_heap_size);
};

function onMessage(raw: unknown): void {
  const msg = raw as CoordinatorMessage;
  switch (msg.kind) {
    case 'payload':
      inbox.deliver(msg.slot, msg.taskId, msg.payload, msg.bytes);
      return;
    case 'types':
      typesArrived?.(msg.codes);
      return;
    case 'accepted':
      delegation.onAccepted(msg.requestId, msg.taskId, msg.traceId);
      return;
    case 'refused':
      delegation.onRefused(msg.requestId, msg.error);
      return;
    case 'settled':
      delegation.onSettled(msg.requestId, msg.ok, msg.ok ? msg.value : msg.error);
      return;
    case 'cancel':
      if (current?.slot === msg.slot && current.taskId === msg.taskId) current.ctx.abort(fromWireError(msg.reason));
      return;
    case 'stop':
      stopping = true;
      block.ring();
      return;
    case 'probe':
      void probe({ plant: msg.plant, look: msg.look, memory: base.memory, contextId: base.contextId, memoryId, payloadBytesMapped: privatePayloads ? 0 : queue.bytes.byteLength }).then((report) =>
        post({ v: PROTOCOL_VERSION, kind: 'probeReply', probeId: msg.probeId, report }),
      );
      return;
    default:
      throw new Error(`agent received an unknown message kind: ${(msg as { kind: string }).kind}`);
  }
}

/** Next slot to run, or -1. Retries handed to this agent come before the shared rings. */
function takeWork(): number {
  if (stopping || block.isRetiring() || block.completionRoom() <= 0) return -1;
  const direct = block.takeDirect();
  if (direct !== undefined) return direct;
  const slot = queue.claimNext(block.owner, nowMs(), boot.agingIntervalMs, roleBit);
  if (slot >= 0 && queue.waitingFor(boot.role) > 0) wakeSibling();
  return slot;
}

/**
 * More work is waiting after our claim: pass the wake-up on to one sleeping
 * agent unless an awake one will take it. The coordinator wakes only one agent
 * per burst of submits; the rest of the burst is woken from here, on a thread
 * that was about to run the task anyway, not on the main thread. An agent
 * stores WAITING before its last look at the rings, and our claim came before
 * this read of its state (seq-cst), so one we see ACTIVE will find the work.
 */
function wakeSibling(): void {
  let awake = 0;
  let sleeper: ControlBlock | undefined;
  for (const b of siblings) {
    // Only agents of our role can take what we saw waiting for it.
    if (roleBit !== 0 && b.role() !== boot.role) continue;
    const state = b.state;
    if (state === AgentState.ACTIVE) awake++;
    else if (state === AgentState.WAITING && sleeper === undefined && b.completionRoom() > 0 && !b.isRetiring()) sleeper = b;
  }
  if (sleeper !== undefined && queue.waitingFor(boot.role) > awake) sleeper.wakeIfWaiting();
}

/**
 * Runs the task in `slot`; a promise only while it waits (for a posted
 * payload, or on an async handler): a synchronous handler costs no promise
 * and no extra microtask turns.
 */
function runSlot(slot: number): Promise<void> | undefined {
  block.store(C_STATE, AgentState.BUSY);
  block.store(C_CURRENT, slot + 1);
  Atomics.store(queue.words, queue.slotWord(slot, S_STATE), SlotState.CLAIMED);
  const taskId = Atomics.load(queue.words, queue.slotWord(slot, S_TASK_ID));
  let loaded: Loaded | Promise<Loaded>;
  try {
    loaded = inbox.load(slot, taskId, (Atomics.load(queue.words, queue.slotWord(slot, S_FLAGS)) & SlotFlags.TRACE_IN_PAYLOAD) !== 0);
  } catch (error) {
    complete(slot, taskId, false, error);
    return undefined;
  }
  if (loaded instanceof Promise) return loaded.then((l) => startHandler(slot, taskId, l), (error: unknown) => complete(slot, taskId, false, error));
  return startHandler(slot, taskId, loaded);
}

function startHandler(slot: number, taskId: number, [payload, traceId, flow]: Loaded): Promise<void> | undefined {
  const word = (field: number): number => Atomics.load(queue.words, queue.slotWord(slot, field));
  let value: unknown;
  try {
    const code = word(S_TYPE);
    const type = typeNames[code] ?? '';
    const handler = handlerOf[code] as Handler;
    const ctx = new RunningTaskContext(base, taskId, traceId, type, word(S_ATTEMPT), beat, delegation, flow);
    current = { slot, taskId, ctx };
    const startedAtMs = nowMs();
    queue.times[queue.slotTime(slot, SF_STARTED_AT)] = startedAtMs;
    block.heartbeat(startedAtMs);
    // From here on a crash costs the task an attempt (before it, the task is re-queued for free).
    Atomics.store(queue.words, queue.slotWord(slot, S_STATE), SlotState.RUNNING);
    if ((word(S_FLAGS) & SlotFlags.NOTIFY_START) !== 0) post({ v: PROTOCOL_VERSION, kind: 'started', slot, taskId, startedAtMs });
    value = invokeHandler(handler, payload, ctx);
  } catch (error) {
    complete(slot, taskId, false, error);
    return undefined;
  }
  if (isThenable(value)) {
    return Promise.resolve(value).then(
      (result) => complete(slot, taskId, true, result),
      (error: unknown) => complete(slot, taskId, false, error),
    );
  }
  complete(slot, taskId, true, value);
  return undefined;
}

function complete(slot: number, taskId: number, ok: boolean, value: unknown): void {
  current = undefined;
  // Not busy any more before the outcome is published, so no snapshot taken after
  // the task settles can show this agent busy with it.
  block.store(C_CURRENT, 0);
  block.store(C_STATE, AgentState.ACTIVE);
  finish(slot, taskId, ok, value);
  lastFinishedAtMs = performance.now();
}

/**
 * Writes the outcome straight into the slot when it fits (no intermediate
 * buffer), else sends it by message. A value the slot codec cannot write but
 * postMessage can (a SharedArrayBuffer, shared rather than copied) goes by
 * message too; only a value postMessage also refuses fails the task.
 */
function finish(slot: number, taskId: number, ok: boolean, value: unknown): void {
  const at = (field: number): number => queue.slotWord(slot, field);
  queue.times[queue.slotTime(slot, SF_FINISHED_AT)] = nowMs();
  countTry(queue, block, slot);
  let transfer: readonly (ArrayBuffer | MessagePort)[] | undefined;
  if (ok && isTransfer(value)) {
    transfer = value.transferList;
    value = value.value;
  }
  const outcome = ok ? value : toWireError(value);
  let written = -1;
  if (transfer === undefined && !privatePayloads) {
    try {
      written = writeInto(outcome, queue.bytes, slot * inlineBytes, inlineBytes);
    } catch {
      written = -1; // not writable here: try the message path, which says what is wrong
    }
  }
  if (written >= 0) {
    Atomics.store(queue.words, at(S_RESULT_LEN), written);
    Atomics.store(queue.words, at(S_OUTCOME), ok ? Outcome.OK : Outcome.ERROR);
    // DONE and the completion-ring tail are seq-cst stores after the bytes: a coordinator that sees the entry sees the bytes.
    Atomics.store(queue.words, at(S_STATE), SlotState.DONE);
    block.publishCompletion(slot);
    return;
  }
  Atomics.store(queue.words, at(S_OUTCOME), Outcome.BY_MESSAGE);
  Atomics.store(queue.words, at(S_STATE), SlotState.DONE);
  if (ok) {
    try {
      post({ v: PROTOCOL_VERSION, kind: 'result', slot, taskId, ok: true, value }, transfer);
      return;
    } catch (error) {
      value = new DataCloneError('result', error);
    }
  }
  post({ v: PROTOCOL_VERSION, kind: 'result', slot, taskId, ok: false, error: toWireError(value) });
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Low-latency mode: poll the rings for a short while before sleeping. The
 * agent stays ACTIVE, so the coordinator does not ring it and a task pushed
 * meanwhile is picked up without a cross-thread wake-up (tens of microseconds
 * on a VM). It blocks this isolate's event loop for at most `spinUs`.
 */
function spinForWork(spinUs: number): number {
  const until = performance.now() + spinUs / 1_000;
  // Two plain reads per turn; claim only when something is there.
  while (queue.waitingFor(boot.role) === 0 && !block.hasDirect()) {
    if (performance.now() >= until) return -1;
  }
  return claimWhileAwake();
}

/**
 * Claims work while ACTIVE. BUSY is stored before the claim, so a coordinator
 * that reads ACTIVE after pushing a task knows this agent has not claimed yet
 * and will take one of the waiting tasks; it then wakes a sleeper only for the
 * surplus (Placement.wakeFor).
 */
function claimWhileAwake(): number {
  block.store(C_STATE, AgentState.BUSY);
  const slot = takeWork();
  if (slot < 0) block.store(C_STATE, AgentState.ACTIVE);
  return slot;
}

/**
 * idleWait 'block': sleep in Atomics.wait, a futex wake-up, several times
 * cheaper than resolving a waitAsync promise through the event loop. The
 * thread is blocked, so every IDLE_SLICE_MS the event loop gets one turn for
 * timers and I/O. A ring during that turn moves the doorbell past `seen`, so the
 * next wait returns at once; control messages ring too (C_MAIL).
 */
async function blockOnDoorbell(doorbell: number, seen: number): Promise<void> {
  while (Atomics.wait(queue.words, doorbell, seen, IDLE_SLICE_MS) === 'timed-out') {
    await yieldToEventLoop();
    if (stopping) return;
  }
}

/** How long an agent that has just finished a task sleeps in Atomics.wait before it falls back to waitAsync. */
const NAP_MS = 1;
let lastFinishedAtMs = 0;

/**
 * Adaptive nap. An agent that finished a task less than NAP_MS ago is likely
 * to get the next one soon (a caller awaiting each result, a queue that
 * refills): it first sleeps in Atomics.wait, whose wake-up is a futex wake
 * (microseconds), instead of waitAsync, whose wake-up goes through the event
 * loop. The nap blocks this idle agent's event loop for at most NAP_MS; an
 * agent idle for longer sleeps in waitAsync as before and burns nothing.
 * True when rung during the nap.
 */
function napOnDoorbell(doorbell: number, seen: number): boolean {
  if (performance.now() - lastFinishedAtMs > NAP_MS) return false;
  return Atomics.wait(queue.words, doorbell, seen, NAP_MS) !== 'timed-out';
}

async function loop(): Promise<void> {
  const doorbell = block.doorbellIndex();
  while (!stopping) {
    const slot = claimWhileAwake();
    if (slot >= 0) {
      // One await per task even when it ran synchronously: microtasks the handler queued run before the next task.
      await runSlot(slot);
      // Control messages (cancel, probe) are macrotasks; back-to-back tasks only yield microtasks.
      if (block.takeMail()) await yieldToEventLoop();
      continue;
    }
    if (boot.idleSpinUs > 0) {
      const spun = spinForWork(boot.idleSpinUs);
      if (spun >= 0) {
        await runSlot(spun);
        continue;
      }
    }
    // Read the doorbell, then publish WAITING, then look once more. The
    // coordinator makes work visible (push, or room in our completion ring),
    // then reads our state and rings only if it sees WAITING. Seq-cst order:
    // either our last look sees its work, or it sees WAITING and its ring moves
    // the doorbell past `seen`, so the wait below returns at once. (Reading the
    // doorbell after publishing WAITING would let a ring slip in unseen.)
    const seen = Atomics.load(queue.words, doorbell);
    block.store(C_STATE, AgentState.WAITING);
    const late = takeWork();
    if (late >= 0) {
      await runSlot(late);
      continue;
    }
    if (boot.idleWait === 'block') await blockOnDoorbell(doorbell, seen);
    else if (!napOnDoorbell(doorbell, seen)) {
      // waitAsync: the event loop keeps running (messages, timers, I/O) while idle.
      const waited = Atomics.waitAsync(queue.words, doorbell, seen);
      if (waited.async) await waited.value;
    }
    block.store(C_STATE, AgentState.ACTIVE);
    if (block.takeMail()) await yieldToEventLoop();
  }
}

async function main(): Promise<void> {
  parentPort?.on('message', onMessage);
  block.heartbeat(nowMs());
  try {
    const mod = (await import(boot.agentUrl)) as { default?: unknown };
    if (!isAgentDefinition(mod.default)) {
      throw new TypeError(`Agent module ${boot.agentUrl} must export default defineAgent({ handlers })`);
    }
    definition = mod.default;
    await definition.setup?.(base);
  } catch (error) {
    post({ v: PROTOCOL_VERSION, kind: 'initError', error: toWireError(error) });
    process.exit(1);
  }
  tick();
  setInterval(tick, boot.heartbeatIntervalMs).unref();
  const codes = boot.typeCodes;
  // Without the table (the first agents of a role), wait for it: the coordinator posts it on our 'ready'.
  const table = codes ?? new Promise<string[]>((resolve) => (typesArrived = resolve));
  post({ v: PROTOCOL_VERSION, kind: 'ready', contextId: base.contextId, memoryId, types: Object.keys(definition.handlers).sort() });
  useTypeCodes(table instanceof Promise ? await table : table);
  block.store(C_STATE, AgentState.ACTIVE);
  await loop();
  block.store(C_STATE, AgentState.STOPPED);
  process.exit(0);
}

void main();
