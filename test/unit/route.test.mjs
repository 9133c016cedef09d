// Which roles may run a task: a pure function of the roles' types and capabilities.
import { describe, expect, it } from 'vitest';
import { routeTask } from '../../dist/src/scheduling/route.js';

const role = (name, types, capabilities = [], down = false) => ({ name, types, capabilities, down });
const team = [role('architect', ['spec', 'general'], ['design']), role('developer', ['code', 'general'], ['code', 'test']), role('reviewer', ['general'], ['test'])];

describe('routeTask', () => {
  it('sends a type to every role whose module handles it', () => {
    expect(routeTask(team, { type: 'general' })).toEqual({ kind: 'roles', mask: 0b111 });
    expect(routeTask(team, { type: 'spec' })).toEqual({ kind: 'roles', mask: 0b001 });
  });

  it('pins to a named role, and refuses a name that is not a role', () => {
    expect(routeTask(team, { type: 'general', role: 'reviewer' })).toEqual({ kind: 'roles', mask: 0b100 });
    expect(routeTask(team, { type: 'general', role: 'tester' })).toEqual({ kind: 'unknownRole' });
    expect(routeTask(team, { type: 'spec', role: 'developer' })).toEqual({ kind: 'unknownType', knownTypes: ['code', 'general'] });
  });

  it('keeps only roles with every capability asked for; handler types count as capabilities', () => {
    expect(routeTask(team, { type: 'general', capabilities: ['test'] })).toEqual({ kind: 'roles', mask: 0b110 });
    expect(routeTask(team, { type: 'general', capabilities: ['code', 'test'] })).toEqual({ kind: 'roles', mask: 0b010 });
    expect(routeTask(team, { type: 'general', capabilities: ['spec'] })).toEqual({ kind: 'roles', mask: 0b001 });
    expect(routeTask(team, { type: 'general', capabilities: ['design', 'test'] })).toEqual({
      kind: 'unmetCapability',
      missingByRole: { architect: ['test'], developer: ['design'], reviewer: ['design'] },
    });
  });

  it('names every known type when no role handles the one asked for', () => {
    expect(routeTask(team, { type: 'deploy' })).toEqual({ kind: 'unknownType', knownTypes: ['code', 'general', 'spec'] });
  });

  it('waits while a role that could take the task has not said its types, unless a known role can take it now', () => {
    const starting = [role('a', ['general']), role('b', undefined)];
    expect(routeTask(starting, { type: 'general' })).toEqual({ kind: 'roles', mask: 0b01 });
    expect(routeTask(starting, { type: 'other' })).toEqual({ kind: 'wait' });
    expect(routeTask(starting, { type: 'general', role: 'b' })).toEqual({ kind: 'wait' });
  });

  it('routes around a role that is down, and says so when only such roles could take the task', () => {
    const oneDown = [role('a', ['general'], [], true), role('b', ['general'])];
    expect(routeTask(oneDown, { type: 'general' })).toEqual({ kind: 'roles', mask: 0b10 });
    expect(routeTask(oneDown, { type: 'general', role: 'a' })).toEqual({ kind: 'down', roles: ['a'] });
    // A role that is down and never said its types does not hold a task waiting either.
    expect(routeTask([role('a', undefined, [], true)], { type: 'general' })).toEqual({ kind: 'unknownType', knownTypes: [] });
  });
});
