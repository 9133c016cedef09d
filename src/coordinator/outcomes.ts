import type { AgentHandle } from '../agents/handle.js';
import type { Incarnation } from '../agents/incarnation.js';
import type { AgentRegistry } from '../agents/registry.js';
import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import { AgentCrashedError, AgentHungError, TaskFailedError, fromWireError, isRetryable, type WireError } from '../errors.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import type { ResolvedOptions } from '../options.js';
import { isWireError } from '../protocol-check.js';
import { COUNTED_ASSIGNMENT, COUNTED_RUN, type SlotTable } from '../ring/slot-table.js';
import { decideAfterFailure } from '../scheduling/retry.js';
import type { TaskLedger } from '../tasks/ledger.js';
import type { Task } from '../tasks/task.js';
import type { Placement } from './placement.js';

type Outcome = { ok: true; value: unknown } | { ok: false; error: Error };

export interface OutcomeParts {
  bus: EventBus;
  clock: Clock;
  options: ResolvedOptions;
  slots: SlotTable;
  ledger: TaskLedger;
  registry: AgentRegistry;
  placement: Placement;
  metrics: MetricsRecorder;
}

/**
 * What happens when a try ends: outcomes drained from agents' completion rings
 * or posted by message, a handler's failure, an agent's death. Decides by the
 * retry rules (pure functions in scheduling/) and asks the ledger to move or
 * settle the task. Every outcome is checked against who sent it: an agent may
 * only finish the slots it owns.
 */
export class Outcomes {
  readonly #p: OutcomeParts;

  constructor(parts: OutcomeParts) {
    this.#p = parts;
  }

  /** Drains every agent's completion ring; called when the completion sequence moves. */
  drainAll(): void {
    for (const [handle, inc] of this.#p.registry.drainable()) this.drain(handle, inc);
    this.#p.placement.placeDirect();
  }

  drain(handle: AgentHandle, inc: Incarnation): void {
    const { slots, ledger } = this.#p;
    let broken: string | undefined;
    const drained = inc.block.drainCompletions((slot) => {
      if (broken !== undefined) return;
      if (!slots.isSlot(slot) || slots.owner(slot) !== inc.block.owner) {
        broken = `published slot ${slot}, which it does not own`;
        return;
      }
      const task = ledger.inSlot(slot);
      const outcome = slots.readOutcome(slot);
      if (outcome.kind === 'byMessage' || outcome.kind === 'none' || task === undefined) return;
      if (outcome.kind === 'unreadable' || (outcome.kind === 'error' && !isWireError(outcome.wire))) {
        broken = `published an outcome for slot ${slot} that does not decode`;
        return;
      }
      ledger.releaseSlot(task);
      const result: Outcome = outcome.kind === 'value' ? { ok: true, value: outcome.value } : { ok: false, error: fromWireError(outcome.wire as WireError) };
      this.finish(handle, inc, task, result, outcome.startedAt, outcome.finishedAt, outcome.counted);
    });
    // Its task stays in its slot and fails over when the agent is gone.
    if (broken !== undefined) inc.violation(broken);
    else if (drained > 0) this.#p.registry.wakeAfterDrain(inc, this.#p.placement.waitingFor(inc.role) > 0);
  }

  /** A result posted by message (too large for the slot, or carrying buffers). */
  onResultMessage(handle: AgentHandle, inc: Incarnation, slot: number, taskId: number, outcome: Outcome): void {
    const { slots, ledger } = this.#p;
    const task = slots.isSlot(slot) ? ledger.inSlot(slot) : undefined;
    if (task?.id !== taskId || slots.owner(slot) !== inc.block.owner || slots.phase(slot) !== 'done') {
      inc.violation(`sent a result for slot ${slot} (task ${taskId}), which it does not hold`);
      return;
    }
    const startedAt = slots.startedAt(slot);
    const finishedAt = slots.finishedAt(slot);
    const counted = slots.agentCounted(slot);
    ledger.releaseSlot(task);
    this.finish(handle, inc, task, outcome, startedAt, finishedAt, counted);
    this.#p.placement.placeDirect();
  }

  /**
   * One try ended with an outcome from the handler (or before it, e.g. a
   * payload that would not decode). `counted`: the latencies the agent
   * counted itself (SlotTable.agentCounted), which are not recorded again.
   */
  finish(handle: AgentHandle, inc: Incarnation, task: Task, outcome: Outcome, startedAt: number, finishedAt: number, counted: number): void {
    this.#p.clock.clear(task.deadlineTimer);
    this.#p.clock.clear(task.graceTimer);
    const started = startedAt > 0;
    if (started) this.#noteStarted(task, handle, inc, startedAt, finishedAt, counted);
    if (task.settled) return; // cancelled or timed out while running; the agent came back in time
    if (outcome.ok) {
      handle.recordSuccess(task.type, finishedAt - startedAt);
      this.#p.ledger.settle(task, outcome, 'completed');
      return;
    }
    this.#afterFailure(task, handle, inc, outcome.error, 'handler', started, finishedAt);
  }

  /** Records the start of the current try once (metrics, event), whenever it is first seen. */
  #noteStarted(task: Task, handle: AgentHandle, inc: Incarnation, startedAt: number, finishedAt: number, counted: number): void {
    const { ledger, metrics, bus } = this.#p;
    const first = task.attempts.of(task.placement) === undefined;
    const firstEver = task.assignmentLatencyMs === undefined;
    ledger.markStarted(task, handle.agentId, inc.generation, startedAt);
    if (!first) return;
    const assignmentLatencyMs = task.assignmentLatencyMs ?? 0;
    metrics.recordStart(task, handle.agentId, assignmentLatencyMs, startedAt, firstEver && (counted & COUNTED_ASSIGNMENT) === 0);
    if (bus.wants('taskStarted')) {
      bus.emit('taskStarted', { taskId: task.id, traceId: task.traceId, type: task.type, agentId: handle.agentId, attempt: task.attempts.started, startedAt, assignmentLatencyMs });
    }
    metrics.recordRun(task, handle.agentId, task.attempts.started, startedAt, finishedAt, (counted & COUNTED_RUN) === 0);
  }

  #afterFailure(task: Task, handle: AgentHandle, inc: Incarnation, error: Error, kind: 'handler' | 'agent', started: boolean, finishedAt: number): void {
    const { ledger, metrics, placement, bus, options } = this.#p;
    if (started) {
      ledger.markTryFailed(task, error, finishedAt);
      handle.tasksFailed++;
      metrics.recordAttemptFailed(handle.agentId, finishedAt);
    }
    const decision = decideAfterFailure({
      kind,
      started,
      retryable: isRetryable(error),
      idempotent: task.options.idempotent,
      // Every transfer-list payload is posted with its hand-off, started or not.
      payloadMoved: task.payload.kind === 'transfer',
      attemptsStarted: task.attempts.started,
      maxAttempts: options.maxAttempts,
    });
    switch (decision.action) {
      case 'requeue':
        ledger.move(task, 'queued');
        placement.requeue(task);
        return;
      case 'retry':
        metrics.recordRetry(task.type, handle.agentId);
        bus.emit('taskRetried', { taskId: task.id, traceId: task.traceId, type: task.type, agentId: handle.agentId, attempt: task.attempts.started + 1, fromAgentId: handle.agentId, error });
        placement.retry(task);
        return;
      case 'fail':
        ledger.settle(task, { ok: false, error: new TaskFailedError(task.id, task.attempts.failures(), error) }, 'failed');
        return;
    }
  }

  /**
   * An incarnation is gone. Its finished work stands (drained first); work it
   * had but never started goes back without costing an attempt; started work
   * fails over or fails, by the retry rules.
   */
  onGone(handle: AgentHandle, inc: Incarnation, exitCode: number, zombie: boolean): void {
    // Outcomes it published before it broke the protocol stand; a drain stops at the first bad entry.
    this.drain(handle, inc);
    const { slots, ledger, clock, registry, metrics } = this.#p;
    // Before its block can be reused: the latencies it counted are this agent's.
    registry.drainLatenciesOf(handle, inc, metrics);
    const affected: { task: Task; started: boolean; startedAt: number; counted: number }[] = [];
    for (const [slot, task] of ledger.occupied()) {
      if (slots.owner(slot) !== inc.block.owner) continue;
      affected.push({ task, started: slots.hasStarted(slot), startedAt: slots.startedAt(slot), counted: slots.agentCounted(slot) });
    }
    const error = this.#agentError(inc, exitCode);
    const at = clock.nowMs();
    for (const { task, started, startedAt, counted } of affected) {
      ledger.releaseSlot(task, zombie);
      clock.clear(task.deadlineTimer);
      clock.clear(task.graceTimer);
      if (started) this.#noteStarted(task, handle, inc, startedAt, at, counted);
      if (task.settled) continue;
      this.#afterFailure(task, handle, inc, error, 'agent', started, at);
    }
  }

  #agentError(inc: Incarnation, exitCode: number): Error {
    if (inc.killReason === 'hung') return new AgentHungError(inc.agentId, Math.round(this.#p.clock.nowMs() - inc.block.lastHeartbeatMs()));
    if (inc.killReason === 'failed') return new AgentCrashedError(inc.agentId, exitCode, new Error(`failAgent: ${inc.killDetail ?? 'no reason given'}`));
    return new AgentCrashedError(inc.agentId, exitCode, inc.lastError);
  }
}
