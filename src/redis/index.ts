/**
 * daedalus-pool/redis: a durable queue on BullMQ and Redis, shared by pools in
 * many processes. Apart from the core, so `import 'daedalus-pool'` does not
 * load BullMQ.
 */
export { RedisTaskQueue } from './queue.js';
export { consume, RedeliveredError, type ConsumeOptions, type RedisConsumer } from './consumer.js';
export type { RedisConnection, RedisQueueOptions, RedisJobOptions, RedisTaskSnapshot } from './types.js';
