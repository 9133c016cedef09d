import { InvalidOptionError, UnknownTaskTypeError, UnmetCapabilityError } from '../errors.js';
import type { ResolvedRole } from '../options.js';
import { routeTask, type Route, type RoleView, type RouteWant } from '../scheduling/route.js';

const ONLY_ROLE: Route = Object.freeze({ kind: 'roles', mask: 1 });
const WAIT: Route = Object.freeze({ kind: 'wait' });

/**
 * The pool's roles and what is known about them: each role's handler types
 * (once one of its agents has said them), the task-type codes written into
 * slots, and which roles are down. The one owner of role state; routing asks it.
 *
 * Type codes are assigned in the order types first appear and never change, so
 * an agent booted with the table of its day can read every code it will ever
 * be handed (it is only handed tasks of its own types).
 */
export class RoleTable {
  readonly roles: readonly ResolvedRole[];
  /** Several roles: tasks carry a route mask that agents test before they claim. */
  readonly routed: boolean;
  /** Code -> type name; what agents read a slot's type word with. */
  readonly typeCodes: string[] = [];
  readonly #codes = new Map<string, number>();
  readonly #types: (readonly string[] | undefined)[];
  readonly #down: (Error | undefined)[];

  constructor(roles: readonly ResolvedRole[]) {
    this.roles = roles;
    this.routed = roles.length > 1;
    this.#types = roles.map(() => undefined);
    this.#down = roles.map(() => undefined);
  }

  byName(name: string): ResolvedRole | undefined {
    return this.roles.find((r) => r.name === name);
  }

  nameOf(index: number): string {
    return this.roles[index]?.name ?? 'unknown';
  }

  /** A role's agent said its types. False when the role's types were already known. */
  register(role: number, types: readonly string[]): boolean {
    if (this.#types[role] !== undefined) return false;
    this.#types[role] = Object.freeze([...types]);
    for (const type of types) {
      if (this.#codes.has(type)) continue;
      this.#codes.set(type, this.typeCodes.length);
      this.typeCodes.push(type);
    }
    return true;
  }

  typesOf(role: number): readonly string[] | undefined {
    return this.#types[role];
  }

  /** Every role has said its types. */
  get allKnown(): boolean {
    return this.#types.every((t) => t !== undefined);
  }

  /** The code a slot carries for `type`; -1 for a type no known role handles. */
  codeOf(type: string): number {
    return this.#codes.get(type) ?? -1;
  }

  /** Every type some role handles, sorted. */
  knownTypes(): string[] {
    return [...this.#codes.keys()].sort();
  }

  /** Marks a role as unable to take work (every agent abandoned, or none can start), with the error new work gets. */
  setDown(role: number, error: Error | undefined): void {
    this.#down[role] = error;
  }

  downError(role: number): Error | undefined {
    return this.#down[role];
  }

  /** Bit mask of the roles that are not down. */
  upMask(): number {
    let mask = 0;
    this.#down.forEach((down, index) => {
      if (down === undefined) mask |= 1 << index;
    });
    return mask;
  }

  /** Which roles may take a task; one role and no constraint costs a map lookup and no allocation. */
  route(want: RouteWant): Route {
    if (!this.routed && want.role === undefined && want.capabilities === undefined && this.#down[0] === undefined) {
      const types = this.#types[0];
      if (types === undefined) return WAIT;
      if (this.#codes.has(want.type)) return ONLY_ROLE;
    }
    return routeTask(this.views(), want);
  }

  /** The coded error for a task no role will take; undefined when the route lets it run or wait. */
  refusal(route: Route, want: RouteWant): Error | undefined {
    switch (route.kind) {
      case 'roles':
      case 'wait':
        return undefined;
      case 'unknownRole':
        return new InvalidOptionError('role', `one of the pool's roles (${this.roles.map((r) => r.name).join(', ')})`, want.role);
      case 'unknownType':
        return new UnknownTaskTypeError(want.type, route.knownTypes);
      case 'unmetCapability':
        return new UnmetCapabilityError(want.type, want.capabilities ?? [], route.missingByRole);
      case 'down': {
        const index = this.roles.findIndex((r) => r.name === route.roles[0]);
        return this.#down[index] ?? new Error(`role ${route.roles.join(', ')} cannot take work`);
      }
    }
  }

  views(): RoleView[] {
    return this.roles.map((r, i) => ({ name: r.name, capabilities: r.capabilities, types: this.#types[i], down: this.#down[i] !== undefined }));
  }
}
