// `custodian models pull` and `models list` end to end: real CLI processes against a local fake hub,
// then a real server that serves what was pulled.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshServerDatabase } from "../../test/helpers/database.ts";
import { startFakeHub, type FakeHub } from "../../test/helpers/fake-hub.ts";
import { loadConfig } from "../config/config.ts";
import { writeLlamaGguf } from "../inference/gguf/gguf-writer.ts";
import { startServer } from "../platform/server.ts";

const main = path.resolve(import.meta.dirname, "../main.ts");

describe("custodian models pull / list", () => {
  let hub: FakeHub;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let database: Awaited<ReturnType<typeof freshServerDatabase>>;
  let sha256 = "";

  function custodian(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    // Asynchronous, so the fake hub in this process keeps answering while the CLI runs.
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [main, ...args], { env });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "custodian-models-"));
    const file = path.join(dataDir, "source.gguf");
    await writeLlamaGguf(file, { seed: 5, embeddingLength: 32, blockCount: 1, headCount: 2 });
    hub = await startFakeHub();
    hub.files.set("acme/tiny-GGUF/tiny.gguf", { bytes: readFileSync(file) });
    hub.files.set("acme/tiny-GGUF/tampered.gguf", {
      bytes: readFileSync(file),
      announcedSha256: "a".repeat(64),
    });
    database = await freshServerDatabase();
    env = {
      ...process.env,
      CUSTODIAN_DATA_DIR: dataDir,
      CUSTODIAN_HF_ENDPOINT: hub.endpoint,
      CUSTODIAN_HTTP: "1",
      CUSTODIAN_PORT: "0",
      CUSTODIAN_LOG_LEVEL: "warn",
      CUSTODIAN_LLAMA_THREADS: "1",
      ...(database ? { CUSTODIAN_DATABASE_URL: database.url } : {}),
    };
  });
  afterAll(async () => {
    await hub?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("pulls through a broken connection with a progress bar, verifies and registers the model", async () => {
    hub.interruptNext = 1;
    const pulled = await custodian("models", "pull", "hf:acme/tiny-GGUF/tiny.gguf", "--json");
    expect(pulled.status, pulled.stderr).toBe(0);
    const result = JSON.parse(pulled.stdout) as {
      id: string;
      verified: boolean;
      sha256: string;
      path: string;
    };
    expect(result).toMatchObject({ id: "tiny", verified: true });
    expect(result.path).toBe(path.join(dataDir, "models", "tiny.gguf"));
    expect(pulled.stderr).toMatch(/100%/);
    expect(hub.seen.some((request) => request.range?.startsWith("bytes="))).toBe(true);

    sha256 = result.sha256;
  });

  it("rejects a file whose checksum differs from the hub's, and lists only the verified model", async () => {
    const pulled = await custodian("models", "pull", "hf:acme/tiny-GGUF/tampered.gguf");
    expect(pulled.status).toBe(2);
    expect(pulled.stderr).toMatch(/SHA-256/);
    const listed = await custodian("models", "list", "--json");
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        id: "tiny",
        status: "available",
        sha256,
        source: "hf:acme/tiny-GGUF/tiny.gguf",
      }),
    ]);
  });

  it("[PLAT-3] serves a pulled model on the next start, with no other model configured", async () => {
    const config = loadConfig(env);
    const server = await startServer(config, pino({ level: "silent" }));
    try {
      const bootstrap = JSON.parse(readFileSync(path.join(dataDir, "bootstrap.json"), "utf8")) as {
        api_key: string;
      };
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: bootstrap.api_key, maxRetries: 0 });
      expect((await client.models.list()).data.map((model) => model.id)).toEqual(["tiny"]);
      const completion = await client.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "hello" }],
        max_tokens: 3,
      });
      // Served: up to three tokens, fewer when the tiny model samples its end-of-sequence token first.
      expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(3);
      expect(["stop", "length"]).toContain(completion.choices[0]?.finish_reason);
    } finally {
      await server.close();
    }
  });
});
