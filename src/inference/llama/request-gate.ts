// Admits at most `slots` requests to a model at once and lets at most `queue` more wait; beyond that a
// request is refused at once with 429 and `retry-after`, so a busy model sheds load instead of piling
// up memory and latency.
import { errors } from "../../core/errors.ts";

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (error: unknown) => void;
}

export class RequestGate {
  readonly #model: string;
  readonly #slots: number;
  readonly #queue: number;
  readonly #waiting: Waiter[] = [];
  #running = 0;
  /** Seconds a refused client is told to wait: about one generation's time, learned as we go. */
  #retryAfterSeconds = 1;

  constructor(options: { model: string; slots: number; queue: number }) {
    this.#model = options.model;
    this.#slots = options.slots;
    this.#queue = options.queue;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves with a release function once a slot is free; the caller must call it exactly once. */
  acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.#running < this.#slots) {
      this.#running += 1;
      return Promise.resolve(this.#releaser());
    }
    if (this.#waiting.length >= this.#queue) {
      return Promise.reject(errors.modelBusy(this.#model, this.#retryAfterSeconds));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(waiter);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal.reason);
      };
      waiter.resolve = (release) => {
        signal.removeEventListener("abort", onAbort);
        resolve(release);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #releaser(): () => void {
    const started = Date.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const seconds = Math.ceil((Date.now() - started) / 1000);
      this.#retryAfterSeconds = Math.min(
        Math.max(1, Math.round((this.#retryAfterSeconds + seconds) / 2)),
        60,
      );
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so `running` stays the same.
      if (next) next.resolve(this.#releaser());
      else this.#running -= 1;
    };
  }
}
