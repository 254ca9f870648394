// POST /v1/completions and POST /v1/embeddings passed through to an OpenAI-compatible model server,
// through the official OpenAI client.
import type OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../../test/helpers/fake-upstream.ts";
import { startTestPlatform, type TestPlatform } from "../../test/helpers/platform.ts";

const canary = "CANARY-passthrough-51d2";

describe("/v1/completions and /v1/embeddings through an upstream model server", () => {
  let upstream: FakeUpstream;
  let platform: TestPlatform;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    platform = await startTestPlatform({
      upstreams: [
        {
          name: "fake",
          baseURL: upstream.baseURL,
          apiKey: "upstream-secret",
          models: [{ id: "alias", upstream: "upstream-name" }],
        },
      ],
    });
    client = platform.client();
  });
  afterEach(() => {
    upstream.requests.length = 0;
  });
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
  });

  it("[PLAT-1] returns a text completion, mapping the model name", async () => {
    const completion = await client.completions.create({
      model: "alias",
      prompt: `hello ${canary}`,
      max_tokens: 5,
      seed: 3,
    });
    expect(completion).toMatchObject({
      object: "text_completion",
      model: "alias",
      choices: [{ index: 0, text: `echo: hello ${canary}`, finish_reason: "stop" }],
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
    });
    expect(completion.id).toMatch(/^cmpl-/);
    const seen = upstream.requests[0]!;
    expect(seen.path).toBe("/v1/completions");
    expect(seen.body).toMatchObject({ model: "upstream-name", max_tokens: 5, seed: 3, stream: false });
    expect(seen.headers.authorization).toBe("Bearer upstream-secret");
  });

  it("[PLAT-1] streams a text completion with usage", async () => {
    const stream = await client.completions.create({
      model: "alias",
      prompt: "one two",
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      expect(chunk.model).toBe("alias");
      expect(chunk.object).toBe("text_completion");
      ids.add(chunk.id);
      for (const choice of chunk.choices) text += choice.text;
      if (chunk.usage) usage = chunk.usage;
    }
    // One id of ours for the whole stream, not the upstream's.
    expect([...ids]).toEqual([expect.stringMatching(/^cmpl-/)]);
    expect(text).toBe("echo: one two");
    expect(usage).toEqual({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
  });

  it("[PLAT-1] returns embeddings in input order, as floats and as the client's default base64", async () => {
    const embeddings = await client.embeddings.create({ model: "alias", input: ["ab", `abcd ${canary}`] });
    expect(embeddings.object).toBe("list");
    expect(embeddings.model).toBe("alias");
    expect(embeddings.data.map((item) => item.embedding)).toEqual([
      [2, 0, 0.5],
      [4 + 1 + canary.length, 1, 0.5],
    ]);
    expect(upstream.requests[0]).toMatchObject({ path: "/v1/embeddings", body: { model: "upstream-name" } });
    const floats = await client.embeddings.create({ model: "alias", input: "abc", encoding_format: "float" });
    expect(floats.data[0]!.embedding).toEqual([3, 0, 0.5]);
    expect(floats.usage).toEqual({ prompt_tokens: 1, total_tokens: 1 });
  });

  it("needs an API key and a valid body, and names unknown models", async () => {
    const anonymous = platform.client({ apiKey: "sk-cust-wrong" });
    await expect(anonymous.completions.create({ model: "alias", prompt: "x" })).rejects.toMatchObject({
      status: 401,
    });
    await expect(anonymous.embeddings.create({ model: "alias", input: "x" })).rejects.toMatchObject({
      status: 401,
    });
    await expect(
      client.completions.create({ model: "alias" } as unknown as OpenAI.CompletionCreateParamsNonStreaming),
    ).rejects.toMatchObject({ status: 400, param: "prompt" });
    await expect(client.embeddings.create({ model: "nope", input: "x" })).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it("keeps prompts and outputs out of the logs", () => {
    expect(platform.logs()).not.toContain(canary);
  });
});
