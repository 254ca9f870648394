// Hostile and random input against /v1: property-based bodies, deep nesting, oversized and invalid
// bytes. Whatever arrives, the answer is a 4xx in the OpenAI error shape, never a 5xx or a crash.
// And one tenant's hostile requests to the local model never stop the server for the others (PLAT-3).
import { setTimeout as pause } from "node:timers/promises";
import fc from "fast-check";
import type OpenAI from "openai";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoModelEnv } from "./helpers/demo-model.ts";
import { startTestPlatform, useTestPlatformWithUpstream, type TestPlatform } from "./helpers/platform.ts";

describe("hostile input on /v1", () => {
  const platform = useTestPlatformWithUpstream();

  async function post(body: string | Buffer, contentType = "application/json") {
    const response = await request(`${platform.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${platform.apiKey}`, "content-type": contentType },
      body,
    });
    const text = await response.body.text();
    return { status: response.statusCode, text };
  }

  function expectOpenAIError(result: { status: number; text: string }) {
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.status).toBeLessThan(500);
    const parsed = JSON.parse(result.text) as { error: Record<string, unknown> };
    expect(Object.keys(parsed.error).sort()).toEqual(["code", "message", "param", "type"]);
  }

  it("[SEC-2] answers random JSON bodies with a 2xx or a 4xx in the OpenAI shape, never a 5xx", async () => {
    const message = fc.record(
      {
        role: fc.oneof(fc.constantFrom("user", "system", "assistant", "tool"), fc.string()),
        content: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const body = fc.record(
      {
        model: fc.oneof(fc.constant("fake-model"), fc.string(), fc.jsonValue()),
        messages: fc.oneof(fc.array(message, { maxLength: 3 }), fc.jsonValue()),
        stream: fc.oneof(fc.boolean(), fc.jsonValue()),
        max_tokens: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
        temperature: fc.oneof(fc.double(), fc.jsonValue()),
        stop: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 6 }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (candidate) => {
        const result = await post(JSON.stringify(candidate));
        if (result.status < 300) return;
        expectOpenAIError(result);
      }),
      { numRuns: 150, seed: 20261125 },
    );
  });

  it("rejects deep nesting, invalid UTF-8, wrong content types and oversized bodies with 4xx", async () => {
    const deep = `{"model":"fake-model","messages":[{"role":"user","content":${"[".repeat(5000)}${"]".repeat(5000)}}]}`;
    expectOpenAIError(await post(deep));
    expectOpenAIError(await post(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])));
    expectOpenAIError(await post("model=x", "application/x-www-form-urlencoded"));
    const huge = await post(
      `{"model":"fake-model","messages":[{"role":"user","content":"${"a".repeat(21 * 1024 * 1024)}"}]}`,
    );
    expect(huge.status).toBe(413);
    expectOpenAIError(huge);
    // The server is still well.
    const fine = await post(
      JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: "ok" }] }),
    );
    expect(fine.status).toBe(200);
  });
});

describe("[PLAT-3] hostile requests to the local model while another tenant is served", () => {
  let platform: TestPlatform;
  let other: OpenAI;
  const model = "custodian-demo";

  beforeAll(async () => {
    platform = await startTestPlatform({ env: await demoModelEnv() });
    const services = platform.server.platform;
    const { organization, project } = await services.tenancy.createOrganization("Other tenant", "system");
    const key = await services.apiKeys.create({
      organizationId: organization.id,
      projectId: project.id,
      actor: "system",
    });
    other = platform.client({ apiKey: key.key, timeout: 240_000 });
  }, 300_000);
  afterAll(async () => {
    await platform?.close();
  });

  async function post(path: string, body: string, signal?: AbortSignal) {
    const response = await request(`${platform.server.url}/v1/${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${platform.apiKey}`, "content-type": "application/json" },
      body,
      ...(signal ? { signal } : {}),
    });
    return response;
  }

  async function refusal(path: string, body: string) {
    const response = await post(path, body);
    const parsed = (await response.body.json()) as {
      error: { type: string; code: string | null; param: string | null };
    };
    return { status: response.statusCode, ...parsed.error };
  }

  /** One stream of the local model; every other one is dropped by its client after the first chunk. */
  async function stream(index: number): Promise<string> {
    const controller = new AbortController();
    const response = await post(
      "chat/completions",
      JSON.stringify({
        model,
        messages: [{ role: "user", content: `Tell me a story, number ${index}.` }],
        max_tokens: 24,
        stream: true,
      }),
      controller.signal,
    );
    if (response.statusCode !== 200) return `status ${response.statusCode}`;
    let text = "";
    try {
      for await (const chunk of response.body) {
        text += String(chunk);
        if (index % 2 === 1) {
          controller.abort();
          return "dropped";
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return "dropped";
      throw error;
    }
    return /"finish_reason":"(stop|length)"/.test(text) && text.includes("data: [DONE]") ? "finished" : text;
  }

  it("[PLAT-3] refuses huge, deep and oversized requests with 400/413 while /healthz and a small chat completion keep answering", async () => {
    // Built before the clock starts: the test's own process is the server's too.
    const hi = { role: "user", content: "hi" };
    const tenThousand = JSON.stringify({ model, max_tokens: 1, messages: Array(10_000).fill(hi) });
    const atTheBound = JSON.stringify({ model, max_tokens: 1, messages: Array(2048).fill(hi) });
    const tenMegabytes = "hi ".repeat(3_500_000);
    const hugeChat = JSON.stringify({
      model,
      max_tokens: 1,
      messages: [{ role: "user", content: tenMegabytes }],
    });
    const hugePrompt = JSON.stringify({ model, max_tokens: 1, prompt: tenMegabytes });
    const hugeInput = JSON.stringify({ model, input: tenMegabytes });
    const deep = `{"model":"${model}","messages":[{"role":"user","content":${"[".repeat(10_000)}${"]".repeat(10_000)}}]}`;
    const tooLarge = JSON.stringify({
      model,
      messages: [{ role: "user", content: "a".repeat(21 * 1024 * 1024) }],
    });
    const manyParts = JSON.stringify({
      model,
      messages: [{ role: "user", content: Array(1025).fill({ type: "text", text: "hi" }) }],
    });

    // The load of the model is not what this test measures: it happens first.
    await other.chat.completions.create({
      model,
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 1,
    });

    const answeredAt: number[] = [Date.now()];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const response = await request(`${platform.server.url}/healthz`);
        expect(response.statusCode).toBe(200);
        await response.body.dump();
        answeredAt.push(Date.now());
        await pause(50);
      }
    })();

    const [refusals, streams, small] = await Promise.all([
      Promise.all([
        refusal("chat/completions", tenThousand),
        refusal("chat/completions", atTheBound),
        refusal("chat/completions", hugeChat),
        refusal("completions", hugePrompt),
        refusal("embeddings", hugeInput),
        refusal("chat/completions", deep),
        refusal("chat/completions", tooLarge),
        refusal("chat/completions", manyParts),
      ]),
      Promise.all(Array.from({ length: 32 }, (_, index) => stream(index))),
      other.chat.completions.create({
        model,
        messages: [{ role: "user", content: "Say hello." }],
        max_tokens: 4,
      }),
    ]);
    probing = false;
    await prober;
    answeredAt.push(Date.now());

    expect(refusals).toEqual([
      expect.objectContaining({ status: 400, code: "invalid_value", param: "messages" }),
      expect.objectContaining({ status: 400, code: "context_length_exceeded", param: "messages" }),
      expect.objectContaining({ status: 400, code: "context_length_exceeded", param: "messages" }),
      expect.objectContaining({ status: 400, code: "context_length_exceeded", param: "prompt" }),
      expect.objectContaining({ status: 400, code: "context_length_exceeded", param: "input" }),
      expect.objectContaining({ status: 400, code: "json_too_deep" }),
      expect.objectContaining({ status: 413, code: "request_too_large" }),
      expect.objectContaining({ status: 400, code: "invalid_value" }),
    ]);
    for (const refused of refusals) expect(refused.type).toBe("invalid_request_error");
    expect(streams.filter((result) => result === "finished")).toHaveLength(16);
    expect(streams.filter((result) => result === "dropped")).toHaveLength(16);
    expect(small.choices[0]?.finish_reason).toMatch(/^(stop|length)$/);
    expect(small.usage?.prompt_tokens).toBeGreaterThan(0);

    // Every /healthz answered, and never more than 5 s after the one before (a loaded 2-core host).
    const gaps = answeredAt.slice(1).map((at, index) => at - answeredAt[index]!);
    expect(answeredAt.length).toBeGreaterThan(2);
    expect(Math.max(...gaps)).toBeLessThan(5_000);

    // The model still answers in full after all that.
    const after = await other.chat.completions.create({
      model,
      messages: [{ role: "user", content: "Once more." }],
      max_tokens: 2,
    });
    expect(after.choices[0]?.finish_reason).toMatch(/^(stop|length)$/);
  }, 600_000);
});
