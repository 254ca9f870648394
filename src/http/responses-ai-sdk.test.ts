// The Vercel AI SDK's OpenAI provider, unchanged, against Custodian: it speaks /v1/responses by default.
// generateText, streamText, a tool call round trip and generateObject, on a fake upstream (127.0.0.1).
import { createOpenAI } from "@ai-sdk/openai";
import { generateObject, generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../../test/helpers/platform.ts";
import {
  startScriptedUpstream,
  textScript,
  toolCallScript,
  type ScriptedUpstream,
} from "../../test/helpers/scripted-upstream.ts";

describe("[PLAT-1] the Vercel AI SDK's @ai-sdk/openai provider works unchanged", () => {
  let upstream: ScriptedUpstream;
  let platform: TestPlatform;
  let provider: ReturnType<typeof createOpenAI>;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    platform = await startTestPlatform({
      upstreams: [
        { name: "up", baseURL: upstream.baseURL, models: [{ id: "up-model", upstream: "real-name" }] },
      ],
    });
    provider = createOpenAI({ baseURL: `${platform.server.url}/v1`, apiKey: platform.apiKey });
  });
  beforeEach(() => upstream.reset());
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
  });

  it("generateText", async () => {
    upstream.queue.push(textScript("Hello from Custodian."));
    const result = await generateText({
      model: provider("up-model"),
      system: "Be kind.",
      prompt: "Say hello",
    });
    expect(result.text).toBe("Hello from Custodian.");
    expect(result.usage.inputTokens).toBe(11);
    expect(result.usage.outputTokens).toBe(5);
    expect(result.finishReason).toBe("stop");
    // It went through /v1/responses (the provider's default), translated onto chat completions upstream.
    expect(upstream.last("/chat/completions").messages).toEqual([
      { role: "system", content: "Be kind." },
      { role: "user", content: [{ type: "text", text: "Say hello" }] },
    ]);
  });

  it("streamText", async () => {
    upstream.queue.push(textScript("Streamed words here."));
    const result = streamText({ model: provider("up-model"), prompt: "Stream please" });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe("Streamed words here.");
    expect((await result.usage).totalTokens).toBe(16);
    expect(upstream.last("/chat/completions").stream).toBe(true);
  });

  it("a tool call: the SDK runs the tool and the answer continues with its result", async () => {
    upstream.queue.push(
      toolCallScript("weather", '{"city":"Oslo"}', "call_w"),
      textScript("It is sunny in Oslo."),
    );
    const seen: unknown[] = [];
    const result = await generateText({
      model: provider("up-model"),
      prompt: "Weather in Oslo?",
      tools: {
        weather: tool({
          description: "The weather in a city",
          inputSchema: jsonSchema<{ city: string }>({
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
            additionalProperties: false,
          }),
          execute: async (input) => {
            seen.push(input);
            return { forecast: "sunny" };
          },
        }),
      },
      stopWhen: stepCountIs(3),
    });
    expect(seen).toEqual([{ city: "Oslo" }]);
    expect(result.text).toBe("It is sunny in Oslo.");
    const first = upstream.requests.filter((request) => request.path.endsWith("/chat/completions"))[0]!.body;
    expect(first.tools).toMatchObject([{ type: "function", function: { name: "weather" } }]);
    const second = upstream.last("/chat/completions").messages as Array<Record<string, unknown>>;
    expect(second.at(-2)).toMatchObject({
      role: "assistant",
      tool_calls: [
        { id: "call_w", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } },
      ],
    });
    expect(second.at(-1)).toMatchObject({ role: "tool", tool_call_id: "call_w" });
    expect(JSON.parse(String(second.at(-1)!.content))).toEqual({ forecast: "sunny" });
  });

  it("generateObject: text.format json_schema reaches the upstream as response_format", async () => {
    upstream.queue.push(textScript('{"name":"Ada","age":36}'));
    const result = await generateObject({
      model: provider("up-model"),
      prompt: "A person",
      schema: jsonSchema<{ name: string; age: number }>({
        type: "object",
        properties: { name: { type: "string" }, age: { type: "number" } },
        required: ["name", "age"],
        additionalProperties: false,
      }),
    });
    expect(result.object).toEqual({ name: "Ada", age: 36 });
    const format = upstream.last("/chat/completions").response_format as {
      type: string;
      json_schema: object;
    };
    expect(format.type).toBe("json_schema");
    expect(format.json_schema).toMatchObject({ schema: { required: ["name", "age"] } });
  });
});
