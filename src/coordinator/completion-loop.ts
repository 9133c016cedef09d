import { H_COMPLETION_SEQ } from '../ring/layout.js';

/**
 * Wakes the coordinator when agents publish completions, without blocking the
 * main thread: Atomics.waitAsync on the completion sequence word. One wake
 * drains everything published so far, so completions arrive in batches under
 * load instead of one message each.
 */
export class CompletionLoop {
  private running = false;

  constructor(
    private readonly words: Int32Array,
    private readonly onWake: () => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      // Read the sequence before draining: anything published after this read
      // changes the word, so the wait below returns at once instead of sleeping.
      const seen = Atomics.load(this.words, H_COMPLETION_SEQ);
      this.onWake();
      const waited = Atomics.waitAsync(this.words, H_COMPLETION_SEQ, seen);
      if (waited.async) await waited.value;
      // Already changed: yield a macrotask turn so a flood of completions cannot starve timers and I/O.
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  stop(): void {
    this.running = false;
    Atomics.add(this.words, H_COMPLETION_SEQ, 1);
    Atomics.notify(this.words, H_COMPLETION_SEQ);
  }
}
