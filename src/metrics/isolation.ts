import { randomUUID } from 'node:crypto';
import type { Incarnation } from '../agents/incarnation.js';
import type { AgentRegistry } from '../agents/registry.js';
import type { Clock } from '../clock.js';
import { PROTOCOL_VERSION, type ProbeReport } from '../protocol.js';
import type { IsolationAgentReport, IsolationCheck, IsolationReport } from '../types.js';

const PROBE_TIMEOUT_MS = 5_000;
const LEAK_SETTLE_MS = 25;

export interface ProberParts {
  clock: Clock;
  registry: AgentRegistry;
  resourceLimits: IsolationAgentReport['resourceLimits'];
  payloads: 'shared' | 'private';
}

/**
 * The active cross-talk probe. Round one: every agent plants its own canary in
 * its globals and its memory map. Round two: every agent is asked which of all
 * the canaries it can see. An isolated pool sees only its own; ids must be
 * distinct too, and each reply must come from the thread and context that
 * handshook. The probe runs inside each isolate, beside the user's code: it
 * finds leaks made by ordinary code, not an agent written to lie to it.
 */
export class IsolationProber {
  #probeSeq = 0;
  readonly #waiting = new Map<number, { inc: Incarnation; resolve: (report: ProbeReport) => void }>();
  readonly #p: ProberParts;

  constructor(parts: ProberParts) {
    this.#p = parts;
  }

  /** A probe reply; only the incarnation that was asked may answer. */
  onReply(inc: Incarnation, probeId: number, report: ProbeReport): void {
    const waiter = this.#waiting.get(probeId);
    if (waiter?.inc !== inc) return;
    this.#waiting.delete(probeId);
    waiter.resolve(report);
  }

  #ask(inc: Incarnation, plant: string | undefined, look: string[]): Promise<ProbeReport> {
    const probeId = ++this.#probeSeq;
    const { clock } = this.#p;
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        this.#waiting.delete(probeId);
        reject(new Error(`agent ${inc.agentId} did not answer the isolation probe within ${PROBE_TIMEOUT_MS} ms`));
      }, PROBE_TIMEOUT_MS);
      this.#waiting.set(probeId, {
        inc,
        resolve: (report) => {
          clock.clear(timer);
          resolve(report);
        },
      });
      inc.post({ v: PROTOCOL_VERSION, kind: 'probe', probeId, plant, look });
    });
  }

  async report(): Promise<IsolationReport> {
    const incs = this.#p.registry.all().flatMap((h) => (h.inc?.state === 'ready' ? [h.inc] : []));
    const canaries = new Map(incs.map((inc) => [inc, `canary-${inc.agentId}-${randomUUID()}`]));
    await Promise.all(incs.map((inc) => this.#ask(inc, canaries.get(inc), [])));
    // Give a leak time to land before anyone looks: a message between agents
    // (a BroadcastChannel, say) takes a few milliseconds to be delivered, and an
    // agent answering the look at once could miss what it is about to hear.
    await new Promise<void>((resolve) => this.#p.clock.setTimeout(resolve, LEAK_SETTLE_MS));
    const all = [...canaries.values()];
    const reports = await Promise.all(incs.map((inc) => this.#ask(inc, undefined, all)));
    const agents: IsolationAgentReport[] = incs.map((inc, i) => {
      const r = reports[i] as ProbeReport;
      return {
        agentId: inc.agentId,
        generation: inc.generation,
        threadId: r.threadId,
        contextId: r.contextId,
        memoryId: r.memoryId,
        heapUsedBytes: r.heapUsedBytes,
        heapTotalBytes: r.heapTotalBytes,
        heapLimitBytes: r.heapLimitBytes,
        resourceLimits: this.#p.resourceLimits,
        ownCanaryVisible: r.seen.includes(canaries.get(inc) ?? ''),
        canariesSeen: r.seen.filter((c) => c !== canaries.get(inc)),
        payloadBytesMapped: r.payloadBytesMapped,
      };
    });
    const checks = this.#checks(incs, agents);
    return { ok: checks.every((c) => c.ok || c.informational === true), payloads: this.#p.payloads, agents, checks };
  }

  #checks(incs: Incarnation[], agents: IsolationAgentReport[]): IsolationCheck[] {
    const distinct = (key: 'threadId' | 'contextId' | 'memoryId'): boolean => new Set(agents.map((a) => a[key])).size === agents.length;
    const leaks = agents.filter((a) => a.canariesSeen.length > 0);
    const blind = agents.filter((a) => !a.ownCanaryVisible);
    // A reply must come from the thread and context that handshook, or someone rewrote it.
    const forged = agents.filter((a, i) => a.threadId !== incs[i]?.threadId || a.contextId !== incs[i]?.contextId);
    const mapping = agents.filter((a) => a.payloadBytesMapped > 0);
    const list = (xs: IsolationAgentReport[]): string => xs.map((a) => a.agentId).join(', ');
    const privateOk = this.#p.payloads === 'private' && mapping.length === 0;
    return [
      // A probe that cannot find the canary it just planted would also miss a leak: it proves nothing.
      {
        name: 'probe-sees-own-canary',
        ok: blind.length === 0,
        detail: blind.length === 0 ? 'every agent finds its own canary, so the probe can see a leak' : `agents ${list(blind)} cannot see their own canary`,
      },
      {
        name: 'probe-replies-genuine',
        ok: forged.length === 0,
        detail: forged.length === 0 ? 'every reply came from the thread and context that handshook' : `agents ${list(forged)} answered with another thread or context id`,
      },
      { name: 'distinct-thread-ids', ok: distinct('threadId'), detail: 'every agent runs on its own thread' },
      { name: 'distinct-context-ids', ok: distinct('contextId'), detail: 'every agent has its own V8 context' },
      { name: 'distinct-memory-ids', ok: distinct('memoryId'), detail: 'every agent has its own ctx.memory' },
      {
        name: 'no-cross-talk',
        ok: leaks.length === 0,
        detail: leaks.length === 0 ? "no agent sees another agent's canary" : `agents ${list(leaks)} see canaries planted elsewhere`,
      },
      {
        name: 'payloads-private',
        ok: privateOk,
        // Shared payloads are the documented mode for trusted code, not a failure; a private pool whose agents map payloads is.
        ...(this.#p.payloads === 'shared' ? { informational: true as const } : {}),
        detail: privateOk
          ? 'no agent maps payload memory: payloads and results go only to and from the agent that runs the task'
          : this.#p.payloads === 'private'
            ? `agents ${list(mapping)} map payload memory although payloads are private`
            : "payloads: 'shared': every agent maps the shared ring and could read any task's payload and result bytes (trusted code; set payloadIsolation: 'private' for untrusted tasks)",
      },
    ];
  }
}
