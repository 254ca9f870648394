// A short-lived cache of values loaded asynchronously, for the request path's lookups (limits, settings,
// allow-lists): each value is trusted for a fixed time, and concurrent misses of one key share a single
// load. Without that, every request in flight when an entry expires queried the database itself: 32
// connections meant 32 identical queries each time (hundreds a second under load, measured).
export class ExpiringCache<Value> {
  readonly #lifetimeMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, { value: Promise<Value>; until: number }>();

  constructor(lifetimeMs: number, maxEntries = 10_000) {
    this.#lifetimeMs = lifetimeMs;
    this.#maxEntries = maxEntries;
  }

  /** The cached value of `key`, or the one `load` gives (loaded once however many ask at the same time). */
  get(key: string, load: () => Promise<Value>): Promise<Value> {
    const now = Date.now();
    const cached = this.#entries.get(key);
    if (cached && cached.until > now) return cached.value;
    const value = load();
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    const entry = { value, until: now + this.#lifetimeMs };
    this.#entries.set(key, entry);
    // A failed load is not kept: the next request tries again.
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return value;
  }

  /** Keep `value` for `key` from now on, as if just loaded: for a value the caller has itself just written. */
  set(key: string, value: Value): void {
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    this.#entries.set(key, { value: Promise.resolve(value), until: Date.now() + this.#lifetimeMs });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
