/**
 * Which roles may run a task, as a pure function of plain data (unit-tested
 * without threads). The answer is a bit mask over role indices; agents test it
 * in shared memory before they claim a slot.
 */

export interface RoleView {
  name: string;
  /** What the role offers besides its handler types. */
  capabilities: readonly string[];
  /** Its handler types, once one of its agents has said them; undefined before. */
  types: readonly string[] | undefined;
  /** No agent of this role can run anything now or later (none left, or none can start). */
  down: boolean;
}

export interface RouteWant {
  type: string;
  role?: string | undefined;
  capabilities?: readonly string[] | undefined;
}

export type Route =
  /** Agents of these roles may take it. */
  | { kind: 'roles'; mask: number }
  /** A role that could take it has not said its types yet: decide when it has. */
  | { kind: 'wait' }
  | { kind: 'unknownRole' }
  | { kind: 'unknownType'; knownTypes: string[] }
  /** Roles handle the type, but none has every capability asked for: per such role, what it lacks. */
  | { kind: 'unmetCapability'; missingByRole: Record<string, string[]> }
  /** Only roles that are down could take it. */
  | { kind: 'down'; roles: string[] };

/**
 * A task may go to a role when the role handles its type, has every capability
 * it asks for (the role's `capabilities` plus its handler types) and is the
 * role it names, if it names one. Roles not known yet do not hold a task back
 * when a known role can take it: routing is decided once, when the task is placed.
 */
export function routeTask(roles: readonly RoleView[], want: RouteWant): Route {
  let mask = 0;
  let pending = false;
  let named = false;
  const downRoles: string[] = [];
  const missingByRole: Record<string, string[]> = {};
  for (let index = 0; index < roles.length; index++) {
    const role = roles[index] as RoleView;
    if (want.role !== undefined && role.name !== want.role) continue;
    named = true;
    if (role.types === undefined) {
      if (!role.down) pending = true;
      continue;
    }
    if (!role.types.includes(want.type)) continue;
    const missing = (want.capabilities ?? []).filter((c) => !role.capabilities.includes(c) && !role.types?.includes(c));
    if (missing.length > 0) {
      missingByRole[role.name] = missing;
      continue;
    }
    if (role.down) {
      downRoles.push(role.name);
      continue;
    }
    mask |= 1 << index;
  }
  if (!named) return { kind: 'unknownRole' };
  if (mask !== 0) return { kind: 'roles', mask };
  if (pending) return { kind: 'wait' };
  if (downRoles.length > 0) return { kind: 'down', roles: downRoles };
  if (Object.keys(missingByRole).length > 0) return { kind: 'unmetCapability', missingByRole };
  const known = new Set<string>();
  for (const role of roles) if (want.role === undefined || role.name === want.role) for (const t of role.types ?? []) known.add(t);
  return { kind: 'unknownType', knownTypes: [...known].sort() };
}
