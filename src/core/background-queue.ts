// Work done after the caller has moved on (recording a completion, classifying a stored document):
// items queue in memory and are handled in batches on a later turn of the event loop. The queue is
// bounded: beyond `maxQueued` waiting items new ones are dropped and counted, because a slow database
// must not grow memory without end, and for the work queued here dropping is the private failure.
// A batch that fails is reported and not retried; the next batch goes on.

export interface BackgroundQueueOptions<Item> {
  /** Beyond this many waiting items, new ones are dropped and counted. */
  maxQueued: number;
  /** Items handed to `handle` at once. */
  batchSize: number;
  /** How long the first item of a drain waits for others to join its batch. */
  delayMs: number;
  handle(batch: Item[]): Promise<void>;
  /** A batch's failure: report it without its items' content. */
  failed(error: unknown, batch: Item[]): void;
  /** Called after a drain that dropped items, with how many. */
  dropped(count: number): void;
}

export class BackgroundQueue<Item> {
  readonly #options: BackgroundQueueOptions<Item>;
  readonly #queue: Item[] = [];
  #draining: Promise<void> | null = null;
  #dropped = 0;

  constructor(options: BackgroundQueueOptions<Item>) {
    this.#options = options;
  }

  /** Queue an item; returns at once. */
  push(item: Item): void {
    if (this.#queue.length >= this.#options.maxQueued) {
      this.#dropped += 1;
      return;
    }
    this.#queue.push(item);
    this.#draining ??= new Promise<void>((resolve) => setTimeout(resolve, this.#options.delayMs).unref())
      .then(() => this.#drain())
      .finally(() => {
        this.#draining = null;
      });
  }

  /** Resolves when everything queued so far has been handled (tests; shutdown). */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    const { batchSize } = this.#options;
    for (
      let batch = this.#queue.splice(0, batchSize);
      batch.length > 0;
      batch = this.#queue.splice(0, batchSize)
    ) {
      try {
        await this.#options.handle(batch);
      } catch (error) {
        this.#options.failed(error, batch);
      }
    }
    if (this.#dropped > 0) {
      this.#options.dropped(this.#dropped);
      this.#dropped = 0;
    }
  }
}

/** What may be logged of an error: its name and code, never its message (a database error can quote the values it was given). */
export function errorFields(error: unknown): { error: string; code: unknown } {
  return {
    error: error instanceof Error ? error.name : "unknown",
    code: (error as { code?: unknown } | null)?.code ?? null,
  };
}
