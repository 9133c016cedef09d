// Benchmark agent: a `general` handler that hands its payload straight back, so a
// round trip measures the pool (admission, hand-off, cloning, settlement), not work.
import { defineAgent } from '../../dist/workers/agent.js';

export default defineAgent({
  handlers: {
    general: (payload) => payload,
  },
});
