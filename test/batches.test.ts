// /v1/batches end to end with the official client against a real server and the local demo model: a
// chat batch and an embeddings batch run in the background through the live routes' pipeline, failing
// lines land in the error file, bad files are refused, a batch can be cancelled, lists page, another
// project cannot see a batch, and what a batch stores is sealed at rest.
import { APIError, toFile } from "openai";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoModelEnv, sharedDemoModel } from "./helpers/demo-model.ts";
import { startTestPlatform, type TestPlatform, scanSources } from "./helpers/platform.ts";
import { strangerKeys } from "./helpers/strangers.ts";
import { foundAnywhere, rawScan } from "./helpers/raw-scan.ts";
import { waitFor } from "./helpers/wait-for.ts";

type Line = { custom_id: string; response: { status_code: number; body: Record<string, unknown> } | null };

const jsonl = (lines: unknown[]) => lines.map((line) => JSON.stringify(line)).join("\n") + "\n";

async function upload(client: OpenAI, lines: unknown[], name = "batch.jsonl") {
  return client.files.create({ file: await toFile(Buffer.from(jsonl(lines)), name), purpose: "batch" });
}

async function finished(client: OpenAI, id: string, timeoutMs = 600_000) {
  return waitFor(
    async () => {
      const batch = await client.batches.retrieve(id);
      return ["completed", "failed", "expired", "cancelled"].includes(batch.status) ? batch : null;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

async function lines(client: OpenAI, fileId: string | null | undefined): Promise<Line[]> {
  if (!fileId) return [];
  const text = await (await client.files.content(fileId)).text();
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);
}

async function status(promise: Promise<unknown>): Promise<number | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    if (error instanceof APIError) return error.status ?? null;
    throw error;
  }
}

describe("/v1/batches", () => {
  let platform: TestPlatform;
  let client: OpenAI;
  let model: string;
  const canary = "CANARY-batch-sealed-5d21a7";

  beforeAll(async () => {
    model = (await sharedDemoModel()).id;
    platform = await startTestPlatform({
      env: { ...(await demoModelEnv()), CUSTODIAN_BATCH_CONCURRENCY: "2" },
    });
    client = platform.client({ timeout: 300_000 });
  });
  afterAll(async () => {
    await platform?.close();
  });

  const chat = (customId: string, content: string, chosen = model) => ({
    custom_id: customId,
    method: "POST",
    url: "/v1/chat/completions",
    body: { model: chosen, messages: [{ role: "user", content }], max_tokens: 4 },
  });

  it("runs chat completions in the background: one output line per success, failures in the error file", async () => {
    const input = await upload(client, [
      chat("first", "Say hello."),
      chat("second", `Repeat ${canary}.`),
      chat("missing-model", "Hello?", "no-such-model"),
    ]);
    const created = await client.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
      metadata: { purpose: "test" },
    });
    expect(created).toMatchObject({
      object: "batch",
      endpoint: "/v1/chat/completions",
      metadata: { purpose: "test" },
    });
    expect(["validating", "in_progress"]).toContain(created.status);
    expect(created.expires_at! - created.created_at).toBe(24 * 3600);

    const batch = await finished(client, created.id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    expect(batch.in_progress_at).toBeTypeOf("number");
    expect(batch.completed_at).toBeTypeOf("number");

    const output = await lines(client, batch.output_file_id);
    expect(output.map((line) => line.custom_id).sort()).toEqual(["first", "second"]);
    for (const line of output) {
      expect(line.response?.status_code).toBe(200);
      expect(line.response?.body).toMatchObject({ object: "chat.completion", model });
    }
    const failures = await lines(client, batch.error_file_id);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      custom_id: "missing-model",
      response: { status_code: 404, body: { error: { code: "model_not_found" } } },
    });
    const file = await client.files.retrieve(batch.output_file_id!);
    expect(file.purpose).toBe("batch_output");
  });

  it("runs embeddings", async () => {
    const input = await upload(
      client,
      ["one", "two"].map((text) => ({
        custom_id: `embed-${text}`,
        method: "POST",
        url: "/v1/embeddings",
        body: { model, input: text },
      })),
    );
    const created = await client.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/embeddings",
      completion_window: "24h",
    });
    const batch = await finished(client, created.id);
    expect(batch.status).toBe("completed");
    const output = await lines(client, batch.output_file_id);
    expect(output).toHaveLength(2);
    for (const line of output) {
      expect(line.response?.status_code).toBe(200);
      const body = line.response!.body as { object: string; data: Array<{ embedding: number[] }> };
      expect(body.object).toBe("list");
      expect(body.data[0]!.embedding.length).toBeGreaterThan(0);
    }
    expect(batch.error_file_id).toBeNull();
  });

  it("refuses a bad input file up front: 400 for a file that is no batch file, OpenAI's errors list for bad lines", async () => {
    const notBatch = await client.files.create({
      file: await toFile(Buffer.from(jsonl([chat("a", "hi")])), "data.jsonl"),
      purpose: "user_data",
    });
    const base = { endpoint: "/v1/chat/completions" as const, completion_window: "24h" as const };
    expect(await status(client.batches.create({ ...base, input_file_id: notBatch.id }))).toBe(400);
    expect(await status(client.batches.create({ ...base, input_file_id: "file-none" }))).toBe(400);
    const good = await upload(client, [chat("a", "hi")]);
    expect(
      await status(
        client.batches.create({ ...base, input_file_id: good.id, completion_window: "1h" as "24h" }),
      ),
    ).toBe(400);

    const bad = await upload(client, [
      chat("same", "hi"),
      chat("same", "hi again"),
      { ...chat("other-url", "hi"), url: "/v1/embeddings" },
      { ...chat("get", "hi"), method: "GET" },
      { custom_id: "no-body", method: "POST", url: "/v1/chat/completions" },
    ]);
    const refused = await client.batches.create({ ...base, input_file_id: bad.id });
    expect(refused.status).toBe("failed");
    expect(refused.failed_at).toBeTypeOf("number");
    expect(refused.errors?.object).toBe("list");
    const found = (refused.errors?.data ?? []).map((error) => [error.code, error.line]);
    expect(found).toEqual([
      ["duplicate_custom_id", 2],
      ["mismatched_url", 3],
      ["invalid_method", 4],
      ["missing_required_parameter", 5],
    ]);
    // Fixed wordings only: the file's content never comes back in an error.
    expect(JSON.stringify(refused.errors)).not.toContain("hi again");
  });

  it("cancels: cancelling at once, then cancelled, with the requests left undone in the error file", async () => {
    const many = Array.from({ length: 40 }, (_, index) => chat(`cancel-${index}`, `Count to ${index}.`));
    const input = await upload(client, many);
    const created = await client.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    const cancelling = await client.batches.cancel(created.id);
    expect(cancelling.status).toBe("cancelling");
    expect(cancelling.cancelling_at).toBeTypeOf("number");
    const batch = await finished(client, created.id);
    expect(batch.status).toBe("cancelled");
    expect(batch.cancelled_at).toBeTypeOf("number");
    const done = await lines(client, batch.output_file_id);
    const undone = await lines(client, batch.error_file_id);
    expect(done.length).toBeLessThan(40);
    expect(done.length + undone.length).toBe(40);
    expect(
      undone.some((line) => (line as { error?: { code?: string } }).error?.code === "batch_cancelled"),
    ).toBe(true);
    // A finished batch cannot be cancelled again, and cancelling twice is harmless.
    expect((await client.batches.cancel(created.id)).status).toBe("cancelled");
  });

  it("lists newest first with cursor pagination", async () => {
    const all = [];
    for await (const batch of client.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all.length).toBeGreaterThanOrEqual(4);
    const first = await client.batches.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const second = await client.batches.list({ limit: 2, after: first.data[1]!.id });
    expect(second.data[0]!.id).toBe(all[2]);
    expect(new Set(all).size).toBe(all.length);
  });

  it("another project's key, or another organisation's, gets 404 and an empty list", async () => {
    const [mine] = (await client.batches.list({ limit: 1 })).data;
    for (const key of await strangerKeys(platform)) {
      const stranger = platform.client({ apiKey: key });
      expect(await status(stranger.batches.retrieve(mine!.id))).toBe(404);
      expect(await status(stranger.batches.cancel(mine!.id))).toBe(404);
      expect((await stranger.batches.list()).data).toEqual([]);
    }
  });

  it("[OWN-2] the organisation export lists every batch, its metadata only with content", async () => {
    const exporter = platform.server.platform.oversight.exporter;
    const ids = [];
    for await (const batch of client.batches.list({ limit: 100 })) ids.push(batch.id);
    const plain = await exporter.export(platform.organization, "test");
    const listed = plain.sections.batches as Array<Record<string, unknown>>;
    expect(listed.map((batch) => batch.id).sort()).toEqual([...ids].sort());
    expect(listed.every((batch) => !("metadata" in batch) && batch.project_id === platform.project)).toBe(
      true,
    );
    const full = await exporter.export(platform.organization, "test", { includeContent: true });
    expect(full.sections.batches).toContainEqual(expect.objectContaining({ metadata: { purpose: "test" } }));
  });

  it("[SEC-1] a batch's input, results and output files are sealed at rest (raw scan of database, blobs and log)", async () => {
    const [withCanary] = (await client.batches.list({ limit: 100 })).data.filter(
      (batch) => batch.request_counts?.total === 3,
    );
    // Positive control: the canary is really in the output the client reads back...
    const text = await (await client.files.content(withCanary!.output_file_id!)).text();
    expect(text).toContain("second");
    const input = await (await client.files.content(withCanary!.input_file_id)).text();
    expect(input).toContain(canary);
    // ...and the scanner's own canaries prove it reads every place; the canary is in none of them.
    const scan = await rawScan(scanSources(platform), { canary, customId: '"custom_id":"second"' });
    expect(foundAnywhere(scan)).toEqual({});
  });
});
