// Writes a model's parts as server-sent events in OpenAI's framing ("data: {json}", then "data: [DONE]").
// The first part is awaited before any byte is sent, so a refusal (429, 503) still gets its own status
// code, headers and error object; a failure after that is sent as a final error event.
import type { ServerResponse } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import { toErrorResponse } from "./error-handler.ts";

export interface EventStreamOutcome {
  status: "completed" | "failed" | "cancelled";
}

export interface EventStreamOptions {
  /** OpenAI's framing ends with "data: [DONE]"; the web app's own streams end with their last event. */
  done: boolean;
}

export function writeEventStream<Part>(
  request: FastifyRequest,
  reply: FastifyReply,
  parts: AsyncIterable<Part>,
  /** The event for a part, or null to send nothing for it. */
  render: (part: Part) => unknown,
  options: EventStreamOptions = { done: true },
): Promise<EventStreamOutcome> {
  return writeJsonEventStream(
    request,
    reply,
    parts,
    (part) => {
      const event = render(part);
      return event === null ? null : JSON.stringify(event);
    },
    options,
  );
}

/**
 * As writeEventStream, for callers that serialise their own events (a route that sends thousands of
 * events with the same envelope builds it once, and stringifies only what changes).
 *
 * Events are not written one by one: those rendered in the same turn of the event loop (a fast
 * upstream delivers dozens in one network read) are joined and written together at the end of that
 * turn. One write per read instead of four per event (HTTP/1.1 chunked framing writes a size line,
 * the data and a CRLF separately), and one system call for all of them; no event waits longer than
 * the turn in which it arrived.
 */
export async function writeJsonEventStream<Part>(
  request: FastifyRequest,
  reply: FastifyReply,
  parts: AsyncIterable<Part>,
  /** The JSON text of the event for a part, or null to send nothing for it. */
  render: (part: Part) => string | null,
  options: EventStreamOptions = { done: true },
): Promise<EventStreamOutcome> {
  const iterator = parts[Symbol.asyncIterator]();
  let next = await iterator.next();
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  const output = new BatchedWriter(response);
  let status: EventStreamOutcome["status"] = "failed";
  // The first event is written at once, with the headers: the time to the first token is what a
  // user waits for, so it does not wait for the rest of its network read to be rendered.
  let first = true;
  try {
    while (!next.done) {
      const event = render(next.value);
      if (event !== null) {
        output.add(`data: ${event}\n\n`);
        if (first) output.flush();
        first = false;
      }
      if (response.destroyed) return { status: "cancelled" };
      // A client that reads slower than the model writes: stop pulling from the model until it
      // catches up, rather than buffering the rest of the completion in memory.
      if (output.blocked) await output.writable();
      next = await iterator.next();
    }
    if (options.done) output.add("data: [DONE]\n\n");
    status = "completed";
  } catch (error) {
    if (!response.destroyed) {
      const failure = toErrorResponse(error, request.id);
      if (failure.status >= 500)
        request.log.error({ status: failure.status }, "stream failed after it started");
      output.add(`data: ${JSON.stringify(failure.body)}\n\n`);
    }
  } finally {
    await iterator.return?.();
    output.end();
  }
  return { status };
}

/** Characters after which the text joined so far is written without waiting for the end of the turn. */
const batchLimit = 32 * 1024;

/** Joins the text added in one turn of the event loop into one write, made at the end of the turn. */
class BatchedWriter {
  readonly #response: ServerResponse;
  #pending = "";
  #scheduled = false;
  /** The last write filled the socket's buffer: wait for "drain" before producing more. */
  blocked = false;
  #waiting: (() => void) | null = null;

  constructor(response: ServerResponse) {
    this.#response = response;
    // A response that goes away never drains: whoever waits for it must wake up and see it gone.
    response.once("close", this.#unblock);
  }

  add(text: string): void {
    this.#pending += text;
    // A read that carries a whole stream (a fast upstream's thousand chunks) is written in pieces of
    // a few dozen events: the joined text is measured and copied before it is written, and that costs
    // more per event on one long string than on several short ones.
    if (this.#pending.length >= batchLimit) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      // setImmediate, not nextTick: it runs after the I/O callbacks of this turn, so events from
      // several reads (and several streams) that arrived together go out together.
      setImmediate(this.#onImmediate);
    }
  }

  readonly #onImmediate = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  /** Writes what is pending now (a flush already scheduled then finds nothing to write). */
  flush(): void {
    const text = this.#pending;
    this.#pending = "";
    if (text === "" || this.#response.destroyed || this.#response.writableEnded) return;
    if (!this.#response.write(text) && !this.blocked) {
      this.blocked = true;
      this.#response.once("drain", this.#unblock);
    }
  }

  readonly #unblock = (): void => {
    this.blocked = false;
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.();
  };

  /** Resolves when the socket has drained, or the response is gone (the caller checks for that). */
  writable(): Promise<void> {
    if (!this.blocked || this.#response.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  /** Writes what is pending and ends the response. */
  end(): void {
    const text = this.#pending;
    this.#pending = "";
    this.#response.off("drain", this.#unblock);
    this.#response.off("close", this.#unblock);
    if (text === "" || this.#response.destroyed) this.#response.end();
    else this.#response.end(text);
  }
}

/**
 * An upstream chunk's own top-level fields as JSON members to close a chunk with (",\"a\":1"), or
 * nothing: a chunk is written as text around its envelope, so these are appended, not merged.
 */
function chunkFields(fields: Record<string, unknown> | undefined): string {
  if (fields === undefined) return "";
  const members = JSON.stringify(fields).slice(1, -1);
  return members === "" ? "" : `,${members}`;
}

/**
 * chunkFields for the parts of one stream, serialised once per fields object: the parts a provider
 * reads through a template share their fields object, so a thousand chunks cost one JSON.stringify.
 */
export function chunkFieldsOnce(): (fields: Record<string, unknown> | undefined) => string {
  let last: Record<string, unknown> | undefined;
  let lastJson = "";
  return (fields) => {
    if (fields === undefined) return "";
    if (fields !== last) {
      last = fields;
      lastJson = chunkFields(fields);
    }
    return lastJson;
  };
}
