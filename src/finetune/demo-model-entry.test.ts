// `custodian serve` with nothing configured serves the demo model, labelled as a demo in /v1/models and
// in the start-up message, through the official OpenAI client. The demo model's own test builds and
// trains it; here a tiny model is put where the build caches it, so this test does not train again.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshServerDatabase } from "../../test/helpers/database.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { startServerProcess, type ServerProcess } from "../../test/helpers/server-process.ts";
import { writeLlamaGguf } from "../inference/gguf/gguf-writer.ts";

const seededWidth = 32;

/** `custodian serve` on `dataDir` with no model configured (none inherited from this environment either). */
function serveWithNothingConfigured(
  dataDir: string,
  database: Awaited<ReturnType<typeof freshServerDatabase>>,
  logLevel: string,
): Promise<ServerProcess> {
  const {
    CUSTODIAN_UPSTREAMS: _upstreams,
    CUSTODIAN_MODELS: _models,
    CUSTODIAN_DEMO_MODEL: _demo,
    ...inherited
  } = process.env;
  return startServerProcess({
    ...inherited,
    CUSTODIAN_DATA_DIR: dataDir,
    CUSTODIAN_HTTP: "1",
    CUSTODIAN_PORT: "0",
    CUSTODIAN_LOG_LEVEL: logLevel,
    CUSTODIAN_LLAMA_THREADS: "1",
    ...(database ? { CUSTODIAN_DATABASE_URL: database.url } : {}),
  });
}

describe("the demo model on a fresh start", () => {
  let dataDir: string;
  let server: ServerProcess;
  let client: OpenAI;
  let database: Awaited<ReturnType<typeof freshServerDatabase>>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "custodian-demo-serve-"));
    // The cache file name of ensureDemoModel's current recipe (src/finetune/demo-model.ts).
    const cached = path.join(dataDir, "models", "custodian-demo-v1.gguf");
    mkdirSync(path.dirname(cached), { recursive: true });
    await writeLlamaGguf(cached, { seed: 9, embeddingLength: seededWidth, blockCount: 1, headCount: 2 });
    database = await freshServerDatabase();
    server = await serveWithNothingConfigured(dataDir, database, "warn");
    const url = server.url;
    const { api_key: apiKey } = JSON.parse(readFileSync(path.join(dataDir, "bootstrap.json"), "utf8")) as {
      api_key: string;
    };
    client = new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("[PLAT-3] lists custodian-demo, labelled as a demo model, and says so at start-up", async () => {
    const listed = await client.models.list();
    expect(listed.data).toEqual([
      expect.objectContaining({ id: "custodian-demo", custodian: { demo: true } }),
    ]);
    expect(await client.models.retrieve("custodian-demo")).toMatchObject({ custodian: { demo: true } });
    expect(server.output()).toMatch(/DEMO model 'custodian-demo'/);
  });

  it("[PLAT-3] streams a chat completion and returns an embedding from it", async () => {
    const stream = await client.chat.completions.create({
      model: "custodian-demo",
      messages: [{ role: "user", content: "Hello!" }],
      max_tokens: 4,
      stream: true,
    });
    let finish: string | null = null;
    for await (const chunk of stream)
      for (const choice of chunk.choices) finish = choice.finish_reason ?? finish;
    expect(finish).not.toBeNull();
    const embedding = await client.embeddings.create({ model: "custodian-demo", input: "Hello!" });
    // The seeded stand-in's width: a different width means the demo's cache name changed, and this
    // test trained a demo model instead of using the stand-in.
    expect(embedding.data[0]!.embedding).toHaveLength(seededWidth);
  });
});

describe("the demo model on a first start, with nothing cached", () => {
  let dataDir: string;
  let server: ServerProcess;
  let database: Awaited<ReturnType<typeof freshServerDatabase>>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "custodian-demo-first-"));
    database = await freshServerDatabase();
    server = await serveWithNothingConfigured(dataDir, database, "info");
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("[PLAT-3] serves the web app and the API while the demo model builds in the background", async () => {
    // The printed address is the web app's, with the API's beside it.
    expect(server.output()).toMatch(
      /listening on http:\/\/\S+\/ \(the web app; the OpenAI-compatible API is at \S+\/v1\)/,
    );
    await waitFor(() => /Building/.test(server.output()));
    expect(server.output()).toMatch(
      /Building \(in the background[^)]*\) the built-in DEMO model 'custodian-demo'/,
    );
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<!doctype html>/i);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const { api_key: apiKey } = JSON.parse(readFileSync(path.join(dataDir, "bootstrap.json"), "utf8")) as {
      api_key: string;
    };
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
    // Until it is built, the model says it is being prepared rather than that it does not exist.
    await expect(
      client.chat.completions.create({
        model: "custodian-demo",
        messages: [{ role: "user", content: "Hi" }],
      }),
    ).rejects.toMatchObject({ status: 503, code: "model_not_ready" });
    // The server started the build once it listened (it waits for that, not to slow the start down).
    await waitFor(() => /building the demo model in the background/.test(server.output()));
  });
});
