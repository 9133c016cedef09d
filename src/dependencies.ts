import type { EventBus } from './bus.js';
import type { Clock, TimerHandle } from './clock.js';
import type { DependencyCheck } from './types.js';

export interface DependencyParts {
  bus: EventBus;
  clock: Clock;
  checks: Record<string, Required<DependencyCheck>>;
  requires: Record<string, readonly string[]>;
}

/**
 * Periodic health checks of external dependencies. A check that throws,
 * rejects or returns false counts as down; one still running when the next is
 * due is not started twice. A name with no check counts as always up.
 * Changes go out on the bus (dependencyUp, dependencyDown); placement listens.
 */
export class DependencyMonitor {
  private readonly up = new Map<string, boolean>();
  private readonly timers: TimerHandle[] = [];
  private readonly inFlight = new Set<string>();
  private stopped = false;
  private readonly checks: Record<string, Required<DependencyCheck>>;
  private readonly requires: Record<string, readonly string[]>;

  constructor(private readonly parts: DependencyParts) {
    this.checks = parts.checks;
    this.requires = parts.requires;
    for (const name of Object.keys(this.checks)) this.up.set(name, true);
  }

  start(): void {
    for (const [name, dep] of Object.entries(this.checks)) {
      void this.run(name, dep);
      this.timers.push(this.parts.clock.setInterval(() => void this.run(name, dep), dep.intervalMs));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) this.parts.clock.clear(t);
  }

  /** The required dependencies of a task type that are down right now. */
  downFor(type: string): string[] {
    const required = this.requires[type];
    if (required === undefined) return [];
    return required.filter((name) => this.up.get(name) === false);
  }

  private async run(name: string, dep: Required<DependencyCheck>): Promise<void> {
    if (this.inFlight.has(name) || this.stopped) return;
    this.inFlight.add(name);
    // The first check starts in the constructor: let the caller attach listeners before any event.
    await Promise.resolve();
    let isUp: boolean;
    let error: Error | undefined;
    try {
      isUp = (await dep.check()) === true;
    } catch (e) {
      isUp = false;
      error = e instanceof Error ? e : new Error(String(e));
    }
    this.inFlight.delete(name);
    if (this.stopped || this.up.get(name) === isUp) return;
    this.up.set(name, isUp);
    if (isUp) this.parts.bus.emit('dependencyUp', { name });
    else this.parts.bus.emit('dependencyDown', { name, error });
  }
}
