// tinypool worker: each named export is a task kind, chosen with run(payload, { name }).
export { bytes, cpu, deflate, fault, noop, stamp } from './work.mjs';
