/**
 * What defineAgent gives handlers: an un-annotated payload is `unknown` (not
 * `never`), `ctx` is a typed TaskContext, and an annotated `setup` types
 * `ctx.memory` in every handler.
 */
import { defineAgent, type SetupContext, type TaskContext } from 'daedalus-pool/agent';
import { expectType, type Equal } from './assert.js';
import type agent from './typed-agent.js';

type GeneralPayload = Parameters<typeof agent.handlers.general>[0];
expectType<Equal<GeneralPayload, unknown>>(true);

type IngestCtx = Parameters<typeof agent.handlers.ingest>[1];
expectType<Equal<IngestCtx, TaskContext<Map<'seen', number>>>>(true);
expectType<Equal<IngestCtx['memory'], Map<'seen', number>>>(true);

// Without an annotated setup, memory is an untyped Map and ctx is still typed.
export const plain = defineAgent({
  handlers: {
    general: (payload, ctx) => {
      expectType<Equal<typeof payload, unknown>>(true);
      expectType<Equal<typeof ctx.memory, Map<unknown, unknown>>>(true);
      expectType<Equal<typeof ctx.traceId, string>>(true);
      ctx.log.info({ rows: 3 }, 'ingested');
      ctx.log.warn('plain message %s', 'with args');
      return ctx.attempt;
    },
  },
});

interface Db {
  query(sql: string): number;
}

export const typedMemory = defineAgent({
  setup(ctx: SetupContext<Map<'db', Db>>) {
    ctx.memory.set('db', { query: () => 1 });
  },
  handlers: {
    count: (sql: string, ctx) => {
      expectType<Equal<ReturnType<typeof ctx.memory.get>, Db | undefined>>(true);
      return ctx.memory.get('db')?.query(sql) ?? 0;
    },
  },
});

defineAgent({
  handlers: {
    // @ts-expect-error: a handler must be a function
    general: 42,
  },
});

defineAgent({
  setup(ctx) {
    // @ts-expect-error: the default memory holds unknown values, not numbers
    const seen: number = ctx.memory.get('seen');
    console.log(seen);
  },
  handlers: {},
});
