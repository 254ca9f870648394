// Limits hold across nodes with the counters in Redis: two Custodian servers on one PostgreSQL database
// and one Redis (CUSTODIAN_REDIS_URL), so a key's requests and a project's tokens are limited however
// requests are spread between them, with no counter row in the database.
//
// Runs only on PostgreSQL (CUSTODIAN_TEST_DATABASE_URL): two servers cannot share an embedded PGlite
// data directory, so there is no second node to test against there.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI, { APIError } from "openai";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverUrl } from "../../test/helpers/database.ts";
import { startFakeUpstream, type FakeUpstream } from "../../test/helpers/fake-upstream.ts";
import { startTestPlatform, type TestPlatform } from "../../test/helpers/platform.ts";
import { deleteRedisKeys, testRedisPrefix, testRedisUrl } from "../../test/helpers/redis.ts";
import { loadConfig } from "../config/config.ts";
import { adminOperations } from "../platform/operations.ts";
import { startServer, type RunningServer } from "../platform/server.ts";

const messages = [{ role: "user" as const, content: "hello" }];

describe.skipIf(!serverUrl)("limits across two nodes sharing Redis counters", () => {
  let upstream: FakeUpstream;
  let first: TestPlatform;
  let second: RunningServer;
  let secondDir: string;
  const keyPrefix = testRedisPrefix();

  function clientOf(server: RunningServer, apiKey: string): OpenAI {
    return new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });
  }

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    const upstreams = [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }];
    const redis = {
      CUSTODIAN_REDIS_URL: testRedisUrl,
      CUSTODIAN_REDIS_KEY_PREFIX: keyPrefix,
    };
    first = await startTestPlatform({ upstreams, env: redis });
    secondDir = mkdtempSync(path.join(tmpdir(), "custodian-node2-"));
    second = await startServer(
      loadConfig({
        ...redis,
        CUSTODIAN_DATA_DIR: secondDir,
        CUSTODIAN_PORT: "0",
        CUSTODIAN_HTTP: "1",
        CUSTODIAN_DATABASE_URL: first.server.platform.config.databaseUrl!,
        CUSTODIAN_MASTER_KEY_FILE: path.join(first.dataDir, "master.key"),
        CUSTODIAN_UPSTREAMS: JSON.stringify(upstreams),
      }),
      pino({ level: "silent" }),
    );
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await upstream?.close();
    if (secondDir) rmSync(secondDir, { recursive: true, force: true });
    await deleteRedisKeys(keyPrefix);
  });

  it("[CTL-2] a key's requests and a project's tokens per minute are shared by both nodes through Redis", async () => {
    const { tenancy, apiKeys, db } = first.server.platform;
    const project = await tenancy.createProject(first.organization, "redis across nodes", "test");
    const key = await apiKeys.create({
      organizationId: first.organization,
      projectId: project.id,
      actor: "test",
    });
    const clients = [clientOf(first.server, key.key), clientOf(second, key.key)] as const;
    const operations = adminOperations(first.server.platform, "admin-test");
    await operations.setRateLimits({ organization: first.organization, key: key.id, rpm: 3 });
    await operations.setRateLimits({ organization: first.organization, project: project.id, tpm: 15 });
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await sleep(60_000 - intoMinute + 200);

    const first0 = await clients[0].chat.completions.create({ model: "fake-model", messages }).withResponse();
    expect(first0.response.headers.get("x-ratelimit-remaining-requests")).toBe("2");
    // Tokens credited by the first node's recorder are seen by the second node.
    await first.server.platform.usage.recorder.flush();
    const second1 = await clients[1].chat.completions
      .create({ model: "fake-model", messages })
      .withResponse();
    expect(second1.response.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect(second1.response.headers.get("x-ratelimit-remaining-tokens")).toBe("5");
    await second.platform.usage.recorder.flush();
    for (const client of clients) {
      const error = (await client.chat.completions
        .create({ model: "fake-model", messages })
        .catch((failure: unknown) => failure)) as APIError;
      expect(error).toBeInstanceOf(APIError);
      expect(error.status).toBe(429);
      expect(error.headers?.get("x-ratelimit-limit-tokens")).toBe("15");
      expect(error.headers?.get("x-ratelimit-remaining-tokens")).toBe("0");
      expect(Number(error.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    // Counted in Redis, not in the database.
    const rows = await db
      .selectFrom("usage_counters")
      .select("subject")
      .where("subject", "in", [`key:${key.id}`, `project:${project.id}`])
      .execute();
    expect(rows).toEqual([]);
  });
});
