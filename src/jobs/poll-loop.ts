// The wake-drain-rearm loop of a queue worker (batches, fine-tuning): `wake()` drains the queue now
// unless a drain is running, in which case that drain is followed at once by another (work queued
// just after its claim would otherwise wait a whole poll); after each drain it polls again in
// `pollMs`. A failed drain is logged by its error's name only (never a message, which could quote
// data) and the loop goes on.
import type { Logger } from "pino";

export interface PollLoopOptions {
  /** Names the worker in the log line of a failed drain. */
  name: string;
  pollMs: number;
  logger: Logger;
  /** Takes work until there is none or `stopped` is set. */
  drain(): Promise<void>;
}

export class PollLoop {
  readonly #options: PollLoopOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #wokenWhileRunning = false;
  #stopped = true;

  constructor(options: PollLoopOptions) {
    this.#options = options;
  }

  /** Whether the loop is stopped (or not yet started): a drain checks it between pieces of work. */
  get stopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    this.#stopped = false;
    this.wake();
  }

  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#wokenWhileRunning = true;
      return;
    }
    this.#wokenWhileRunning = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#running = this.#options
      .drain()
      .catch((error: unknown) => {
        this.#options.logger.error(
          { failure: error instanceof Error ? error.name : typeof error },
          `${this.#options.name} failed`,
        );
      })
      .finally(() => {
        this.#running = null;
        if (this.#stopped) return;
        this.#timer = setTimeout(() => this.wake(), this.#wokenWhileRunning ? 0 : this.#options.pollMs);
        this.#timer.unref();
      });
  }

  /** Stops polling; call `settled()` to wait for the drain in progress. */
  halt(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** The drain in progress, if any, finished. */
  async settled(): Promise<void> {
    await this.#running;
  }
}
