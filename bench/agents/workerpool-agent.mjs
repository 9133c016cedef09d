// workerpool worker: each registered method is a task kind, called with exec(kind, [payload]).
import workerpool from 'workerpool';
import { bytes, cpu, deflate, fault, noop, stamp } from './work.mjs';

workerpool.worker({ bytes, cpu, deflate, fault, noop, stamp });
