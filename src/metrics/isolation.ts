import { randomUUID } from 'node:crypto';
import type { Incarnation } from '../agents/incarnation.js';
import type { Supervisor } from '../agents/supervisor.js';
import { PROTOCOL_VERSION, type ProbeReport } from '../protocol.js';
import type { IsolationAgentReport, IsolationReport } from '../types.js';

const PROBE_TIMEOUT_MS = 5_000;
const LEAK_SETTLE_MS = 25;

/**
 * The active cross-talk probe. Round one: every agent plants its own canary in
 * its globals and its memory map. Round two: every agent is asked which of all
 * the canaries it can see. An isolated pool sees only its own; ids must be
 * distinct too. Control-plane messages only: the task hot path is untouched.
 */
export class IsolationProber {
  private probeSeq = 0;
  private readonly waiting = new Map<number, (report: ProbeReport) => void>();

  constructor(private readonly supervisor: Supervisor, private readonly resourceLimits: IsolationAgentReport['resourceLimits']) {}

  onReply(probeId: number, report: ProbeReport): void {
    this.waiting.get(probeId)?.(report);
    this.waiting.delete(probeId);
  }

  private ask(inc: Incarnation, plant: string | undefined, look: string[]): Promise<ProbeReport> {
    const probeId = ++this.probeSeq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(probeId);
        reject(new Error(`agent ${inc.agentId} did not answer the isolation probe within ${PROBE_TIMEOUT_MS} ms`));
      }, PROBE_TIMEOUT_MS);
      this.waiting.set(probeId, (report) => {
        clearTimeout(timer);
        resolve(report);
      });
      inc.post({ v: PROTOCOL_VERSION, kind: 'probe', probeId, plant, look });
    });
  }

  async report(): Promise<IsolationReport> {
    const incs = [...this.supervisor.handles.values()].flatMap((h) => (h.inc?.state === 'ready' ? [h.inc] : []));
    const canaries = new Map(incs.map((inc) => [inc, `canary-${inc.agentId}-${randomUUID()}`]));
    await Promise.all(incs.map((inc) => this.ask(inc, canaries.get(inc), [])));
    // Give a leak time to land before anyone looks: a message between agents
    // (a BroadcastChannel, say) takes a few milliseconds to be delivered, and an
    // agent answering the look at once could miss what it is about to hear.
    await new Promise((resolve) => setTimeout(resolve, LEAK_SETTLE_MS));
    const all = [...canaries.values()];
    const reports = await Promise.all(incs.map((inc) => this.ask(inc, undefined, all)));
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
        resourceLimits: this.resourceLimits,
        ownCanaryVisible: r.seen.includes(canaries.get(inc) ?? ''),
        canariesSeen: r.seen.filter((c) => c !== canaries.get(inc)),
      };
    });
    const distinct = (key: 'threadId' | 'contextId' | 'memoryId'): boolean => new Set(agents.map((a) => a[key])).size === agents.length;
    const leaks = agents.filter((a) => a.canariesSeen.length > 0);
    const blind = agents.filter((a) => !a.ownCanaryVisible);
    const checks = [
      // A probe that cannot find the canary it just planted would also miss a leak: it proves nothing.
      {
        name: 'probe-sees-own-canary',
        ok: blind.length === 0,
        detail: blind.length === 0 ? 'every agent finds its own canary, so the probe can see a leak' : `agents ${blind.map((a) => a.agentId).join(', ')} cannot see their own canary`,
      },
      { name: 'distinct-thread-ids', ok: distinct('threadId'), detail: 'every agent runs on its own thread' },
      { name: 'distinct-context-ids', ok: distinct('contextId'), detail: 'every agent has its own V8 context' },
      { name: 'distinct-memory-ids', ok: distinct('memoryId'), detail: 'every agent has its own ctx.memory' },
      {
        name: 'no-cross-talk',
        ok: leaks.length === 0,
        detail: leaks.length === 0 ? 'no agent sees another agent\'s canary' : `agents ${leaks.map((a) => a.agentId).join(', ')} see canaries planted elsewhere`,
      },
    ];
    return { ok: checks.every((c) => c.ok), agents, checks };
  }
}
