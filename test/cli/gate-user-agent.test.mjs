// `daedalus gate --agent` runs the user's own agent module: an open-loop (rate)
// workload passes; failing tasks fail the gate (exit 1) unless --max-failed
// allows them; a type the agent does not handle is a usage error (exit 2)
// naming the workload field; an agent that cannot load fails the gate (exit 1)
// with a report that says so.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_API_URL, runCli, scratchDir } from './run-cli.mjs';

const scratch = scratchDir();
afterAll(() => scratch.remove());

const agent = scratch.write(
  'my-agent.mjs',
  `import { defineAgent } from ${JSON.stringify(AGENT_API_URL)};
export default defineAgent({
  handlers: {
    ingest: (payload) => ({ stored: payload.n }),
    flaky: (payload) => { if (payload.fail) throw Object.assign(new Error('flaky said no'), { code: 'E_FLAKY' }); return 1; },
  },
});
`,
);
const brokenAgent = scratch.write('broken-agent.mjs', "throw new Error('this agent cannot load');\n");

describe('daedalus gate --agent with a user agent module', () => {
  it('runs a rate workload on it and passes', async () => {
    const workload = scratch.write('rate.json', { name: 'rate', agents: 1, tasks: [{ type: 'ingest', payload: { n: 1 } }], rate: 400, durationMs: 300 });
    const out = scratch.path('rate-report.json');
    const r = await runCli(['gate', '--agent', agent, '--workload', workload, '--out', out]);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.workload.schedule).toEqual({ kind: 'rate', ratePerSec: 400, durationMs: 300 });
    expect(report.workload.agents).toBe(1);
    expect(report.measured.tasks.planned).toBe(120);
    expect(report.measured.tasks.completed).toBe(120);
    expect(report.agent).toBe(pathToFileURL(agent).href);
  });

  it('fails (exit 1) when tasks fail, and reports the failure code; --max-failed allows them', async () => {
    const workload = scratch.write('flaky.json', {
      tasks: [
        { type: 'flaky', weight: 1, payload: { fail: true } },
        { type: 'flaky', weight: 3, payload: { fail: false } },
      ],
      count: 40,
      concurrency: 4,
    });
    const out = scratch.path('flaky-report.json');
    const failed = await runCli(['gate', '--agent', agent, '--workload', workload, '--agents', '1', '--out', out]);
    expect(failed.code).toBe(1);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.measured.tasks.failed).toBe(10);
    expect(report.measured.failuresByCode).toEqual({ ERR_TASK_FAILED: 10 });
    expect(report.checks.filter((c) => !c.pass).map((c) => c.name)).toEqual(['failed or rejected tasks']);

    const allowed = await runCli(['gate', '--agent', agent, '--workload', workload, '--agents', '1', '--max-failed', '10', '--out', out]);
    expect(allowed.code).toBe(0);
  });

  it('a workload type the agent does not handle exits 2 naming the field', async () => {
    const workload = scratch.write('unknown-type.json', { tasks: [{ type: 'ingest', payload: { n: 1 } }, { type: 'teleport' }], count: 10 });
    const r = await runCli(['gate', '--agent', agent, '--workload', workload, '--agents', '1', '--out', scratch.path('unused.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tasks[1].type');
    expect(r.stderr).toContain('teleport');
  });

  it('an agent module that throws while loading exits 1 naming it, and the report records the failure', async () => {
    const out = scratch.path('broken-report.json');
    const r = await runCli(['gate', '--agent', brokenAgent, '--agents', '1', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('broken-agent.mjs');
    expect(r.stderr).toContain('this agent cannot load');
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.ok).toBe(false);
    expect(report.verdict).toBe('error');
    expect(report.failure).toMatchObject({ stage: 'startup', code: 'ERR_AGENT_INIT', agentCode: null });
    expect(report.failure.message).toContain('this agent cannot load');
  });
});
