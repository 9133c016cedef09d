/**
 * FAULTS row 10: an unhandled promise rejection inside an agent (Node turns it
 * into an uncaught error). Expected: as row 9.
 */
import { uncaughtAgentErrorTests } from './uncaught-agent-error.mjs';

uncaughtAgentErrorTests('unhandledRejection', 'E_REJECT');
