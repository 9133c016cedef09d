/**
 * Options are checked, not ignored or half-applied. Expected:
 * - an unknown pool option (`sise`) or task option (`priorty`) throws
 *   InvalidOptionError (ERR_INVALID_OPTION) with `option` set to the unknown
 *   name and a "did you mean" suggestion (the known name) in its message;
 * - a `workerData` that cannot be cloned throws a coded error (ERR_DATA_CLONE),
 *   not a raw DOMException;
 * - a queueCapacity x inlinePayloadBytes too large to allocate throws
 *   ERR_INVALID_OPTION, not a raw RangeError;
 * - a negative resourceLimits value throws ERR_INVALID_OPTION.
 * A refused constructor leaves nothing running.
 */
import { expect } from 'vitest';
import { ErrorCodes, InvalidOptionError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { activeResources, resourcesLeftOver, thrownBy } from '../helpers.mjs';

const AGENT = new URL('./fixtures/settlement-agent.mjs', import.meta.url);

/** What `new CoordinationPool(options)` (through usePool) threw; fails (the fixture destroys it) if it built a pool. */
async function refused(usePool, options) {
  const baseline = activeResources();
  let error;
  try {
    usePool(options, { ready: false });
  } catch (e) {
    error = e;
  }
  expect(error, `the constructor accepted ${Object.keys(options).join(', ')}`).toBeDefined();
  expect(await resourcesLeftOver(baseline), 'handles left by a refused constructor').toEqual({});
  return error;
}

poolTest('an unknown pool option (sise) throws InvalidOptionError naming it, suggesting size', async ({ usePool }) => {
  const error = await refused(usePool, { agent: AGENT, sise: 2 });
  expect(error).toBeInstanceOf(InvalidOptionError);
  expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
  expect(error.option).toBe('sise');
  expect(error.message).toContain('size'); // the "did you mean" suggestion
});

poolTest('an unknown task option (priorty) throws InvalidOptionError at submit naming it, suggesting priority', async ({ usePool }) => {
  const pool = await usePool({ agent: AGENT, size: 1 });
  const error = thrownBy(() => pool.submit({ op: 'echo' }, { priorty: 1 }));
  expect(error).toBeInstanceOf(InvalidOptionError);
  expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
  expect(error.option).toBe('priorty');
  expect(error.message).toContain('priority');
  expect(pool.metrics().tasks.pending).toBe(0);
});

poolTest('a workerData that cannot be cloned throws ERR_DATA_CLONE', async ({ usePool }) => {
  const error = await refused(usePool, { agent: AGENT, size: 1, workerData: () => 1 });
  expect(error.code).toBe(ErrorCodes.DATA_CLONE);
});

poolTest('queueCapacity x inlinePayloadBytes too large to allocate throws ERR_INVALID_OPTION', async ({ usePool }) => {
  const error = await refused(usePool, { agent: AGENT, size: 1, queueCapacity: 1_000_000, inlinePayloadBytes: 16 * 1024 * 1024 });
  expect(error).toBeInstanceOf(InvalidOptionError);
  expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
});

poolTest('a negative resourceLimits value throws ERR_INVALID_OPTION naming it', async ({ usePool }) => {
  const error = await refused(usePool, { agent: AGENT, size: 1, resourceLimits: { maxOldGenerationSizeMb: -1 } });
  expect(error).toBeInstanceOf(InvalidOptionError);
  expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
  expect(error.option).toContain('maxOldGenerationSizeMb');
});
