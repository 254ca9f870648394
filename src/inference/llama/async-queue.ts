// Turns a callback-driven producer (node-llama-cpp's onTextChunk) into an async iterable a consumer
// pulls from, so a generation can be streamed part by part.
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | null = null;
  #failWaiting: ((error: unknown) => void) | null = null;
  #done = false;
  #error: { error: unknown } | null = null;

  push(item: T): void {
    if (this.#done) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      this.#failWaiting = null;
      resolve({ value: item, done: false });
    } else this.#items.push(item);
  }

  end(): void {
    this.#done = true;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      this.#failWaiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = { error };
    if (this.#failWaiting) {
      const reject = this.#failWaiting;
      this.#waiting = null;
      this.#failWaiting = null;
      reject(error);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.#items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.#error) return Promise.reject(this.#error.error);
        if (this.#done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#waiting = resolve;
          this.#failWaiting = reject;
        });
      },
    };
  }
}
