import type { MessagePort } from 'node:worker_threads';
import { parentPort } from 'node:worker_threads';
import type { AgentMessage } from '../src/protocol.js';

/** Posts a protocol message to the coordinator. */
export function post(message: AgentMessage, transfer?: readonly (ArrayBuffer | MessagePort)[]): void {
  parentPort?.postMessage(message, transfer as (ArrayBuffer | MessagePort)[] | undefined);
}
