import { request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errors } from "../core/errors.ts";
import { writeEventStream, type EventStreamOutcome } from "./event-stream.ts";

/** What the route streams next, and what it saw. */
let source: () => AsyncIterable<number>;
let produced = 0;
let writes = 0;
let outcome: Promise<EventStreamOutcome>;

describe("writeEventStream", () => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = Fastify();
    app.get("/stream", async (request, reply) => {
      const raw = reply.raw;
      const write = raw.write.bind(raw) as (chunk: string) => boolean;
      // Counts the writes to the response, to see how the events are grouped.
      raw.write = ((chunk: string) => {
        writes += 1;
        return write(chunk);
      }) as typeof raw.write;
      outcome = writeEventStream(request, reply, source(), (value) =>
        value % 2 === 0 ? { value, padding: "x".repeat(size) } : null,
      );
      await outcome;
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/stream`;
  });
  afterAll(async () => {
    await app?.close();
  });

  let size = 10;

  function get(): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      httpRequest(url, (response) => resolve(response))
        .once("error", reject)
        .end();
    });
  }

  async function text(response: IncomingMessage): Promise<string> {
    let body = "";
    response.setEncoding("utf8");
    for await (const chunk of response) body += chunk;
    return body;
  }

  it("writes the events that arrive together in one write, ending with [DONE]", async () => {
    size = 10;
    writes = 0;
    source = async function* () {
      for (let value = 0; value < 100; value += 1) yield value;
    };
    const body = await text(await get());
    const events = body.split("\n\n").filter(Boolean);
    expect(events).toHaveLength(51);
    expect(JSON.parse(events[0]!.slice("data: ".length))).toEqual({ value: 0, padding: "x".repeat(10) });
    expect(events.at(-1)).toBe("data: [DONE]");
    expect(await outcome).toEqual({ status: "completed" });
    // 50 events and [DONE] were ready at once: at most a first write and the final one, not 51.
    expect(writes).toBeLessThanOrEqual(2);
  });

  it("writes a turn's events in pieces of at most about 32 KiB, every event whole and in order", async () => {
    size = 80;
    writes = 0;
    const total = 4000; // 2,000 events of about 110 bytes, all ready in one turn: about 220 KB
    source = async function* () {
      for (let value = 0; value < total; value += 1) yield value;
    };
    const body = await text(await get());
    const events = body.split("\n\n").filter(Boolean);
    expect(events).toHaveLength(total / 2 + 1);
    events.slice(0, -1).forEach((event, index) => {
      expect(JSON.parse(event.slice("data: ".length))).toEqual({ value: index * 2, padding: "x".repeat(80) });
    });
    expect(events.at(-1)).toBe("data: [DONE]");
    // Not one write of 220 KB, nor one per event.
    expect(writes).toBeGreaterThanOrEqual(220_000 / (32 * 1024));
    expect(writes).toBeLessThan(20);
  });

  it("ends a stream that fails after it started with an error event and no [DONE]", async () => {
    size = 1;
    source = async function* () {
      yield 0;
      await new Promise((resolve) => setTimeout(resolve, 5));
      yield 2;
      throw errors.upstream(502, "The model server 'x' failed mid-stream.");
    };
    const body = await text(await get());
    const events = body.split("\n\n").filter(Boolean);
    expect(events).toHaveLength(3);
    expect(JSON.parse(events[2]!.slice("data: ".length))).toMatchObject({
      error: { message: "The model server 'x' failed mid-stream." },
    });
    expect(await outcome).toEqual({ status: "failed" });
  });

  it("stops pulling parts while the client does not read, and finishes when it does", async () => {
    size = 128 * 1024;
    produced = 0;
    const total = 300; // 150 events of 128 KiB: 19 MiB, more than the socket buffers hold
    source = async function* () {
      for (let value = 0; value < total; value += 1) {
        produced += 1;
        // A turn per part, as parts from a network read would arrive.
        await new Promise((resolve) => setImmediate(resolve));
        yield value;
      }
    };
    const response = await get();
    response.pause();
    // Until production stalls (or everything was produced, which is the failure this test looks for).
    for (let seen = -1, deadline = Date.now() + 10_000; produced !== seen && Date.now() < deadline;) {
      seen = produced;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(produced).toBeLessThan(total);
    let bytes = 0;
    let tail = "";
    for await (const chunk of response as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      tail = (tail + chunk.toString("latin1")).slice(-32);
    }
    expect(bytes).toBeGreaterThan((total / 2) * size);
    expect(tail.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(produced).toBe(total);
    expect(await outcome).toEqual({ status: "completed" });
  });
});
