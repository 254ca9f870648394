// /v1/responses passed through to an upstream with its own Responses API (`responsesApi: true`), with
// the official client: the client's fields reach the server unchanged (hosted tools, include), the
// server is always asked to store nothing, earlier turns are sent from Custodian's sealed store, and
// the answer comes back with Custodian's ids and the model name the client asked for.
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";
import { startScriptedUpstream, type ScriptedUpstream } from "./helpers/scripted-upstream.ts";
import { upstreamResponseText } from "./helpers/upstream-responses-api.ts";

const canary = "CANARY-passthrough-6a2c";

describe("/v1/responses passed through to an upstream's Responses API", () => {
  let upstream: ScriptedUpstream;
  let platform: TestPlatform;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    platform = await startTestPlatform({
      upstreams: [
        {
          name: "with-responses",
          baseURL: upstream.baseURL,
          responsesApi: true,
          models: [{ id: "pass-model", upstream: "real-name" }],
        },
      ],
    });
    client = platform.client({ timeout: 120_000 });
  });
  beforeEach(() => upstream.reset());
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
  });

  it("[PLAT-1] [API-1] passes the fields through, asks the server to keep nothing, and answers with our ids", async () => {
    const response = await client.responses.create({
      model: "pass-model",
      input: `Search the news ${canary}`,
      tools: [{ type: "web_search" }],
      include: ["reasoning.encrypted_content"],
      truncation: "auto",
    });
    const sent = upstream.last("/responses");
    expect(sent).toMatchObject({
      model: "real-name",
      store: false,
      tools: [{ type: "web_search" }],
      include: ["reasoning.encrypted_content"],
      truncation: "auto",
      input: [{ type: "message", role: "user", content: `Search the news ${canary}` }],
    });
    expect(upstream.requests.some((request) => request.path.endsWith("/chat/completions"))).toBe(false);

    expect(response.id).toMatch(/^resp_/);
    expect(response.id).not.toBe("resp_upstream0000000000000000");
    expect(response).toMatchObject({ model: "pass-model", store: true, status: "completed" });
    expect(response.output_text).toBe(upstreamResponseText);
    expect(response.output.map((item) => item.type)).toEqual(["web_search_call", "message"]);
    for (const item of response.output) expect(item.id).not.toMatch(/upstream/);
    expect((response as unknown as { service_tier: string }).service_tier).toBe("default");

    // Stored sealed by Custodian, so it can be retrieved and continued although the server kept nothing.
    expect((await client.responses.retrieve(response.id)).output_text).toBe(upstreamResponseText);
    const items = await client.responses.inputItems.list(response.id);
    expect(JSON.stringify(items.data)).toContain(canary);

    await client.responses.create({
      model: "pass-model",
      previous_response_id: response.id,
      input: "And tomorrow?",
    });
    const next = upstream.last("/responses");
    expect(next).not.toHaveProperty("previous_response_id");
    expect(next.store).toBe(false);
    expect(next.input).toEqual([
      { type: "message", role: "user", content: `Search the news ${canary}` },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: upstreamResponseText }] },
      { type: "message", role: "user", content: "And tomorrow?" },
    ]);
  });

  it("[PLAT-1] streams the server's typed events with our response and item ids, and stores the result", async () => {
    const stream = await client.responses.create({ model: "pass-model", input: "stream it", stream: true });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.output_item.done",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(upstream.last("/responses")).toMatchObject({ stream: true, store: false });
    const created = events[0] as { response: { id: string; model: string } };
    const completed = events.at(-1) as { response: OpenAI.Responses.Response };
    expect(created.response.id).toBe(completed.response.id);
    expect(completed.response.model).toBe("pass-model");
    const messageId = completed.response.output[1]!.id;
    const deltas = events.filter((event) => event.type === "response.output_text.delta");
    for (const delta of deltas) expect((delta as { item_id: string }).item_id).toBe(messageId);
    expect(deltas.map((delta) => (delta as { delta: string }).delta).join("")).toBe(upstreamResponseText);
    const stored = await client.responses.retrieve(completed.response.id);
    expect(stored.output_text).toBe(upstreamResponseText);
  });

  it("[API-2] store: false keeps nothing here either, and what would make the server keep data is refused", async () => {
    const response = await client.responses.create({ model: "pass-model", input: "forget it", store: false });
    expect(upstream.last("/responses").store).toBe(false);
    await expect(client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
    await expect(
      client.responses.create({ model: "pass-model", input: "later", background: true }),
    ).rejects.toMatchObject({ status: 400, param: "background" });
    await expect(
      client.responses.create({ model: "pass-model", input: "x", conversation: "conv_1" }),
    ).rejects.toMatchObject({ status: 400, param: "conversation" });
    // The refused requests never reached the server.
    expect(upstream.requests).toHaveLength(1);
  });
});
