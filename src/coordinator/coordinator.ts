import type { AgentHandle } from '../agents/handle.js';
import type { Incarnation } from '../agents/incarnation.js';
import type { AgentLifecycle } from '../agents/supervisor.js';
import type { EventBus } from '../bus.js';
import { TaskFailedError, fromWireError, type AllAgentsAbandonedError, type PoolDegradedError } from '../errors.js';
import type { IsolationProber } from '../metrics/isolation.js';
import type { AgentMessage } from '../protocol.js';
import type { SlotTable } from '../ring/slot-table.js';
import type { TaskLedger } from '../tasks/ledger.js';
import type { Logger } from '../types.js';
import type { RoleTable } from '../agents/role-table.js';
import type { Cancellation } from './cancellation.js';
import type { Delegation } from './delegation.js';
import type { Outcomes } from './outcomes.js';
import type { Placement } from './placement.js';
import type { Waiters } from './waiters.js';
import { AgentLogWriter } from './agent-log.js';

export interface CoordinatorParts {
  bus: EventBus;
  logger: Logger;
  slots: SlotTable;
  ledger: TaskLedger;
  placement: Placement;
  outcomes: Outcomes;
  cancellation: Cancellation;
  prober: IsolationProber;
  waiters: Waiters;
  roles: RoleTable;
  delegation: Delegation;
}

/**
 * The task side's answer to agent lifecycle events: routes each (checked)
 * agent message and each agent's arrival or departure to the part that owns
 * the decision, then re-checks size waiters.
 */
export class Coordinator implements AgentLifecycle {
  readonly #p: CoordinatorParts;
  readonly #agentLog: AgentLogWriter;

  constructor(parts: CoordinatorParts) {
    this.#p = parts;
    this.#agentLog = new AgentLogWriter(parts.logger, parts.bus);
  }

  onReady(_handle: AgentHandle, _types: string[]): void {
    this.#placeEarly();
    this.#p.placement.placeDirect();
  }

  /** Tasks that waited for roles to say their types: routed now, or failed with the error their submit would have thrown. */
  #placeEarly(): void {
    const { placement, ledger } = this.#p;
    placement.placeEarly((task, error) => {
      ledger.settle(task, { ok: false, error: new TaskFailedError(task.id, [], error) }, 'failed');
    });
  }

  /** The completion sequence moved: drain every agent's completion ring. */
  onCompletions(): void {
    this.#p.outcomes.drainAll();
    this.#checkSize();
  }

  onMessage(handle: AgentHandle, inc: Incarnation, message: AgentMessage): void {
    const { slots, ledger } = this.#p;
    switch (message.kind) {
      case 'started': {
        // A completion drained from shared memory can overtake this notice; then the slot moved on and it is moot.
        const task = slots.isSlot(message.slot) ? ledger.inSlot(message.slot) : undefined;
        if (task?.id === message.taskId && !task.settled && slots.owner(message.slot) === inc.block.owner) this.#p.cancellation.armDeadline(task, message.startedAtMs);
        return;
      }
      case 'result':
        this.#p.outcomes.onResultMessage(handle, inc, message.slot, message.taskId, message.ok ? { ok: true, value: message.value } : { ok: false, error: fromWireError(message.error) });
        this.#checkSize();
        return;
      case 'log':
        this.#agentLog.write(inc, message);
        return;
      case 'probeReply':
        this.#p.prober.onReply(inc, message.probeId, message.report);
        return;
      case 'submit':
        this.#p.delegation.onSubmit(handle, inc, message);
        return;
      case 'cancelSubtask':
        this.#p.delegation.onCancelSubtask(inc, message.requestId, message.reason);
        return;
      case 'ready':
      case 'initError':
        return; // handled by the supervisor
    }
  }

  onGone(handle: AgentHandle, inc: Incarnation, exitCode: number, zombie: boolean): void {
    this.#p.outcomes.onGone(handle, inc, exitCode, zombie);
    this.#p.delegation.onGone(inc);
    this.#checkSize();
  }

  onDegraded(error: PoolDegradedError): void {
    this.#p.cancellation.rejectWaitingWith(error);
    this.#checkSize();
  }

  onNoAgents(error: AllAgentsAbandonedError): void {
    this.#p.cancellation.rejectWaitingWith(error);
    this.#checkSize();
  }

  /** Waiting tasks that only the roles now down could run reject; early ones are routed again without it. */
  onRoleDown(role: number, error: Error): void {
    const bit = 1 << role;
    this.#p.cancellation.rejectWaitingWith(error, (task) => task.route !== 0 && (task.route & ~bit & this.#p.roles.upMask()) === 0);
    this.#placeEarly();
    this.#checkSize();
  }

  #checkSize(): void {
    const { waiters, placement } = this.#p;
    if (waiters.watchingSize) waiters.checkSize(placement.depth());
  }
}
