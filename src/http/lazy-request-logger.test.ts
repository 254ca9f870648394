// A request's logger makes its child only when a line is written at an enabled level, and the line then
// carries the request's bindings as pino's own child would.
import { Writable } from "node:stream";
import fastify from "fastify";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { LazyRequestLogger } from "./lazy-request-logger.ts";

function logger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const parent = pino({ level: "warn" }, sink);
  let children = 0;
  const child = parent.child.bind(parent);
  parent.child = ((...args: Parameters<typeof child>) => {
    children += 1;
    return child(...args);
  }) as typeof parent.child;
  return { parent, lines, children: () => children };
}

describe("LazyRequestLogger", () => {
  it("makes no child for a request that logs nothing, or only below the level", () => {
    const { parent, lines, children } = logger();
    const log = new LazyRequestLogger(parent, { reqId: "req_1" }, {});
    log.info("not written");
    log.debug({ detail: 1 }, "not written either");
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
    expect(log.level).toBe("warn");
  });

  it("writes an enabled line through one child carrying the request's bindings", async () => {
    const { parent, lines, children } = logger();
    const log = new LazyRequestLogger(parent, { reqId: "req_2" }, {});
    log.error({ status: 500 }, "request failed");
    log.warn("again");
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(children()).toBe(1);
    expect(lines.map(({ reqId, status, msg }) => ({ reqId, status, msg }))).toEqual([
      { reqId: "req_2", status: 500, msg: "request failed" },
      { reqId: "req_2", status: undefined, msg: "again" },
    ]);
    expect(log.child({ part: "x" })).toBeDefined();
  });

  it("is what Fastify hands a route as request.log", async () => {
    const { parent, lines } = logger();
    const app = fastify({
      loggerInstance: parent,
      genReqId: () => "req_3",
      childLoggerFactory: (base, bindings, options) => new LazyRequestLogger(base, bindings, options),
    });
    app.get("/", async (request) => {
      expect(request.log).toBeInstanceOf(LazyRequestLogger);
      request.log.warn("from a route");
      return {};
    });
    expect((await app.inject({ method: "GET", url: "/" })).statusCode).toBe(200);
    await app.close();
    expect(lines.find((line) => line.msg === "from a route")).toMatchObject({ reqId: "req_3" });
  });
});
