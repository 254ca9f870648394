// /v1/responses with the official client, on an upstream (a fake model server on 127.0.0.1) and on the
// local demo model: create, stream, retrieve, delete, cancel, input items, chaining, and privacy.
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDemoAndUpstream } from "../../test/helpers/demo-and-upstream.ts";
import type { TestPlatform } from "../../test/helpers/platform.ts";
import { textScript, type ScriptedUpstream } from "../../test/helpers/scripted-upstream.ts";

const canary = "CANARY-responses-7f3e";

describe("/v1/responses through the official client", () => {
  let upstream: ScriptedUpstream;
  let platform: TestPlatform;
  let client: OpenAI;
  let local: string;

  beforeAll(async () => {
    ({ upstream, platform, client, local } = await startDemoAndUpstream());
  });
  beforeEach(() => upstream.reset());
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
  });

  const storedRows = async () =>
    platform.server.platform.db.selectFrom("stored_responses").selectAll().execute();

  it("[PLAT-1] creates a response on an upstream: instructions, limits, tools and the whole answer", async () => {
    const response = await client.responses.create({
      model: "up-model",
      instructions: "Be brief.",
      input: `Weather in Oslo? ${canary}`,
      max_output_tokens: 50,
      temperature: 0.3,
      tools: [
        { type: "function", name: "lookup", parameters: { type: "object", properties: {} }, strict: false },
      ],
      tool_choice: "auto",
    });
    expect(response).toMatchObject({
      object: "response",
      status: "completed",
      model: "up-model",
      store: true,
    });
    expect(response.id).toMatch(/^resp_/);
    expect(response.output_text).toBe("Hi");
    expect(response.output.map((item) => item.type)).toEqual(["reasoning", "message", "function_call"]);
    expect(response.output[2]).toMatchObject({
      call_id: "call_1",
      name: "lookup",
      arguments: '{"city":"Oslo"}',
    });
    expect(response.usage).toMatchObject({ input_tokens: 11, output_tokens: 5, total_tokens: 16 });
    const forwarded = upstream.last("/chat/completions");
    expect(forwarded).toMatchObject({
      model: "real-name",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: `Weather in Oslo? ${canary}` },
      ],
      max_completion_tokens: 50,
      temperature: 0.3,
      tool_choice: "auto",
      tools: [
        {
          type: "function",
          function: { name: "lookup", parameters: { type: "object", properties: {} }, strict: false },
        },
      ],
    });
    expect(forwarded.store).toBeUndefined();

    // Retrieve, input items, delete.
    expect(await client.responses.retrieve(response.id)).toEqual(JSON.parse(JSON.stringify(response)));
    const items = await client.responses.inputItems.list(response.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: "message", role: "user", content: [{ type: "input_text" }] });
    await expect(client.responses.cancel(response.id)).rejects.toMatchObject({ status: 400 });
    // [SEC-1] stored sealed: the row holds no plaintext.
    const row = (await storedRows()).find((stored) => stored.id === response.id)!;
    expect(Buffer.from(row.content).includes(canary)).toBe(false);
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(30 * 86_400_000);
    await client.responses.delete(response.id);
    await expect(client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
  });

  it("[PLAT-1] streams OpenAI's typed events, and the streamed response is the retrieved one", async () => {
    const stream = await client.responses.create({ model: "up-model", input: "Hello", stream: true });
    const types: string[] = [];
    let text = "";
    let args = "";
    let completed: OpenAI.Responses.Response | null = null;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.function_call_arguments.delta") args += event.delta;
      if (event.type === "response.completed") completed = event.response;
    }
    expect(types.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
    for (const type of [
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.refusal.delta",
      "response.refusal.done",
      "response.reasoning_text.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
    ])
      expect(types).toContain(type);
    expect(types.at(-1)).toBe("response.completed");
    expect(text).toBe("Hi");
    expect(args).toBe('{"city":"Oslo"}');
    expect(completed!.output.map((item) => item.type)).toEqual(["reasoning", "message", "function_call"]);
    expect(completed!.usage?.total_tokens).toBe(16);
    // The client adds its own `output_text` to a retrieved response, not to an event's.
    const { output_text: _text, ...retrieved } = await client.responses.retrieve(completed!.id);
    expect(retrieved).toEqual(JSON.parse(JSON.stringify(completed)));
  });

  it("[PLAT-1] continues a stored response with previous_response_id", async () => {
    upstream.queue.push(textScript("Paris."), textScript("About 2 million."));
    const first = await client.responses.create({ model: "up-model", input: "Capital of France?" });
    const second = await client.responses.create({
      model: "up-model",
      input: "Population?",
      previous_response_id: first.id,
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.output_text).toBe("About 2 million.");
    expect(upstream.last("/chat/completions").messages).toEqual([
      { role: "user", content: "Capital of France?" },
      { role: "assistant", content: "Paris." },
      { role: "user", content: "Population?" },
    ]);
  });

  it("[API-2] store: false keeps nothing, and a later previous_response_id to it is refused", async () => {
    const before = (await storedRows()).length;
    const response = await client.responses.create({ model: "up-model", input: "secret", store: false });
    expect((response as unknown as { store: boolean }).store).toBe(false);
    expect((await storedRows()).length).toBe(before);
    await expect(client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
    await expect(
      client.responses.create({ model: "up-model", input: "more", previous_response_id: response.id }),
    ).rejects.toMatchObject({
      status: 400,
      code: "previous_response_not_found",
      param: "previous_response_id",
    });
  });

  it("[API-1] [API-2] retention: a shorter period shortens the stored life; under ZDR nothing is stored", async () => {
    const settings = platform.server.platform.privacy.settings;
    const organizationId = platform.organization;
    await settings.set({ organizationId, retentionDays: 1, actor: "test" });
    platform.server.platform.privacy.admission.invalidate();
    const short = await client.responses.create({ model: "up-model", input: "short-lived" });
    const row = (await storedRows()).find((stored) => stored.id === short.id)!;
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(86_400_000);
    // Past its expiry it is gone to readers at once, and the purge deletes it.
    await platform.server.platform.db
      .updateTable("stored_responses")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", short.id)
      .execute();
    await expect(client.responses.retrieve(short.id)).rejects.toMatchObject({ status: 404 });
    expect(await platform.server.platform.responses.store.purge()).toBeGreaterThanOrEqual(1);
    expect((await storedRows()).some((stored) => stored.id === short.id)).toBe(false);

    const kept = await client.responses.create({ model: "up-model", input: "kept" });
    await settings.set({ organizationId, zdr: true, actor: "test" });
    platform.server.platform.privacy.admission.invalidate();
    try {
      // Stored before ZDR: unreadable under it.
      await expect(client.responses.retrieve(kept.id)).rejects.toMatchObject({ status: 404 });
      const before = (await storedRows()).length;
      const response = await client.responses.create({ model: "up-model", input: "under zdr" });
      expect((await storedRows()).length).toBe(before);
      await expect(
        client.responses.create({ model: "up-model", input: "next", previous_response_id: response.id }),
      ).rejects.toMatchObject({ status: 400, code: "previous_response_not_found" });
    } finally {
      await settings.set({ organizationId, zdr: false, retentionDays: 30, actor: "test" });
      platform.server.platform.privacy.admission.invalidate();
    }
  });

  it("[API-3] runs on the chat pipeline: the traffic observer records it as a responses call", async () => {
    await client.responses.create({ model: "up-model", input: "observed" });
    await platform.server.platform.privacy.traffic.flush();
    const records = await platform.server.platform.db
      .selectFrom("api_records")
      .select("endpoint")
      .where("endpoint", "=", "responses")
      .execute();
    expect(records.length).toBeGreaterThan(0);
  });

  it("[PLAT-1] text.format json_schema reaches an upstream as response_format; refusals name the parameter", async () => {
    upstream.queue.push(textScript('{"city":"Oslo"}'));
    const schema = {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
      additionalProperties: false,
    };
    const response = await client.responses.create({
      model: "up-model",
      input: "City?",
      text: { format: { type: "json_schema", name: "place", schema, strict: true } },
    });
    expect(JSON.parse(response.output_text)).toEqual({ city: "Oslo" });
    expect(upstream.last("/chat/completions").response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "place", schema, strict: true },
    });
    await expect(
      client.responses.create({ model: "up-model", input: "x", background: true }),
    ).rejects.toMatchObject({
      status: 400,
      param: "background",
    });
    await expect(
      client.responses.create({ model: "up-model", input: "x", tools: [{ type: "web_search" }] }),
    ).rejects.toMatchObject({ status: 400, param: "tools[0]" });
    await expect(
      client.responses.create({ model: "up-model", input: "x", previous_response_id: "resp_doesnotexist" }),
    ).rejects.toMatchObject({ status: 400, code: "previous_response_not_found" });
  });

  it("[PLAT-1] on the local model: answers whole and streamed, refuses what it cannot honour", async () => {
    const response = await client.responses.create({ model: local, input: "Hello", max_output_tokens: 4 });
    expect(response.status).toMatch(/completed|incomplete/);
    expect(response.output[0]).toMatchObject({ type: "message", role: "assistant" });
    expect(response.usage!.output_tokens).toBeLessThanOrEqual(4);
    const stream = await client.responses.create({
      model: local,
      input: "Hello",
      max_output_tokens: 4,
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toMatch(/response\.(completed|incomplete)/);
    // Function tools and text.format json_schema are honoured (test/local-model-tools.test.ts has more).
    const tools = [{ type: "function" as const, name: "f", parameters: {}, strict: false }];
    const called = await client.responses.create({
      model: local,
      input: "x",
      tools,
      tool_choice: "required",
      max_output_tokens: 60,
    });
    expect(called.output[0]).toMatchObject({ type: "function_call", name: "f" });
    expect(JSON.parse((called.output[0] as { arguments: string }).arguments)).toEqual({});
    const formatted = await client.responses.create({
      model: local,
      input: "x",
      text: { format: { type: "json_schema", name: "s", schema: { type: "object" } } },
      max_output_tokens: 60,
    });
    expect(JSON.parse(formatted.output_text)).toEqual({});
    await expect(
      client.responses.create({
        model: local,
        input: "x",
        tools: [
          { ...tools[0]!, parameters: { type: "object", properties: { a: { type: "number", minimum: 1 } } } },
        ],
      }),
    ).rejects.toMatchObject({ status: 400, param: "tools[0].parameters" });
    // top_logprobs is honoured on a local model (issue 18), but not under a JSON format's grammar.
    const scored = await client.responses.create({
      model: local,
      input: "x",
      top_logprobs: 2,
      max_output_tokens: 8,
    });
    const part = (scored.output[0] as { content: Array<{ logprobs: Array<{ top_logprobs: unknown[] }> }> })
      .content[0]!;
    expect(part.logprobs.length).toBeGreaterThan(0);
    for (const entry of part.logprobs) expect(entry.top_logprobs).toHaveLength(2);
    await expect(
      client.responses.create({
        model: local,
        input: "x",
        top_logprobs: 2,
        text: { format: { type: "json_object" } },
      }),
    ).rejects.toMatchObject({
      status: 400,
      param: "top_logprobs",
    });
  });
});
