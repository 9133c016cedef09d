/**
 * An uncaught error thrown from a timer inside an agent. Expected: during a
 * task, the task fails over; after a task replied, the result stands, the
 * pool emits agentError and the agent is replaced.
 */
import { uncaughtAgentErrorTests } from './uncaught-agent-error.mjs';

uncaughtAgentErrorTests('throwInTimer', 'E_TIMER');
