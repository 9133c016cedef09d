// A consuming process for the Redis bench: a 2-agent pool of the bench's daedalus agent,
// consuming the queue named in argv until SIGTERM. argv: redis URL, queue name.
import { CoordinationPool } from '../../dist/src/index.js';
import { RedisTaskQueue, consume } from '../../dist/src/redis/index.js';

const [url, name] = process.argv.slice(2);
const pool = new CoordinationPool({ agent: new URL('./daedalus-agent.mjs', import.meta.url), size: 2, queueCapacity: 1_000 });
await pool.ready();
const queue = new RedisTaskQueue({ connection: url, name });
const consumer = consume(pool, queue, { concurrency: 16 });
await consumer.ready();
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await consumer.close();
  await queue.close();
  await pool.close();
  process.exit(0);
});
