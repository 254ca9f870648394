// Lets requests that reach the worker together start their prompt evaluation together. node-llama-cpp
// evaluates whatever prompts are queued on one event-loop turn in one batch; a prompt queued a few
// milliseconds after another's batch has started waits for that whole evaluation (hundreds of ms on a
// CPU), then costs a second pass over the weights. The HTTP thread says with each job how many more
// requests are right behind it (llama-model.ts); a job with followers waits here for the last of them,
// for at most a short window, and a lone request (no followers) never waits.

/** Upper bound on the wait for announced followers: one that was aborted on its way never arrives. */
export const BURST_WINDOW_MS = 25;

export class StartBurst {
  readonly #windowMs: number;
  #held: Array<() => void> = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(windowMs = BURST_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** Requests waiting for their followers. */
  get holding(): number {
    return this.#held.length;
  }

  /**
   * Resolves when the request may start: at once (releasing those held) when nothing is announced
   * behind it, else when the last follower arrives or the window ends. The released requests resume
   * in arrival order on the same turn, so their prompts are queued before the next batch is sent.
   */
  start(followers: number): Promise<void> {
    if (followers <= 0) {
      this.#release();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#held.push(resolve);
      this.#timer ??= setTimeout(() => this.#release(), this.#windowMs);
    });
  }

  #release(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const held = this.#held;
    this.#held = [];
    for (const resolve of held) resolve();
  }
}
