const { CoordinationPool } = await import('./dist/src/index.js');
const pool = new CoordinationPool({ agent: new URL('./bench/agents/daedalus-agent.mjs', import.meta.url), size: 1 });
pool.on('agentReady', (e) => console.log('startMs', e.startMs.toFixed(1)));
await pool.ready();
await pool.destroy();
