/** daedalus-pool/serve: the pool's HTTP API (Fastify, prom-client), apart from the core so `import 'daedalus-pool'` stays small. */
export { createServer, type PoolServer, type ServerOptions } from './server.js';
export { serve, type ServeOptions, type RunningServer } from './serve.js';
