// The embedded llama.cpp provider end to end: a tiny GGUF written by the project, served by a real
// Custodian server, called through the official OpenAI client.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../../../test/helpers/platform.ts";
import { writeLlamaGguf } from "../gguf/gguf-writer.ts";

const embeddingLength = 32;
const canary = "CANARY-llama-7f3a9c";

describe("the embedded llama.cpp provider through the official OpenAI client", () => {
  let work: string;
  let platform: TestPlatform;
  let client: OpenAI;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), "custodian-llama-"));
    const modelPath = path.join(work, "tiny.gguf");
    await writeLlamaGguf(modelPath, {
      seed: 11,
      embeddingLength,
      blockCount: 1,
      headCount: 2,
      contextLength: 256,
    });
    platform = await startTestPlatform({
      env: {
        CUSTODIAN_MODELS: JSON.stringify([
          { id: "tiny", path: modelPath },
          { id: "broken", path: path.join(work, "missing.gguf") },
        ]),
        // One thread: the suite shares two cores, and llama.cpp's threads spin-wait on each other.
        CUSTODIAN_LLAMA_THREADS: "1",
        CUSTODIAN_LLAMA_PARALLEL: "1",
        CUSTODIAN_LLAMA_QUEUE: "1",
      },
    });
    client = platform.client();
  });
  afterAll(async () => {
    await platform?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("[PLAT-1] lists the local models", async () => {
    const listed = await client.models.list();
    expect(listed.data.map((model) => model.id).sort()).toEqual(["broken", "tiny"]);
    expect(listed.data[0]).toMatchObject({ object: "model", owned_by: "custodian" });
  });

  it("[PLAT-1] streams a chat completion, with usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: `Say something. ${canary}` }],
      max_tokens: 6,
      // A fixed seed: unseeded, the tiny model now and then samples its end-of-sequence token within six.
      seed: 7,
      stream: true,
      stream_options: { include_usage: true },
    });
    const finishReasons: Array<string | null> = [];
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) {
      chunks += 1;
      expect(chunk.object).toBe("chat.completion.chunk");
      expect(chunk.model).toBe("tiny");
      for (const choice of chunk.choices) finishReasons.push(choice.finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(finishReasons.at(-1)).toBe("length");
    expect(usage?.completion_tokens).toBe(6);
    expect(usage?.prompt_tokens).toBeGreaterThan(5);
  });

  it("[PLAT-1] returns a whole chat completion with usage counts, the same text for the same seed", async () => {
    const ask = () =>
      client.chat.completions.create({
        model: "tiny",
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: `Hello ${canary}` },
        ],
        max_tokens: 5,
        temperature: 0.8,
        top_p: 0.9,
        seed: 42,
      });
    const first = await ask();
    const second = await ask();
    expect(first.object).toBe("chat.completion");
    expect(first.choices[0]?.finish_reason).toBe("length");
    expect(first.usage?.completion_tokens).toBe(5);
    expect(first.usage?.prompt_tokens).toBeGreaterThan(10);
    expect(first.usage?.total_tokens).toBe(first.usage!.prompt_tokens + first.usage!.completion_tokens);
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
  });

  it("[PLAT-1] answers a text completion, whole and streamed", async () => {
    const completion = await client.completions.create({
      model: "tiny",
      prompt: `Once ${canary}`,
      max_tokens: 4,
      // Seeded, as every sampled request here that expects "length": unseeded, the tiny model now and
      // then samples its end-of-sequence token first (a CI run failed on this very call). A seed picks the
      // same tokens only on the same CPU build of llama.cpp, so these are checked per kind of host.
      seed: 7,
    });
    expect(completion.object).toBe("text_completion");
    expect(completion.id).toMatch(/^cmpl-/);
    expect(typeof completion.choices[0]?.text).toBe("string");
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage).toMatchObject({ completion_tokens: 4 });
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);

    const stream = await client.completions.create({
      model: "tiny",
      prompt: "Twice",
      max_tokens: 3,
      seed: 7,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) finish = choice.finish_reason ?? finish;
    }
    expect(finish).toBe("length");
    expect(usage?.completion_tokens).toBe(3);
  });

  it("[PLAT-1] stops at a stop sequence, without it in the text", async () => {
    const ask = (stop?: string) =>
      client.completions.create({
        model: "tiny",
        prompt: "abc",
        max_tokens: 12,
        temperature: 0,
        ...(stop ? { stop } : {}),
      });
    const free = (await ask()).choices[0]!.text;
    // Greedy decoding is deterministic: cut at the first plain ASCII character after the first one.
    const cut = [...free].findIndex((character, index) => index > 0 && /^[\x21-\x7e]$/.test(character));
    expect(cut).toBeGreaterThan(0);
    const stopped = await ask([...free][cut]);
    expect(stopped.choices[0]).toMatchObject({
      text: [...free].slice(0, cut).join(""),
      finish_reason: "stop",
    });
  });

  it("[PLAT-1] embeds texts into vectors of the model's width, as base64 and as floats", async () => {
    const viaClient = await client.embeddings.create({
      model: "tiny",
      input: ["first text", `second ${canary}`],
    });
    expect(viaClient.data).toHaveLength(2);
    expect(viaClient.data.map((item) => item.index)).toEqual([0, 1]);
    for (const item of viaClient.data) expect(item.embedding).toHaveLength(embeddingLength);
    expect(viaClient.usage.prompt_tokens).toBeGreaterThan(0);
    const floats = await client.embeddings.create({
      model: "tiny",
      input: "first text",
      encoding_format: "float",
    });
    expect(floats.data[0]!.embedding).toHaveLength(embeddingLength);
    // base64 float32 and plain floats are the same vector.
    floats.data[0]!.embedding.forEach((value, index) =>
      expect(viaClient.data[0]!.embedding[index]).toBeCloseTo(value, 5),
    );
    await expect(
      client.embeddings.create({ model: "tiny", input: "x", dimensions: 8 }),
    ).rejects.toMatchObject({ status: 400, param: "dimensions" });
    // Token ids are refused: one outside the vocabulary would trip an assertion inside llama.cpp.
    await expect(client.embeddings.create({ model: "tiny", input: [[1, 999_999]] })).rejects.toMatchObject({
      status: 400,
      param: "input",
    });
  });

  it("refuses with 429 and retry-after when the queue is full, and keeps serving", async () => {
    const call = () =>
      fetch(`${platform.server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${platform.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "go" }], max_tokens: 200 }),
      });
    // One generating, one waiting: the rest are refused at once.
    const responses = await Promise.all(Array.from({ length: 8 }, call));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    const refused = responses.filter((response) => response.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(Number(refused[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await refused[0]!.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: "rate_limit_error", code: "model_overloaded" });
    await Promise.all(
      responses.filter((response) => !response.bodyUsed).map((response) => response.arrayBuffer()),
    );
    const after = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "again" }],
      max_tokens: 2,
    });
    // Served: up to two tokens, fewer when the tiny model samples its end-of-sequence token first.
    expect(after.usage?.completion_tokens).toBeLessThanOrEqual(2);
    expect(["stop", "length"]).toContain(after.choices[0]?.finish_reason);
  });

  it("answers 503 for a model whose file cannot be loaded, and the server keeps serving", async () => {
    await expect(
      client.chat.completions.create({ model: "broken", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({ status: 503, code: "model_load_failed" });
    const healthy = await client.completions.create({ model: "tiny", prompt: "ok", max_tokens: 1 });
    expect(["stop", "length"]).toContain(healthy.choices[0]?.finish_reason);
    expect(platform.logs()).toContain("local model failed to load");
  });

  it("keeps prompts and outputs out of the logs", () => {
    expect(platform.logs()).not.toContain(canary);
  });
});
