/** What every route may ask of the server as a whole. */
export interface ServerState {
  /** Draining: accepted work finishes, new work is refused with 503. */
  draining: boolean;
  readonly startedAtMs: number;
  /** Starts the shutdown (DELETE /pool, daedalus stop): drain, or destroy when forced. */
  shutdown(force: boolean): void;
}
