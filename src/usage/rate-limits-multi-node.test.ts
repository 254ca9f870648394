// Limits hold across nodes: two Custodian servers on one PostgreSQL database share their counters, in
// the database or in one Redis (CUSTODIAN_REDIS_URL), so a key's requests and a project's tokens are
// limited however requests are spread between them. The same tests run against each counter store.
//
// Runs only on PostgreSQL (CUSTODIAN_TEST_DATABASE_URL): embedded PGlite is one process's database, and
// two servers cannot share its data directory, so there is no second node to test against there.
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
import type { UsagePage } from "./usage-reports.ts";

const messages = [{ role: "user" as const, content: "hello" }];

/** Fixed one-minute windows: start a per-minute test well clear of the minute's end. */
async function clearOfMinuteEdge(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 55_000) await sleep(60_000 - intoMinute + 200);
}

/** Both nodes refuse the next request with a 429 naming the used-up limit. */
async function expectRefusedByBoth(clients: readonly OpenAI[], kind: "requests" | "tokens", limit: number) {
  for (const client of clients) {
    const error = (await client.chat.completions
      .create({ model: "fake-model", messages })
      .catch((failure: unknown) => failure)) as APIError;
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(429);
    expect(error.headers?.get(`x-ratelimit-limit-${kind}`)).toBe(String(limit));
    expect(error.headers?.get(`x-ratelimit-remaining-${kind}`)).toBe("0");
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
  }
}

const redisPrefix = testRedisPrefix();
const stores = [
  { name: "the database", env: {} as Record<string, string>, countsInDatabase: true },
  {
    name: "Redis",
    env: { CUSTODIAN_REDIS_URL: testRedisUrl, CUSTODIAN_REDIS_KEY_PREFIX: redisPrefix },
    countsInDatabase: false,
  },
];

describe.skipIf(!serverUrl).each(stores)("limits across two nodes, counted in $name", (store) => {
  let upstream: FakeUpstream;
  let first: TestPlatform;
  let second: RunningServer;
  let secondDir: string;

  function clientOf(server: RunningServer, apiKey: string): OpenAI {
    return new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0, timeout: 120_000 });
  }

  async function freshKey(name: string) {
    const { tenancy, apiKeys } = first.server.platform;
    const project = await tenancy.createProject(first.organization, name, "test");
    const key = await apiKeys.create({
      organizationId: first.organization,
      projectId: project.id,
      actor: "test",
    });
    return {
      project: project.id,
      keyId: key.id,
      clients: [clientOf(first.server, key.key), clientOf(second, key.key)] as const,
    };
  }

  /** The database's counter rows of these subjects. */
  async function counterRows(subjects: string[]): Promise<unknown[]> {
    return first.server.platform.db
      .selectFrom("usage_counters")
      .select("subject")
      .where("subject", "in", subjects)
      .execute();
  }

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    const upstreams = [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }];
    first = await startTestPlatform({ upstreams, env: store.env });
    secondDir = mkdtempSync(path.join(tmpdir(), "custodian-node2-"));
    second = await startServer(
      loadConfig({
        ...store.env,
        CUSTODIAN_DATA_DIR: secondDir,
        CUSTODIAN_PORT: "0",
        CUSTODIAN_HTTP: "1",
        CUSTODIAN_DATABASE_URL: first.server.platform.config.databaseUrl!,
        // Nodes of one installation share the master key.
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
    if (!store.countsInDatabase) await deleteRedisKeys(redisPrefix);
  });

  it("[CTL-2] a key's requests per minute are shared by both nodes, with correct 429 headers", async () => {
    const { keyId, clients } = await freshKey("rpm across nodes");
    await adminOperations(first.server.platform).setRateLimits({
      organization: first.organization,
      key: keyId,
      rpm: 3,
    });
    await clearOfMinuteEdge();
    const remaining: Array<string | null> = [];
    for (const client of [clients[0], clients[1], clients[0]]) {
      const { response } = await client.chat.completions
        .create({ model: "fake-model", messages })
        .withResponse();
      remaining.push(response.headers.get("x-ratelimit-remaining-requests"));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    await expectRefusedByBoth(clients, "requests", 3);
  });

  it("[CTL-2] a project's tokens per minute count what either node served, and usage adds up", async () => {
    const { project, keyId, clients } = await freshKey("tpm across nodes");
    await adminOperations(second.platform, "admin-test").setRateLimits({
      organization: first.organization,
      project,
      tpm: 25,
    });
    await clearOfMinuteEdge();
    const startTime = Math.floor(Date.now() / 1000) - 5;
    await clients[0].chat.completions.create({ model: "fake-model", messages });
    // Tokens credited by the first node's recorder are seen by the second node.
    await first.server.platform.usage.recorder.flush();
    const { response } = await clients[1].chat.completions
      .create({ model: "fake-model", messages })
      .withResponse();
    expect(response.headers.get("x-ratelimit-remaining-tokens")).toBe("15");
    await second.platform.usage.recorder.flush();
    await clients[0].chat.completions.create({ model: "fake-model", messages });
    await first.server.platform.usage.recorder.flush();
    await expectRefusedByBoth(clients, "tokens", 25);

    const page = await clients[1].get<UsagePage>("/organization/usage/completions", {
      query: { start_time: startTime, project_ids: [project] },
    });
    expect(page.data[0]!.results[0]).toMatchObject({
      num_model_requests: 3,
      input_tokens: 21,
      output_tokens: 9,
    });
    // Where the windows were counted: rows in the database for it, none when Redis counts (the
    // database store's rows are the positive control for Redis's empty answer).
    const rows = await counterRows([`key:${keyId}`, `project:${project}`]);
    expect(rows.length > 0).toBe(store.countsInDatabase);
  });
});
