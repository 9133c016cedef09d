// The dashboard of `daedalus serve`: polls /status, /agents, /metrics and /bottlenecks every
// 2 s, follows /events/stream live, charts the last 5 minutes, and submits tasks through
// POST /tasks, following each to its result. A token given as ?token= is sent with every call.
const token = new URLSearchParams(location.search).get('token');
const auth = token === null ? {} : { authorization: `Bearer ${token}` };
const REFRESH_MS = 2_000;
const HISTORY = 150; // 5 minutes of 2 s samples
const samples = [];
let lastCompleted;
let lastAt;

const $ = (id) => document.getElementById(id);
const fmt = (n, digits = 1) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '-');

async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { ...auth, ...(init.headers ?? {}) } });
  const body = await response.json();
  if (!response.ok) throw new Error(`${body.code ?? response.status}: ${body.message ?? ''}`);
  return body;
}

function fillRows(tbody, rows) {
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      for (const cell of cells) {
        const td = document.createElement('td');
        td.textContent = cell ?? '-';
        tr.append(td);
      }
      return tr;
    }),
  );
}

function drawChart() {
  const svg = $('chart');
  const w = 600;
  const h = 160;
  const line = (values, color, max) => {
    if (values.length < 2) return '';
    const step = w / (HISTORY - 1);
    const x0 = w - step * (values.length - 1);
    const points = values.map((v, i) => `${(x0 + i * step).toFixed(1)},${(h - 8 - (v / (max || 1)) * (h - 16)).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>`;
  };
  const tput = samples.map((s) => s.tput);
  const p50 = samples.map((s) => s.p50);
  const p99 = samples.map((s) => s.p99);
  const latencyMax = Math.max(1, ...p99);
  svg.innerHTML = line(tput, '#2f6fde', Math.max(1, ...tput)) + line(p50, '#1f8a4c', latencyMax) + line(p99, '#d9730d', latencyMax);
}

async function refresh() {
  try {
    const [status, agents, metrics, bottlenecks] = await Promise.all([api('/status'), api('/agents'), api('/metrics'), api('/bottlenecks?limit=8')]);
    $('state').textContent = status.state;
    $('state').className = `pill ${status.state === 'running' ? 'ok' : 'warn'}`;
    $('slo').textContent = `SLO p99 ${fmt(status.slo.p99Ms, 2)} ms / ${status.slo.targetMs} ms`;
    $('slo').className = `pill ${status.slo.ok ? 'ok' : 'bad'}`;
    const byAgent = metrics.byAgent;
    fillRows($('agents').tBodies[0], agents.map((a) => [String(a.agentId), a.role, a.status, a.currentTaskId === undefined ? '-' : String(a.currentTaskId), fmt((byAgent[a.agentId]?.heapUsedBytes ?? 0) / 1048576), fmt((byAgent[a.agentId]?.utilization ?? 0) * 100, 0) + '%']));
    fillRows($('queue').tBodies[0], [
      ['depth', String(metrics.queue.depth)],
      ['held', String(metrics.queue.held)],
      ['capacity', String(metrics.queue.capacity)],
      ['pending', String(metrics.tasks.pending)],
      ['running', String(metrics.tasks.running)],
      ['completed (window)', String(metrics.tasks.completed)],
      ['failed (window)', String(metrics.tasks.failed)],
    ]);
    fillRows($('slowest').tBodies[0], bottlenecks.slowest.map((t) => [String(t.taskId), t.type, String(t.agentId ?? '-'), fmt(t.runMs, 2), fmt(t.waitMs, 2)]));
    const now = Date.now();
    const completed = metrics.lifetime.tasks.completed;
    const tput = lastCompleted === undefined ? 0 : ((completed - lastCompleted) * 1000) / Math.max(1, now - lastAt);
    lastCompleted = completed;
    lastAt = now;
    samples.push({ tput, p50: metrics.assignmentLatencyMs.p50, p99: metrics.assignmentLatencyMs.p99 });
    if (samples.length > HISTORY) samples.shift();
    drawChart();
    $('updated').textContent = `updated ${new Date(now).toLocaleTimeString()}`;
  } catch (error) {
    $('state').textContent = 'unreachable';
    $('state').className = 'pill bad';
    $('updated').textContent = String(error.message ?? error);
  }
}

/** Live events; a task submitted from the form is followed to its end here. */
const followed = new Map();
function listen() {
  const source = new EventSource(`/events/stream${token === null ? '' : `?token=${encodeURIComponent(token)}`}`);
  for (const name of ['taskQueued', 'taskStarted', 'taskCompleted', 'taskFailed', 'taskCancelled', 'taskRetried', 'agentReady', 'agentExited', 'agentRestarted', 'agentHung', 'agentAbandoned', 'alert', 'degraded', 'recovered', 'flowCompleted', 'flowFailed']) {
    source.addEventListener(name, (event) => {
      const { at, payload } = JSON.parse(event.data);
      const li = document.createElement('li');
      const extra = payload.runMs === undefined ? '' : ` ${fmt(payload.runMs, 2)} ms`;
      li.textContent = `${new Date(at).toLocaleTimeString()} ${name}${payload.taskId === undefined ? '' : ` task ${payload.taskId}`}${payload.agentId === undefined ? '' : ` agent ${payload.agentId}`}${extra}`;
      const list = $('events');
      list.prepend(li);
      while (list.children.length > 200) list.lastChild.remove();
      const done = followed.get(payload.taskId);
      if (done !== undefined && (name === 'taskCompleted' || name === 'taskFailed' || name === 'taskCancelled')) done();
    });
  }
}

async function showTask(id) {
  const task = await api(`/tasks/${id}`);
  const out = $('submitted');
  out.className = `status-${task.status}`;
  out.textContent = `task ${id}: ${task.status}${task.result === undefined ? '' : `, result ${JSON.stringify(task.result)}`}${task.error === undefined ? '' : `, ${task.error.code}: ${task.error.message}`}`;
  return task.status;
}

$('submit').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const out = $('submitted');
  let payload;
  try {
    payload = JSON.parse(String(form.get('payload') || 'null'));
  } catch (error) {
    out.className = 'status-failed';
    out.textContent = `payload is not JSON: ${error.message}`;
    return;
  }
  try {
    const body = { type: String(form.get('type')), priority: Number(form.get('priority')), payload };
    const { id } = await api('/tasks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    out.className = '';
    out.textContent = `task ${id}: queued`;
    // Its end arrives on the event stream; the snapshot is read then (and once now, in case it already ended).
    const ended = new Promise((resolve) => followed.set(id, resolve));
    if (!['completed', 'failed', 'cancelled'].includes(await showTask(id))) await ended;
    followed.delete(id);
    await showTask(id);
  } catch (error) {
    out.className = 'status-failed';
    out.textContent = String(error.message ?? error);
  }
});

listen();
void refresh();
setInterval(refresh, REFRESH_MS);
