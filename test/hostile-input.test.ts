// Hostile and random input against /v1: property-based bodies, deep nesting, oversized and invalid
// bytes. Whatever arrives, the answer is a 4xx in the OpenAI error shape, never a 5xx or a crash.
import fc from "fast-check";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatformWithUpstream, type PlatformWithUpstream } from "./helpers/platform.ts";

describe("hostile input on /v1", () => {
  let platform: PlatformWithUpstream;

  beforeAll(async () => {
    platform = await startTestPlatformWithUpstream({});
  });
  afterAll(async () => {
    await platform?.close();
  });

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
