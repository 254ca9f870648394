// Usage metering end to end: the official OpenAI client against a real server and the fake model
// server; the usage API must add up to exactly what the client was told, for its organisation only.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type OpenAI from "openai";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../../test/helpers/fake-upstream.ts";
import { startTestPlatform, type TestPlatform } from "../../test/helpers/platform.ts";
import { adminOperations } from "../platform/operations.ts";
import type { UsagePage } from "./usage-reports.ts";

const canary = "CANARY-usage-91b3-never-metered";

interface Seen {
  model: string;
  prompt: number;
  completion: number;
}

async function complete(client: OpenAI, model: string, content: string): Promise<Seen> {
  const completion = await client.chat.completions.create({
    model,
    messages: [{ role: "user", content }],
  });
  return { model, prompt: completion.usage!.prompt_tokens, completion: completion.usage!.completion_tokens };
}

async function stream(client: OpenAI, model: string, content: string): Promise<Seen> {
  const chunks = await client.chat.completions.create({
    model,
    messages: [{ role: "user", content }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let seen: Seen | null = null;
  for await (const chunk of chunks) {
    if (chunk.usage)
      seen = { model, prompt: chunk.usage.prompt_tokens, completion: chunk.usage.completion_tokens };
  }
  return seen!;
}

function usage(client: OpenAI, query: Record<string, unknown>): Promise<UsagePage> {
  return client.get<UsagePage>("/organization/usage/completions", { query });
}

describe("usage metering", () => {
  let upstream: FakeUpstream;
  let platform: TestPlatform;
  let client: OpenAI;
  const seen: Seen[] = [];
  let startTime: number;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    platform = await startTestPlatform({
      upstreams: [{ name: "fake", baseURL: upstream.baseURL, models: ["model-a", "model-b"] }],
    });
    client = platform.client();
    startTime = Math.floor(Date.now() / 1000) - 60;
    seen.push(await complete(client, "model-a", `first ${canary}`));
    seen.push(await complete(client, "model-b", "second"));
    seen.push(await stream(client, "model-a", `one two three four ${canary}`));
    seen.push(await stream(client, "model-b", "five six"));
    await platform.server.platform.usage.recorder.flush();
  });
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
  });

  it("[CTL-2] reports exactly the usage the client was told, in OpenAI's usage API shape", async () => {
    const page = await usage(client, { start_time: startTime, bucket_width: "1d" });
    expect(page).toMatchObject({ object: "page", has_more: false, next_page: null });
    expect(page.data).toHaveLength(1);
    const bucket = page.data[0]!;
    expect(bucket).toMatchObject({ object: "bucket", start_time: startTime, end_time: startTime + 86_400 });
    expect(bucket.results).toEqual([
      {
        object: "organization.usage.completions.result",
        input_tokens: seen.reduce((sum, entry) => sum + entry.prompt, 0),
        output_tokens: seen.reduce((sum, entry) => sum + entry.completion, 0),
        input_cached_tokens: 0,
        input_audio_tokens: 0,
        output_audio_tokens: 0,
        num_model_requests: seen.length,
        project_id: null,
        user_id: null,
        api_key_id: null,
        model: null,
        batch: null,
      },
    ]);

    const byModel = await usage(client, { start_time: startTime, group_by: ["model", "api_key_id"] });
    const results = byModel.data[0]!.results.sort((a, b) => a.model!.localeCompare(b.model!));
    for (const model of ["model-a", "model-b"]) {
      const mine = seen.filter((entry) => entry.model === model);
      expect(results.find((result) => result.model === model)).toMatchObject({
        input_tokens: mine.reduce((sum, entry) => sum + entry.prompt, 0),
        output_tokens: mine.reduce((sum, entry) => sum + entry.completion, 0),
        num_model_requests: mine.length,
        project_id: null,
        api_key_id: expect.stringMatching(/^key_/),
      });
    }

    const filtered = await usage(client, {
      start_time: startTime,
      models: ["model-b"],
      project_ids: [platform.project],
    });
    expect(filtered.data[0]!.results[0]!.num_model_requests).toBe(2);
  });

  it("pages through hourly buckets with next_page", async () => {
    const first = await usage(client, {
      start_time: startTime - 3 * 3600,
      end_time: startTime + 3600,
      bucket_width: "1h",
      limit: 3,
    });
    expect(first.data.map((bucket) => bucket.results.length)).toEqual([0, 0, 0]);
    expect(first.has_more).toBe(true);
    const second = await usage(client, {
      start_time: startTime - 3 * 3600,
      end_time: startTime + 3600,
      bucket_width: "1h",
      limit: 3,
      page: first.next_page,
    });
    expect(second.data).toHaveLength(1);
    expect(second.data[0]!.start_time).toBe(startTime);
    expect(second.data[0]!.results[0]!.num_model_requests).toBe(seen.length);
    expect(second).toMatchObject({ has_more: false, next_page: null });
  });

  it("rejects a malformed query in OpenAI's error shape", async () => {
    await expect(usage(client, { bucket_width: "1d" })).rejects.toMatchObject({
      status: 400,
      param: "start_time",
    });
    await expect(usage(client, { start_time: startTime, bucket_width: "1w" })).rejects.toMatchObject({
      status: 400,
      param: "bucket_width",
    });
    await expect(usage(client, { start_time: startTime, group_by: ["prompt"] })).rejects.toMatchObject({
      status: 400,
      param: "group_by",
    });
  });

  it("[CTL-2] shows an organisation only its own usage", async () => {
    const operations = adminOperations(platform.server.platform);
    const other = (await operations.createOrganization({ name: "Other" })) as { id: string };
    const key = (await operations.createKey({ organization: other.id })) as { key: string };
    const page = await usage(platform.client({ apiKey: key.key }), { start_time: startTime });
    expect(page.data[0]!.results).toEqual([]);
  });

  it("[SEC-1] meters facts only: no prompt or completion text in the usage tables", async () => {
    const { db } = platform.server.platform;
    for (const table of ["usage_events", "usage_counters", "usage_limits"]) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
      expect(JSON.stringify(rows.rows), table).not.toContain(canary);
      expect(JSON.stringify(rows.rows), table).not.toContain("echo:");
    }
    const events = await db.selectFrom("usage_events").selectAll().execute();
    expect(events).toHaveLength(seen.length);
  });

  it("`custodian usage` prints the same totals through the running server", async () => {
    const root = path.resolve(import.meta.dirname, "../..");
    // Asynchronously: the server answering the CLI runs in this very process.
    const result = await promisify(execFile)(
      process.execPath,
      [
        path.join(root, "src/main.ts"),
        "usage",
        "--org",
        platform.organization,
        "--since",
        new Date(startTime * 1000).toISOString(),
        "--json",
      ],
      {
        timeout: 60_000,
        env: {
          ...process.env,
          CUSTODIAN_DATA_DIR: platform.dataDir,
          CUSTODIAN_LOG_LEVEL: "warn",
          ...(platform.server.platform.config.databaseUrl
            ? { CUSTODIAN_DATABASE_URL: platform.server.platform.config.databaseUrl }
            : {}),
        },
      },
    );
    expect(result.stderr).toBe("");
    const rows = JSON.parse(result.stdout) as Array<{
      project_id: string;
      requests: number;
      input_tokens: number;
      output_tokens: number;
    }>;
    expect(rows.every((row) => row.project_id === platform.project)).toBe(true);
    expect(rows.reduce((sum, row) => sum + row.requests, 0)).toBe(seen.length);
    expect(rows.reduce((sum, row) => sum + row.input_tokens + row.output_tokens, 0)).toBe(
      seen.reduce((sum, entry) => sum + entry.prompt + entry.completion, 0),
    );
  });
});
