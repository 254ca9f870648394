// Reads a server-sent-events body into its `data:` payloads, as OpenAI-compatible servers stream them.

/**
 * A push parser: feed it the body's chunks as they arrive and it returns the payloads each one completes.
 * Synchronous on purpose: everything one network read carries is parsed in one call, so a stream of
 * small events costs one array per read rather than one promise per event.
 */
export class ServerSentDataParser {
  readonly #decoder = new TextDecoder();
  /** The start of a line whose end has not arrived yet. */
  #buffer = "";
  /** The `data:` lines of the event being read, joined with "\n"; null before its first one. */
  #data: string | null = null;

  /** The payloads of the events that `chunk` completes, in order (often none, often several). */
  push(chunk: Uint8Array | string): string[] {
    const payloads: string[] = [];
    const previous = this.#buffer.length;
    const text =
      this.#buffer + (typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true }));
    let start = 0;
    // What was buffered holds no newline, so the first search starts after it: a long line that arrives
    // in many pieces is scanned once, not once per piece.
    let newline = text.indexOf("\n", previous);
    while (newline !== -1) {
      let end = newline;
      if (end > start && text.charCodeAt(end - 1) === 13 /* \r */) end -= 1;
      if (end === start) {
        if (this.#data !== null) payloads.push(this.#data);
        this.#data = null;
      } else if (text.startsWith("data:", start)) {
        let from = start + 5;
        if (from < end && text.charCodeAt(from) === 32 /* space */) from += 1;
        const line = text.slice(from, end);
        this.#data = this.#data === null ? line : `${this.#data}\n${line}`;
      }
      // Comments (":"), event names and ids carry nothing the API needs.
      start = newline + 1;
      newline = text.indexOf("\n", start);
    }
    this.#buffer = start === 0 ? text : text.slice(start);
    return payloads;
  }

  /** The body ended: the payload of an event that was not followed by a blank line, if any. */
  end(): string[] {
    const data = this.#data;
    this.#data = null;
    this.#buffer = "";
    return data === null ? [] : [data];
  }
}

export async function* serverSentData(body: AsyncIterable<Uint8Array | string>): AsyncIterable<string> {
  const parser = new ServerSentDataParser();
  for await (const chunk of body) yield* parser.push(chunk);
  yield* parser.end();
}
