/**
 * An unhandled promise rejection inside an agent (Node turns it into an
 * uncaught error). Expected, as for an error thrown from a timer: during a
 * task, the task fails over; after a task replied, the result stands, the pool
 * emits agentError and the agent is replaced.
 */
import { uncaughtAgentErrorTests } from './uncaught-agent-error.mjs';

uncaughtAgentErrorTests('unhandledRejection', 'E_REJECT');
