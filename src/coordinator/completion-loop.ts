import type { SharedQueue } from '../ring/shared-queue.js';

/**
 * Wakes the coordinator when agents publish completions, without blocking the
 * main thread: Atomics.waitAsync on the completion sequence. One wake drains
 * everything published so far, so completions arrive in batches under load
 * instead of one message each; while the coordinator is awake agents do not
 * notify at all.
 */
export class CompletionLoop {
  #running = false;

  constructor(
    private readonly queue: SharedQueue,
    private readonly onWake: () => void,
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#run();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      // Read the sequence before draining: anything published after this read
      // changes the word, so the sleep below returns at once instead of sleeping.
      const seen = this.queue.completionSeq();
      this.onWake();
      const sleep = this.queue.sleepOnCompletions(seen);
      if (sleep !== undefined) {
        await sleep;
        this.queue.awake();
      } else {
        // Already moved: yield a macrotask turn so a flood of completions cannot starve timers and I/O.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  stop(): void {
    this.#running = false;
    this.queue.bumpCompletions();
  }
}
