/**
 * Keeps the process alive while the pool owes someone an answer: a task is
 * pending, or ready() has not settled. Agents' threads keep a process alive
 * only while they exist; between a crash and its restart (a backoff timer that
 * must not pin an idle process) nothing would, and Node would exit with the
 * promise still pending. One ref'd timer, switched with ref()/unref().
 */
export class KeepAlive {
  readonly #timer: NodeJS.Timeout;
  #tasks = 0;
  #readyWaits = 0;
  #stopped = false;

  constructor() {
    // The longest delay a Node timer takes; it never needs to fire.
    this.#timer = setInterval(() => {}, 2 ** 31 - 1);
    this.#timer.unref();
  }

  /** The ledger's observer: a task was admitted. */
  onAdmitted(_task: unknown, pendingCount: number): void {
    this.#tasks = pendingCount;
    if (pendingCount === 1) this.#refresh();
  }

  /** The ledger's observer: a task settled. */
  onSettled(_task: unknown, _phase: unknown, pendingCount: number): void {
    this.#tasks = pendingCount;
    if (pendingCount === 0) this.#refresh();
  }

  /** Holds the process until `promise` settles. */
  holdUntil<T>(promise: Promise<T>): Promise<T> {
    this.#readyWaits++;
    this.#refresh();
    return promise.finally(() => {
      this.#readyWaits--;
      this.#refresh();
    });
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  #refresh(): void {
    if (this.#stopped) return;
    if (this.#tasks > 0 || this.#readyWaits > 0) this.#timer.ref();
    else this.#timer.unref();
  }
}
