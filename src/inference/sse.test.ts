import { describe, expect, it } from "vitest";
import { ServerSentDataParser, serverSentData } from "./sse.ts";

/** Feeds `chunks` to a fresh parser and returns every payload, in order, including the one at the end. */
function parseAll(chunks: Array<Uint8Array | string>): string[] {
  const parser = new ServerSentDataParser();
  return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.end()];
}

describe("server-sent data parsing", () => {
  const body =
    'data: {"a":1}\n\n' +
    ": a comment\r\n" +
    "event: ignored\n" +
    "id: 7\n" +
    "data:first line\r\n" +
    "data:  second, with a space kept\n" +
    "\r\n" +
    "data: héllo wörld ✓\n\n" +
    "data\n\n" +
    "data: [DONE]\n\n";
  const expected = ['{"a":1}', "first line\n second, with a space kept", "héllo wörld ✓", "[DONE]"];

  it("returns each event's data lines joined, ignoring comments, names and ids, with LF or CRLF", () => {
    expect(parseAll([body])).toEqual(expected);
  });

  it("gives the same payloads however the bytes are split, even inside a multi-byte character", () => {
    const bytes = new TextEncoder().encode(body);
    for (const size of [1, 2, 3, 5, 7, 16, 64]) {
      const chunks: Uint8Array[] = [];
      for (let start = 0; start < bytes.length; start += size)
        chunks.push(bytes.subarray(start, start + size));
      expect(parseAll(chunks)).toEqual(expected);
    }
  });

  it("returns the events one read completes together, and keeps a partial one for the next read", () => {
    const parser = new ServerSentDataParser();
    expect(parser.push("data: 1\n\ndata: 2\n\ndata: 3")).toEqual(["1", "2"]);
    expect(parser.push("4\n")).toEqual([]);
    expect(parser.push("\n")).toEqual(["34"]);
    expect(parser.end()).toEqual([]);
  });

  it("returns an event the body ended without its blank line", () => {
    expect(parseAll(["data: last\n"])).toEqual(["last"]);
    expect(parseAll(["data: a\n\n", "data: b\ndata: c\n"])).toEqual(["a", "b\nc"]);
  });

  it("reads a body stream into the same payloads", async () => {
    async function* body(): AsyncIterable<string> {
      yield "data: x\n";
      yield "\ndata: y\n\ndata: z\n";
    }
    const payloads: string[] = [];
    for await (const data of serverSentData(body())) payloads.push(data);
    expect(payloads).toEqual(["x", "y", "z"]);
  });
});
