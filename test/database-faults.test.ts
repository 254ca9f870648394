// Faults outside Custodian: PostgreSQL cut off or black-holed behind a TCP proxy, and a model server
// that restarts in the middle of a stream. Requests fail fast with the OpenAI error shape, and the
// service recovers by itself when the database comes back.
import { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toErrorResponse } from "../src/http/error-handler.ts";
import { freshServerDatabase, serverUrl } from "./helpers/database.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";
import { waitFor } from "./helpers/wait-for.ts";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.ts";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.ts";

const messages = [{ role: "user" as const, content: "hello" }];

let upstream: FakeUpstream;
/** The model server that the mid-stream test takes away. */
let restarting: FakeUpstream;
let platform: TestPlatform;
/** Between Custodian and PostgreSQL; null on embedded PGlite, which has no network to cut. */
let proxy: TcpProxy | null = null;
let dropDatabase: (() => Promise<void>) | undefined;

// One platform for the file: on PostgreSQL it reaches its database through the proxy.
beforeAll(async () => {
  const env: Record<string, string> = {};
  const database = await freshServerDatabase();
  if (database) {
    dropDatabase = database.drop;
    const direct = new URL(database.url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(database.url);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    env.CUSTODIAN_DATABASE_URL = proxied.toString();
    // Every request asks the database for its key, so a cut shows on the next request.
    env.CUSTODIAN_KEY_CACHE_MS = "0";
  }
  upstream = await startFakeUpstream();
  restarting = await startFakeUpstream();
  platform = await startTestPlatform({
    upstreams: [
      { name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] },
      { name: "restarting", baseURL: restarting.baseURL, models: ["restarting-model"] },
    ],
    env,
  });
});
afterAll(async () => {
  await platform?.close();
  await proxy?.close();
  await upstream?.close();
  await restarting?.close();
  await dropDatabase?.();
});

// The proxy sits between Custodian and a PostgreSQL server; embedded PGlite runs inside the process,
// with no network between them to cut, so this part runs only on PostgreSQL.
describe.skipIf(!serverUrl)("PostgreSQL cut off and restored", () => {
  async function ready(): Promise<{ status: number; body: { checks?: Record<string, string> } }> {
    const response = await fetch(`${platform.server.url}/readyz`);
    return { status: response.status, body: (await response.json()) as { checks?: Record<string, string> } };
  }

  async function failsFast(limitMs: number): Promise<void> {
    const timed = async <T>(work: () => Promise<T>) => {
      const started = Date.now();
      const result = await work();
      return { result, elapsed: Date.now() - started };
    };
    // Both at once: each must fail on its own within the limit.
    const [completion, readiness] = await Promise.all([
      timed(() =>
        platform
          .client()
          .chat.completions.create({ model: "fake-model", messages })
          .catch((failure: unknown) => failure as APIError),
      ),
      timed(ready),
    ]);
    const error = completion.result as APIError;
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(503);
    expect(error.code).toBe("database_unavailable");
    expect(error.type).toBe("server_error");
    expect(error.headers?.get("retry-after")).toBe("1");
    expect(completion.elapsed).toBeLessThan(limitMs);
    expect(readiness.result.status).toBe(503);
    expect(readiness.result.body.checks).toEqual({ database: "failing" });
    expect(readiness.elapsed).toBeLessThan(limitMs);
  }

  async function recovers(): Promise<void> {
    // Recovery needs no restart: the pool opens new connections once the server answers again.
    expect(
      await waitFor(async () => (await ready()).status === 200, { timeoutMs: 90_000, ignoreErrors: true }),
    ).toBe(true);
    const completion = await platform.client().chat.completions.create({ model: "fake-model", messages });
    expect(completion.choices[0]!.message.content).toBe("echo: hello");
  }

  it("[PLAT-3] answers /v1 and /readyz with 503 database_unavailable at once when the database is cut, and recovers by itself", async () => {
    await platform.client().chat.completions.create({ model: "fake-model", messages });
    expect((await ready()).status).toBe(200);
    await proxy!.cut();
    await failsFast(2_000);
    await proxy!.restore();
    await recovers();
  });

  it("[PLAT-3] fails within the connect timeout when the database black-holes connections, and recovers", async () => {
    proxy!.blackHole();
    // The pool gives up on a new connection after 2 s: a request must not hang much longer.
    await failsFast(3_500);
    await proxy!.restore();
    await recovers();
    // Nothing was corrupted: the audit log written before and after the faults still verifies.
    expect((await platform.server.platform.audit.verify()).ok).toBe(true);
  });
});

describe("a model server restarted mid-stream", () => {
  it("[PLAT-3] ends the client's stream with an error event, not a hang", async () => {
    restarting.behaviour = { kind: "slow-stream", chunks: 200, intervalMs: 20 };
    const stream = await platform
      .client({ timeout: 10_000 })
      .chat.completions.create({ model: "restarting-model", messages, stream: true });
    const received: string[] = [];
    const started = Date.now();
    const failure = await (async () => {
      try {
        for await (const chunk of stream) {
          received.push(chunk.choices[0]?.delta.content ?? "");
          // A few words in, the model server goes away (closed with its connections, as a restart does).
          if (received.length === 3) void restarting.close();
        }
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).message).toMatch(/model server 'restarting'/);
    expect(received.length).toBeLessThan(200);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("which errors mean the database is unreachable", () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

  it("[PLAT-3] maps lost-connection errors to 503 database_unavailable and leaves every other error a 500", () => {
    const unreachable = [
      withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"),
      withCode("read ECONNRESET", "ECONNRESET"),
      withCode("terminating connection due to administrator command", "57P01"),
      new Error("Connection terminated unexpectedly"),
      new Error("timeout exceeded when trying to connect"),
      new Error("wrapped", { cause: withCode("connect ECONNREFUSED", "ECONNREFUSED") }),
    ];
    for (const error of unreachable) {
      const { status, body } = toErrorResponse(error, "req-1");
      expect(status).toBe(503);
      expect(body.error).toMatchObject({ type: "server_error", code: "database_unavailable" });
    }
    const others = [withCode('syntax error at or near "select"', "42601"), new TypeError("x is undefined")];
    for (const error of others) {
      const { status, body } = toErrorResponse(error, "req-1");
      expect(status).toBe(500);
      expect(body.error.code).toBe("internal_error");
    }
  });
});
