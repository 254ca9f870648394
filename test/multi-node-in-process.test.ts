// Many nodes on one PostgreSQL database, in one process: three Custodian servers, each with its own
// platform and connection pool, serve the same organisations. Sessions, API keys (and their
// revocation), rate limits, periodic tasks, fine-tuning jobs and key rotation hold across them. The
// caches are off here; test/multi-node.test.ts runs separate processes with the default caches.
//
// Runs only on PostgreSQL (CUSTODIAN_TEST_DATABASE_URL): embedded PGlite is one process's database,
// and its data directory admits one server, so there are no other nodes to test against there.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI, { APIError } from "openai";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.ts";
import { keyVersionOf } from "../src/crypto/aead.ts";
import { PeriodicTask } from "../src/jobs/periodic-task.ts";
import { adminOperations } from "../src/platform/operations.ts";
import { startServer, type RunningServer } from "../src/platform/server.ts";
import { serverUrl } from "./helpers/database.ts";
import { waitFor } from "./helpers/wait-for.ts";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";

const messages = [{ role: "user" as const, content: "hello" }];

/**
 * What each node is started with besides its own data directory: the shared database and master key
 * come from node A. The caches are off so that what one node does is seen by the next request on
 * another, without waiting; production keeps them short instead (README, "Running many nodes").
 */
const nodeSettings = { CUSTODIAN_KEY_CACHE_MS: "0", CUSTODIAN_KEYRING_CACHE_MS: "0" };

describe.skipIf(!serverUrl)("three nodes on one PostgreSQL database", () => {
  let upstream: FakeUpstream;
  let first: TestPlatform;
  const others: RunningServer[] = [];
  const otherDirs: string[] = [];
  let nodes: RunningServer[];

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    const upstreams = [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }];
    first = await startTestPlatform({ upstreams, env: nodeSettings });
    for (const name of ["b", "c"]) {
      const dataDir = mkdtempSync(path.join(tmpdir(), `custodian-node-${name}-`));
      otherDirs.push(dataDir);
      others.push(
        await startServer(
          loadConfig({
            ...nodeSettings,
            CUSTODIAN_DATA_DIR: dataDir,
            CUSTODIAN_PORT: "0",
            CUSTODIAN_HTTP: "1",
            CUSTODIAN_DATABASE_URL: first.server.platform.config.databaseUrl!,
            // Nodes of one installation share the master key.
            CUSTODIAN_MASTER_KEY_FILE: path.join(first.dataDir, "master.key"),
            CUSTODIAN_UPSTREAMS: JSON.stringify(upstreams),
          }),
          pino({ level: "silent" }),
        ),
      );
    }
    nodes = [first.server, ...others];
  });
  afterAll(async () => {
    for (const node of others) await node.close();
    await first?.close();
    await upstream?.close();
    for (const dataDir of otherDirs) rmSync(dataDir, { recursive: true, force: true });
  });

  function clientOf(node: RunningServer, apiKey: string): OpenAI {
    return new OpenAI({ baseURL: `${node.url}/v1`, apiKey, maxRetries: 0, timeout: 120_000 });
  }

  async function freshKey(name: string) {
    const { tenancy, apiKeys } = nodes[0]!.platform;
    const project = await tenancy.createProject(first.organization, name, "test");
    return apiKeys.create({ organizationId: first.organization, projectId: project.id, actor: "test" });
  }

  it("[PLAT-3] a browser session made on node A works on B and C, and signing out on C ends it everywhere", async () => {
    const email = "multi-node-owner@example.com";
    const password = "correct horse battery staple";
    await nodes[0]!.platform.identity.users.createLocalOwner({
      organizationId: first.organization,
      email,
      password,
      actor: "test",
    });
    const signIn = await fetch(`${nodes[0]!.url}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: nodes[0]!.url },
      body: JSON.stringify({ organization: first.organization, email, password }),
    });
    expect(signIn.status).toBe(200);
    const { csrf_token: csrf } = (await signIn.json()) as { csrf_token: string };
    const cookie = signIn.headers
      .getSetCookie()
      .map((entry) => entry.split(";")[0])
      .join("; ");
    // Behind a load balancer each request may land on any node; the origin is the node's own here.
    const on = (node: RunningServer, route: string, init: RequestInit = {}) =>
      fetch(`${node.url}${route}`, {
        ...init,
        headers: {
          cookie,
          origin: node.url,
          "x-csrf-token": csrf,
          ...(init.body ? { "content-type": "application/json" } : {}),
        },
      });

    for (const node of nodes) expect((await on(node, "/api/session")).status).toBe(200);
    const created = await on(nodes[1]!, "/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model", title: "made on node B" }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const read = await on(nodes[2]!, `/api/conversations/${id}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { title: string }).title).toBe("made on node B");

    expect((await on(nodes[2]!, "/api/session", { method: "DELETE" })).status).toBeLessThan(300);
    for (const node of nodes) expect((await on(node, "/api/session")).status).toBe(401);
  });

  it("[PLAT-3] an API key made on node A works on C, and its revocation on B is seen by A at once", async () => {
    const key = await freshKey("key across nodes");
    const [onA, , onC] = nodes.map((node) => clientOf(node, key.key));
    expect((await onC!.models.list()).object).toBe("list");
    // A has used (and, with a cache, would remember) the key before it is revoked elsewhere.
    expect((await onA!.models.list()).object).toBe("list");
    await nodes[1]!.platform.apiKeys.revoke(first.organization, key.id, "test");
    const error = (await onA!.models.list().catch((failure: unknown) => failure)) as APIError;
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(401);
    expect(error.code).toBe("invalid_api_key");
  });

  it("[CTL-2] a key's requests per minute are shared by all three nodes", async () => {
    const key = await freshKey("rpm across three nodes");
    await adminOperations(nodes[2]!.platform).setRateLimits({
      organization: first.organization,
      key: key.id,
      rpm: 3,
    });
    const clients = nodes.map((node) => clientOf(node, key.key));
    // The limit counts per clock minute: do not start the three requests just before one ends.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await sleep(60_000 - intoMinute + 200);
    const remaining: Array<string | null> = [];
    for (const client of clients) {
      const { response } = await client.chat.completions
        .create({ model: "fake-model", messages })
        .withResponse();
      remaining.push(response.headers.get("x-ratelimit-remaining-requests"));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    for (const client of clients) {
      const error = (await client.chat.completions
        .create({ model: "fake-model", messages })
        .catch((failure: unknown) => failure)) as APIError;
      expect(error).toBeInstanceOf(APIError);
      expect(error.status).toBe(429);
    }
  });

  it("[PLAT-3] a periodic task (the purge's mechanism) runs once when all three nodes start it together", async () => {
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const tasks = nodes.map(
      (node) =>
        new PeriodicTask({
          name: "multi-node-test-purge",
          intervalMs: 3_600_000,
          db: node.platform.db,
          logger: pino({ level: "silent" }),
          async run() {
            runs += 1;
            entered();
            await gate;
          },
        }),
    );
    const holder = tasks[0]!.runOnce();
    await inside;
    // While one node runs it, the others' turns are skipped, whichever pool they come from.
    expect(await Promise.all(tasks.slice(1).map((task) => task.runOnce()))).toEqual([false, false]);
    release();
    expect(await holder).toBe(true);
    expect(runs).toBe(1);

    // The real purge task of every node shares that lock: all three at once purge without conflict.
    const results = await Promise.all(nodes.map((node) => node.platform.workspace.purgeTask.runOnce()));
    expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(1);
  });

  it("[PLAT-3] each of six queued fine-tuning jobs runs exactly once across the three nodes' workers", async () => {
    const { db } = nodes[0]!.platform;
    // Jobs for a base model no node has: each fails at its first step, which is enough to count who ran it.
    const ids = Array.from({ length: 6 }, (_, index) => `ftjob-multinode${index}`);
    await db
      .insertInto("fine_tuning_jobs")
      .values(
        ids.map((id) => ({
          id,
          organization_id: first.organization,
          model: "no-such-base-model",
          training_file: "file-none",
          validation_file: null,
          n_epochs: 1,
          learning_rate_multiplier: 1,
          batch_size: 1,
          suffix: null,
          seed: 1,
          status: "queued" as const,
          error_code: null,
          error_message: null,
          error_param: null,
          fine_tuned_model: null,
          trained_tokens: null,
          worker_id: null,
          heartbeat_at: null,
          finished_at: null,
        })),
      )
      .execute();
    for (const node of nodes) node.platform.finetune.worker.wake();
    const done = await waitFor(
      async () => {
        const open = await db
          .selectFrom("fine_tuning_jobs")
          .select("id")
          .where("id", "in", ids)
          .where("status", "in", ["queued", "running"])
          .execute();
        return open.length === 0;
      },
      { timeoutMs: 60_000 },
    );
    expect(done).toBe(true);
    const jobs = await db
      .selectFrom("fine_tuning_jobs")
      .select(["id", "status", "attempts", "worker_id"])
      .where("id", "in", ids)
      .execute();
    expect(jobs.map((job) => [job.status, job.attempts])).toEqual(ids.map(() => ["failed", 1]));
    const started = await db
      .selectFrom("fine_tuning_events")
      .select(["job_id"])
      .where("job_id", "in", ids)
      .where("message", "=", "Fine-tuning job started")
      .execute();
    expect(started.map((event) => event.job_id).sort()).toEqual([...ids].sort());
  });

  it("[SEC-1] an organisation key rotated on one node is used by every node; old data stays readable", async () => {
    const organization = first.organization;
    const place = (row: string) => ({ table: "multi_node_test", row });
    const [a, b, c] = nodes.map((node) => node.platform.keyring);
    // Each node seals once first, so each has looked up the organisation's current version.
    const before = await Promise.all(
      [a!, b!, c!].map((keyring, index) => keyring.seal(organization, place(`old-${index}`), `old ${index}`)),
    );
    const oldVersion = keyVersionOf(before[0]!);
    expect(before.map(keyVersionOf)).toEqual([oldVersion, oldVersion, oldVersion]);

    const newVersion = await b!.rotate(organization);
    expect(newVersion).toBe(oldVersion + 1);

    for (const [index, keyring] of [a!, b!, c!].entries()) {
      const sealed = await keyring.seal(organization, place(`new-${index}`), `new ${index}`);
      expect(keyVersionOf(sealed)).toBe(newVersion);
      // What one node sealed, before or after the rotation, every node opens.
      for (const reader of [a!, b!, c!]) {
        expect((await reader.open(organization, place(`new-${index}`), sealed)).toString()).toBe(
          `new ${index}`,
        );
        expect((await reader.open(organization, place(`old-${index}`), before[index]!)).toString()).toBe(
          `old ${index}`,
        );
      }
    }
  });
});
