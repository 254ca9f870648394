// The log tail holds exactly what the logger wrote, child loggers included, and only the newest part.
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createLogger } from "../platform/platform.ts";
import { LogTail, logTailOf } from "./log-tail.ts";

describe("log tail", () => {
  it("[SEC-1] holds the lines the logger and its children wrote to their destination", async () => {
    let written = "";
    const sink = new Writable({
      write(chunk, _encoding, done) {
        written += String(chunk);
        done();
      },
    });
    const logger = createLogger({ logLevel: "info" }, sink);
    logger.info({ marker: "tail-line-one" }, "first");
    logger.child({ part: "child" }).warn("tail-line-two");
    logger.debug("below the level");
    const tail = logTailOf(logger.child({}))!;
    expect(tail.text()).toContain("tail-line-one");
    expect(tail.text()).toContain("tail-line-two");
    expect(tail.text()).not.toContain("below the level");
    expect(logTailOf(pino())).toBeNull();
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toContain("tail-line-one");
    expect(written).toContain("tail-line-two");
  });

  it("keeps only the newest bytes", () => {
    const tail = new LogTail(64);
    for (let line = 0; line < 20; line += 1) tail.write(`line ${line} ${"x".repeat(10)}\n`);
    expect(tail.text()).toContain("line 19");
    expect(tail.text()).not.toContain("line 0 ");
    expect(Buffer.byteLength(tail.text())).toBeLessThanOrEqual(64);
  });
});
