// poolifier worker: each task function is a task kind, called with execute(payload, kind).
import { ThreadWorker } from 'poolifier';
import { bytes, cpu, deflate, fault, noop, stamp } from './work.mjs';

export default new ThreadWorker({ noop, bytes, cpu, deflate, fault, stamp });
