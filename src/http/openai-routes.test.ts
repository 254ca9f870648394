import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../../test/helpers/fake-upstream.ts";
import { startTestPlatform, type TestPlatform } from "../../test/helpers/platform.ts";
import type { ErrorBody } from "./error-handler.ts";

describe("/v1 through the official OpenAI client", () => {
  let upstream: FakeUpstream;
  let platform: TestPlatform;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    platform = await startTestPlatform({
      env: { CUSTODIAN_UPSTREAM_TIMEOUT_MS: "1500" },
      upstreams: [
        {
          name: "fake",
          baseURL: upstream.baseURL,
          apiKey: "upstream-secret",
          models: ["fake-model", { id: "alias", upstream: "upstream-name" }],
        },
        { name: "down", baseURL: "http://127.0.0.1:9/v1", models: ["unreachable-model"] },
      ],
    });
    client = platform.client();
  });
  afterEach(() => {
    upstream.behaviour = { kind: "echo" };
    upstream.requests.length = 0;
  });
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
  });

  it("[PLAT-1] lists and retrieves models", async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id).sort()).toEqual(["alias", "fake-model", "unreachable-model"]);
    const model = await client.models.retrieve("alias");
    expect(model).toMatchObject({ id: "alias", object: "model", owned_by: "fake" });
    await expect(client.models.retrieve("nope")).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
  });

  it("[PLAT-1] returns a completion, mapping the model name and using the upstream's own key", async () => {
    const completion = await client.chat.completions.create({
      model: "alias",
      messages: [{ role: "user", content: "hello there" }],
      max_tokens: 5,
      temperature: 0.2,
      seed: 7,
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("alias");
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.choices[0]?.message.content).toBe("echo: hello there");
    expect(completion.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    const seen = upstream.requests[0]!;
    expect(seen.body).toMatchObject({
      model: "upstream-name",
      max_tokens: 5,
      temperature: 0.2,
      seed: 7,
      stream: false,
    });
    expect(seen.headers.authorization).toBe("Bearer upstream-secret");
  });

  it("[PLAT-1] streams a completion as server-sent events, with usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "fake-model",
      messages: [{ role: "user", content: "one two three" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: unknown = null;
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      expect(chunk.model).toBe("fake-model");
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("echo: one two three");
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 4 });

    const withoutUsage = await client.chat.completions.create({
      model: "fake-model",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    for await (const chunk of withoutUsage) expect(chunk.usage ?? null).toBeNull();
  });

  it("[PLAT-1] gives every streamed chunk our own id and the client's model name, never the upstream's", async () => {
    const response = await fetch(`${platform.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${platform.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "alias",
        messages: [{ role: "user", content: "one two" }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    const events = (await response.text()).split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events
      .slice(0, -1)
      .map((event) => JSON.parse(event.slice("data: ".length)) as Record<string, unknown>);
    // Role, "echo: ", "one ", "two", the finish and the usage.
    expect(chunks).toHaveLength(6);
    const id = chunks[0]!.id as string;
    expect(id).toMatch(/^chatcmpl-/);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id, object: "chat.completion.chunk", model: "alias" });
      expect(typeof chunk.created).toBe("number");
    }
    expect(chunks[0]!.choices).toEqual([
      { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
    ]);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 3 } });
  });

  it("[PLAT-1] frames the stream as SSE ending in [DONE]", async () => {
    const response = await fetch(`${platform.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${platform.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "fake-model",
        messages: [{ role: "user", content: "a b" }],
        stream: true,
      }),
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const body = await response.text();
    const events = body.split("\n\n").filter(Boolean);
    expect(events.every((event) => event.startsWith("data: "))).toBe(true);
    expect(events.at(-1)).toBe("data: [DONE]");
  });

  it("rejects a missing or wrong API key with 401", async () => {
    await expect(
      platform.client({ apiKey: "sk-cust-wrong" }).chat.completions.create({
        model: "fake-model",
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toMatchObject({ status: 401, code: "invalid_api_key", type: "authentication_error" });
    const response = await fetch(`${platform.server.url}/v1/models`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: {
        message: expect.any(String),
        type: "authentication_error",
        param: null,
        code: "missing_api_key",
      },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it("refuses a read-only key a completion with 403, and lets it list models", async () => {
    const operations = (await import("../platform/operations.ts")).adminOperations(platform.server.platform);
    const created = (await operations.createKey({
      organization: platform.organization,
      readOnly: true,
    })) as {
      key: string;
    };
    const readOnly = platform.client({ apiKey: created.key });
    expect((await readOnly.models.list()).data.length).toBeGreaterThan(0);
    await expect(
      readOnly.chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({ status: 403, type: "permission_error", code: "read_only_key" });
  });

  it("answers an unknown model with 404 model_not_found", async () => {
    await expect(
      client.chat.completions.create({ model: "gpt-nope", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({ status: 404, code: "model_not_found", param: "model" });
  });

  it.each([
    [{ model: "fake-model" }, "messages", "missing_required_parameter"],
    [{ model: "fake-model", messages: [] }, "messages", "invalid_value"],
    [
      { model: "fake-model", messages: [{ role: "wizard", content: "x" }] },
      "messages[0].role",
      "invalid_value",
    ],
    [
      { model: "fake-model", messages: [{ role: "user", content: "x" }], temperature: 7 },
      "temperature",
      "invalid_value",
    ],
    [
      { model: "fake-model", messages: [{ role: "user", content: "x" }], max_tokens: 0 },
      "max_tokens",
      "invalid_value",
    ],
    [{ messages: [{ role: "user", content: "x" }] }, "model", "missing_required_parameter"],
  ])("rejects an invalid body with 400 naming the parameter (%j)", async (body, param, code) => {
    await expect(
      client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
    ).rejects.toMatchObject({ status: 400, type: "invalid_request_error", param, code });
    expect(upstream.requests).toHaveLength(0);
  });

  it("rejects unparseable JSON with 400 and an unknown path with 404, in the OpenAI shape", async () => {
    const headers = { authorization: `Bearer ${platform.apiKey}`, "content-type": "application/json" };
    const broken = await fetch(`${platform.server.url}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: "{nope",
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as ErrorBody).error).toMatchObject({
      type: "invalid_request_error",
      code: "invalid_json",
    });
    const unknown = await fetch(`${platform.server.url}/v1/nothing-here`, { headers });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorBody).error.code).toBe("unknown_url");
  });

  it("maps an upstream 429 to 429 and an upstream 500 to 502, without the upstream's internals", async () => {
    upstream.behaviour = { kind: "status", status: 429, body: { error: { message: "slow down" } } };
    await expect(
      client.chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({ status: 429, type: "rate_limit_error" });
    upstream.behaviour = {
      kind: "status",
      status: 500,
      body: { error: { message: "stack trace at secret.py:12" } },
    };
    const failure = await client.chat.completions
      .create({ model: "fake-model", messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError);
    expect(failure).toMatchObject({ status: 502, type: "server_error" });
    expect(String((failure as Error).message)).not.toContain("secret.py");
  });

  it("passes an upstream 400's explanation through, and fails a stream's start with a proper status", async () => {
    upstream.behaviour = {
      kind: "status",
      status: 400,
      body: { error: { message: "context length exceeded" } },
    };
    await expect(
      client.chat.completions.create({
        model: "fake-model",
        messages: [{ role: "user", content: "x" }],
        stream: true,
      }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("context length exceeded") });
  });

  it("answers 502 for an unreachable model server and 504 when it does not answer in time", async () => {
    await expect(
      client.chat.completions.create({
        model: "unreachable-model",
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toMatchObject({ status: 502, code: "upstream_unreachable" });
    upstream.behaviour = { kind: "hang" };
    await expect(
      client.chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({ status: 504, code: "upstream_timeout" });
  });

  it("cancels the upstream request when the client disconnects mid-stream", async () => {
    upstream.behaviour = { kind: "slow-stream", chunks: 200, intervalMs: 20 };
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "fake-model", messages: [{ role: "user", content: "long" }], stream: true },
      { signal: controller.signal },
    );
    let received = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) received += 1;
        if (received === 3) controller.abort();
      }
    } catch {
      // The client library may end the loop quietly or with an abort error; either is a disconnect.
    }
    expect(received).toBe(3);
    const writtenWhenClosed = await upstream.aborted;
    expect(writtenWhenClosed).toBeLessThan(200);
  });
});
