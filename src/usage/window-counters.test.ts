// The window counters' contract, run against both stores (PostgreSQL/PGlite and Redis) by one shared
// test function; then what only Redis needs: a clear start-up failure and 503s while it is away.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { deleteRedisKeys, testRedisPrefix, testRedisUrl } from "../../test/helpers/redis.ts";
import { startTcpProxy, type TcpProxy } from "../../test/helpers/tcp-proxy.ts";
import { randomToken } from "../core/ids.ts";
import { ConfigError, loadConfig } from "../config/config.ts";
import { openPlatform } from "../platform/platform.ts";
import { PostgresWindowCounters } from "./postgres-window-counters.ts";
import { RedisWindowCounters } from "./redis-window-counters.ts";
import { windowEnd, type WindowCounters } from "./usage-counters.ts";

const logger = pino({ level: "silent" });

function windowCounterContract(
  name: string,
  open: () => Promise<{ counters: WindowCounters; close(): Promise<void> }>,
) {
  describe(`window counters on ${name}`, () => {
    let counters: WindowCounters;
    let close: () => Promise<void>;
    /** Subjects unique to one test, so tests never see each other's counts. */
    const subject = (label: string) => `project:${label}_${randomToken(8)}`;

    beforeAll(async () => {
      ({ counters, close } = await open());
    });
    afterAll(async () => {
      await close?.();
    });

    it("[CTL-2] counts each request once in each window, atomically under concurrency", async () => {
      const key = subject("concurrent");
      const results = await Promise.all(
        Array.from({ length: 20 }, () => counters.countRequest([{ subject: key, period: "minute" }])),
      );
      const seen = results.map((states) => states[0]!.requests).sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
      const [again] = await counters.countRequest([{ subject: key, period: "minute" }]);
      expect(again).toMatchObject({ subject: key, period: "minute", requests: 21, tokens: 0 });
    });

    it("[CTL-2] cuts minute, day and calendar-month windows by the store's clock", async () => {
      const key = subject("windows");
      const states = await counters.countRequest([
        { subject: key, period: "minute" },
        { subject: key, period: "day" },
        { subject: key, period: "month" },
      ]);
      expect(states.map((state) => state.period)).toEqual(["minute", "day", "month"]);
      for (const state of states) {
        expect(state.windowStart.getTime()).toBeLessThanOrEqual(state.now.getTime());
        expect(windowEnd(state.period, state.windowStart).getTime()).toBeGreaterThan(state.now.getTime());
        expect(Math.abs(state.now.getTime() - Date.now())).toBeLessThan(60_000);
      }
      const [minute, day, month] = states;
      expect(minute!.windowStart.getTime() % 60_000).toBe(0);
      expect(day!.windowStart.getTime() % 86_400_000).toBe(0);
      const now = month!.now;
      expect(month!.windowStart.toISOString()).toBe(
        new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
      );
    });

    it("[CTL-2] credits tokens to every window with the totals before and after, per subject", async () => {
      const first = subject("credit");
      const second = subject("credit");
      await counters.countRequest([{ subject: first, period: "day" }]);
      const credited = await counters.creditTokens([
        { subject: first, tokens: 7 },
        { subject: second, tokens: 3 },
      ]);
      expect(credited).toHaveLength(6);
      for (const counter of credited.filter((entry) => entry.subject === first))
        expect(counter).toMatchObject({ tokensBefore: 0, tokensAfter: 7 });
      const again = await counters.creditTokens([{ subject: first, tokens: 5 }]);
      expect(again.map((counter) => [counter.period, counter.tokensBefore, counter.tokensAfter])).toEqual(
        expect.arrayContaining([
          ["minute", 7, 12],
          ["day", 7, 12],
          ["month", 7, 12],
        ]),
      );
      const [day] = await counters.countRequest([{ subject: first, period: "day" }]);
      expect(day).toMatchObject({ requests: 2, tokens: 12 });
      const [other] = await counters.countRequest([{ subject: second, period: "month" }]);
      expect(other).toMatchObject({ requests: 1, tokens: 3 });
    });
  });
}

windowCounterContract("the database", async () => {
  const database: TestDatabase = await testDatabase();
  return { counters: new PostgresWindowCounters(database.db), close: () => database.close() };
});

windowCounterContract("Redis", async () => {
  const keyPrefix = testRedisPrefix();
  const counters = await RedisWindowCounters.connect({ url: testRedisUrl, keyPrefix, logger });
  return {
    counters,
    async close() {
      await counters.close();
      await deleteRedisKeys(keyPrefix);
    },
  };
});

describe("Redis counters when Redis is away", () => {
  let proxy: TcpProxy;
  let counters: RedisWindowCounters;
  const keyPrefix = testRedisPrefix();

  beforeAll(async () => {
    const target = new URL(testRedisUrl);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    counters = await RedisWindowCounters.connect({
      url: `redis://127.0.0.1:${proxy.port}`,
      keyPrefix,
      logger,
    });
  });
  afterAll(async () => {
    await counters?.close();
    await proxy?.close();
    await deleteRedisKeys(keyPrefix);
  });

  it("[CTL-2] the platform fails to start with a message naming CUSTODIAN_REDIS_URL, without the password", async () => {
    const closed = await startTcpProxy({ host: "127.0.0.1", port: 6379 });
    const port = closed.port;
    await closed.close();
    const dataDir = mkdtempSync(path.join(tmpdir(), "custodian-redis-"));
    try {
      const config = loadConfig({
        CUSTODIAN_DATA_DIR: dataDir,
        CUSTODIAN_REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${port}`,
      });
      const failure = await openPlatform(config, logger).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as ConfigError).setting).toBe("CUSTODIAN_REDIS_URL");
      expect((failure as Error).message).toBe(
        `Invalid setting CUSTODIAN_REDIS_URL: cannot connect to redis://127.0.0.1:${port} (ECONNREFUSED)`,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("[CTL-2] answers 503 at once while Redis is away, and recovers by itself", async () => {
    const key = { subject: `key:outage_${randomToken(8)}`, period: "minute" as const };
    expect((await counters.countRequest([key]))[0]!.requests).toBe(1);
    await proxy.cut();
    const started = Date.now();
    await expect(counters.countRequest([key])).rejects.toMatchObject({
      status: 503,
      code: "rate_limit_store_unavailable",
    });
    await expect(counters.creditTokens([{ subject: key.subject, tokens: 1 }])).rejects.toMatchObject({
      status: 503,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    await proxy.restore();
    // ioredis reconnects on its own (backing off up to 2 s): poll until it does.
    const deadline = Date.now() + 10_000;
    let requests = 0;
    while (Date.now() < deadline) {
      try {
        requests = (await counters.countRequest([key]))[0]!.requests;
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(requests).toBe(2);
  });
});
