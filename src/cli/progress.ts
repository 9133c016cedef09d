/**
 * A one-line progress bar on a terminal, for runs longer than a couple of
 * seconds. It stays silent when the stream is not a TTY (CI logs, pipes) and
 * until `delayMs` has passed, so short runs print nothing extra. A timer keeps
 * the elapsed time moving between updates; it is unref'd so it never holds
 * the process open.
 */

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

export class ProgressBar {
  private fraction = 0;
  private label = '';
  private shown = false;
  private readonly startMs = performance.now();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: ProgressStream,
    private readonly delayMs = 2_000,
  ) {
    if (stream.isTTY === true) {
      this.timer = setInterval(() => this.render(), 250);
      this.timer.unref();
    }
  }

  update(fraction: number, label?: string): void {
    this.fraction = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    if (label !== undefined) this.label = label;
  }

  /** Clears the bar's line (if it was drawn) and stops the timer. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }

  private render(): void {
    const elapsedMs = performance.now() - this.startMs;
    if (elapsedMs < this.delayMs) return;
    const columns = Math.max(40, this.stream.columns ?? 80);
    const percent = `${Math.floor(this.fraction * 100)}%`.padStart(4);
    const elapsed = `${(elapsedMs / 1000).toFixed(0)}s`;
    const width = Math.min(30, columns - 20);
    const filled = Math.round(this.fraction * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const room = columns - bar.length - percent.length - elapsed.length - 4;
    const label = this.label.length > room ? `${this.label.slice(0, Math.max(0, room - 1))}~` : this.label;
    this.stream.write(`\r\x1b[2K${bar} ${percent} ${elapsed} ${label}`);
    this.shown = true;
  }
}
