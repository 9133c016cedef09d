/**
 * An agent module as a TypeScript user writes it: some handlers annotate
 * their payload, one does not, `setup` types the agent's memory. The type
 * tests beside it check what a pool typed by this module accepts.
 */
import { defineAgent, withTransfer, type SetupContext } from 'daedalus-pool/agent';

export interface Row {
  id: number;
  name: string;
}

export default defineAgent({
  setup(ctx: SetupContext<Map<'seen', number>>) {
    ctx.memory.set('seen', 0);
  },
  handlers: {
    general: (payload) => ({ echo: payload }),
    ingest: async (rows: Row[], ctx) => {
      ctx.memory.set('seen', (ctx.memory.get('seen') ?? 0) + rows.length);
      return { stored: rows.length, byAgent: ctx.agentId };
    },
    migration: (payload: { table: string; steps: number }, ctx) => {
      for (let step = 0; step < payload.steps; step++) ctx.heartbeat();
      return `migrated ${payload.table}`;
    },
    blob: (size: number) => {
      const bytes = new Uint8Array(size);
      return withTransfer(bytes, [bytes.buffer]);
    },
    ping: () => 'pong' as const,
  },
});
