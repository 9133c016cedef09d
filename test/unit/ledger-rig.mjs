// The task ledger's test rig, shared by its unit tests: a fake slot table, a manual
// clock and a real bus; tasks admitted as submit() admits them, each with its handle.
import { EventBus } from '../../dist/src/bus.js';
import { ManualClock } from '../../dist/src/clock.js';
import { resolveTaskOptions } from '../../dist/src/options.js';
import { TaskLedger } from '../../dist/src/tasks/ledger.js';
import { admitPayload } from '../../dist/src/tasks/payload.js';
import { Handle, Task } from '../../dist/src/tasks/task.js';

export const START_MS = 10_000;

export function setup({ finishedTasksKept, observers } = {}) {
  const released = [];
  const slots = { release(slot) { released.push(slot); } };
  const clock = new ManualClock(START_MS);
  const bus = new EventBus();
  const admitted = [];
  const settled = [];
  const observer = {
    onAdmitted(task, pendingCount) { admitted.push({ id: task.id, pendingCount }); },
    onSettled(task, phase, pendingCount) { settled.push({ id: task.id, phase, pendingCount }); },
  };
  const ledger = new TaskLedger({ bus, clock, slots, observers: observers ?? [observer], finishedTasksKept });
  let seq = 0;
  const makeTask = (opts = {}, payload = { n: 1 }) =>
    new Task(++seq, resolveTaskOptions(opts, undefined), admitPayload(payload, opts.traceId, undefined), clock.nowMs(), 'pfx');
  const admitNew = (opts, payload) => {
    const task = makeTask(opts, payload);
    ledger.admit(task);
    // The caller's promise goes to a handle at admission, as submit() does.
    handles.set(task, new Handle(task));
    return task;
  };
  return { ledger, released, clock, bus, admitted, settled, makeTask, admitNew };
}

/** The fields of a TaskSnapshot (getTask()). */
export const SNAPSHOT_KEYS = ['agentId', 'assignmentLatencyMs', 'attempts', 'error', 'failedAgentIds', 'finishedAt', 'id', 'parentId', 'priority', 'queuedAt', 'startedAt', 'status', 'traceId', 'type'];

/** Each admitted task's handle, as submit() would have returned it. */
const handles = new WeakMap();
/** The caller's promise of a task admitted by setup().admitNew. */
export const resultOf = (task) => handles.get(task).result;

/** Whether a promise has settled yet, without waiting for it to. */
export async function state(promise) {
  const marker = Symbol('pending');
  try {
    const v = await Promise.race([promise, Promise.resolve(marker)]);
    return v === marker ? 'pending' : 'fulfilled';
  } catch {
    return 'rejected';
  }
}
