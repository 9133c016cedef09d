/**
 * A pool of roles typed by the intersection of its modules: each task type is
 * checked against the module that handles it; ctx.run and ctx.submit exist in
 * handlers, with the task options (role and capabilities included).
 */
import { CoordinationPool } from 'daedalus-pool';
import { defineAgent, type SubtaskHandle } from 'daedalus-pool/agent';
import { expectType, type Equal } from './assert.js';

const developer = defineAgent({
  handlers: {
    implement: (part: { name: string }) => ({ built: part.name }),
  },
});

const architect = defineAgent({
  handlers: {
    async spec(feature: string, ctx) {
      const built = await ctx.run<{ built: string }>({ name: feature }, { type: 'implement', role: 'developer', capabilities: ['code'] });
      expectType<Equal<typeof built, { built: string }>>(true);
      const handed = await ctx.submit({ name: 'docs' }, { type: 'implement', priority: 2 });
      expectType<Equal<typeof handed, SubtaskHandle<unknown>>>(true);
      return [built.built];
    },
  },
});

const pool = new CoordinationPool<typeof architect & typeof developer>({
  agents: {
    architect: { agent: new URL('./architect.js', import.meta.url), capabilities: ['design'] },
    developer: { agent: new URL('./developer.js', import.meta.url), size: 2, maxSize: 6, capabilities: ['code'] },
  },
});

export async function roles(): Promise<void> {
  const planned = await pool.run('search', { type: 'spec' });
  expectType<Equal<typeof planned, string[]>>(true);
  const built = await pool.run({ name: 'api' }, { type: 'implement', role: 'developer', capabilities: ['code'] });
  expectType<Equal<typeof built, { built: string }>>(true);
  // @ts-expect-error: implement takes { name }, not a string
  await pool.run('api', { type: 'implement' });
  // @ts-expect-error: no module of the pool handles 'deploy'
  await pool.run({}, { type: 'deploy' });
  await pool.resize(3, { role: 'developer' });
  await pool.spawnAgent({ role: 'architect' });
}
