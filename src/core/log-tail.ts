// The newest part of this process's own log output, kept in memory (SEC-1): the live trust probes scan
// it for their canaries, as they scan the database's files and the blob store, so "content never
// reaches the logs" is checked on the running installation and not only in the test suite. It is a
// second destination of the logger, beside standard output: what it holds is exactly what was written.
import pino, { type Logger } from "pino";

/** 1 MiB: the lines a probe's canary request could have produced, with room to spare. */
const defaultLimitBytes = 1 << 20;

export class LogTail {
  readonly #limit: number;
  #lines: string[] = [];
  #bytes = 0;

  constructor(limitBytes = defaultLimitBytes) {
    this.#limit = limitBytes;
  }

  /** A pino destination's write: one serialised line (or a few). */
  write(chunk: string): void {
    this.#lines.push(chunk);
    this.#bytes += Buffer.byteLength(chunk);
    while (this.#bytes > this.#limit && this.#lines.length > 1) {
      this.#bytes -= Buffer.byteLength(this.#lines.shift()!);
    }
  }

  /** Everything still held, as written. */
  text(): string {
    return this.#lines.join("");
  }
}

/** Keyed by the logger's destination, which its child loggers share. */
const tails = new WeakMap<object, LogTail>();
const destinationOf = (logger: Logger) =>
  (logger as unknown as Record<symbol, object>)[pino.symbols.streamSym]!;

/** Records that `tail` receives everything `logger` (and each of its children) writes. */
export function attachLogTail(logger: Logger, tail: LogTail): Logger {
  tails.set(destinationOf(logger), tail);
  return logger;
}

/** The tail of `logger`'s output, or null for a logger made without one. */
export function logTailOf(logger: Logger): LogTail | null {
  return tails.get(destinationOf(logger)) ?? null;
}
