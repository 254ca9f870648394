// The file_search tool of /v1/responses with the official client (issue 20, PLAT-1): streamed, its
// `file_search_call` events come in OpenAI's order before the model's text; `include:
// ["file_search_call.results"]` returns the passages found, whole and streamed, and without it the item
// carries none (the positive control of the absence).
import { sql } from "kysely";
import type OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";
import { strangerKeys } from "./helpers/strangers.ts";
import { apiStatus as status } from "./helpers/api-status.ts";
import { rowsContaining } from "./helpers/raw-scan.ts";
import { adminOperations } from "../src/platform/operations.ts";

type Event = { type: string; sequence_number: number } & Record<string, unknown>;

describe("/v1/responses file_search", () => {
  const platform = useTestPlatformWithUpstream();
  let client: OpenAI;
  let storeId = "";
  let fileId = "";
  const fact = "Ferryman Ilse Varga crossed the Skarn estuary forty-one times in one flood season.";
  const question = "How often did Ilse Varga cross the Skarn estuary?";

  beforeAll(async () => {
    client = platform.client();
    const file = await client.files.create({
      file: new File([`River crossings.\n\n${fact}\n`], "ferry.txt"),
      purpose: "assistants",
    });
    fileId = file.id;
    storeId = (await client.vectorStores.create({ name: "ferry", file_ids: [file.id] })).id;
  }, 300_000);

  const tool = () => ({ type: "file_search" as const, vector_store_ids: [storeId], max_num_results: 3 });

  it("[PLAT-1] streams the file_search_call events in OpenAI's order, then the model's text", async () => {
    const stream = await client.responses.create({
      model: "fake-model",
      input: question,
      tools: [tool()],
      stream: true,
    });
    const events: Event[] = [];
    for await (const event of stream) events.push(event as unknown as Event);
    const types = events.map((event) => event.type);
    const search = types.indexOf("response.file_search_call.in_progress");
    expect(types.slice(0, 3)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
    ]);
    expect(types.slice(search, search + 4)).toEqual([
      "response.file_search_call.in_progress",
      "response.file_search_call.searching",
      "response.file_search_call.completed",
      "response.output_item.done",
    ]);
    const added = events[2]!;
    expect(added).toMatchObject({
      output_index: 0,
      item: { type: "file_search_call", status: "in_progress" },
    });
    const done = events[search + 3]!;
    expect(done).toMatchObject({
      output_index: 0,
      item: { type: "file_search_call", status: "completed", queries: [question], results: null },
    });
    const itemId = (done.item as { id: string }).id;
    for (const event of events.slice(search, search + 3))
      expect(event).toMatchObject({ item_id: itemId, output_index: 0 });
    // The model's message comes after, at output index 1, and its text streams.
    const firstText = types.indexOf("response.output_text.delta");
    expect(firstText).toBeGreaterThan(search + 3);
    expect(events[firstText]).toMatchObject({ output_index: 1 });
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    const completed = events.at(-1)!;
    expect(completed.type).toBe("response.completed");
    const output = (completed.response as { output: Array<{ type: string }> }).output;
    expect(output.map((item) => item.type)).toEqual(["file_search_call", "message"]);
    // The model was given the passage in the streamed call too.
    const sent = platform.upstream.requests
      .filter((request) => request.path === "/v1/chat/completions")
      .at(-1);
    expect(sent?.body.stream).toBe(true);
    expect(JSON.stringify(sent?.body.messages)).toContain(fact);
  });

  it("[PLAT-1] include file_search_call.results returns the passages found, whole and streamed", async () => {
    // Positive control first: without include, the item carries no results.
    const plain = await client.responses.create({ model: "fake-model", input: question, tools: [tool()] });
    expect(plain.output[0]).toMatchObject({ type: "file_search_call", results: null });

    const whole = await client.responses.create({
      model: "fake-model",
      input: question,
      tools: [tool()],
      include: ["file_search_call.results"],
    });
    const call = whole.output[0] as OpenAI.Responses.ResponseFileSearchToolCall;
    expect(call.results?.[0]).toMatchObject({ file_id: fileId, filename: "ferry.txt" });
    expect(call.results?.[0]?.text).toContain(fact);
    expect(call.results?.[0]?.score).toBeGreaterThan(0);
    // Stored as answered: retrieving the response gives the results too.
    const stored = await client.responses.retrieve(whole.id);
    expect((stored.output[0] as OpenAI.Responses.ResponseFileSearchToolCall).results?.[0]?.file_id).toBe(
      fileId,
    );

    const stream = await client.responses.create({
      model: "fake-model",
      input: question,
      tools: [tool()],
      include: ["file_search_call.results"],
      stream: true,
    });
    let done: OpenAI.Responses.ResponseFileSearchToolCall | null = null;
    for await (const event of stream)
      if (event.type === "response.output_item.done" && event.item.type === "file_search_call")
        done = event.item;
    expect(done?.results?.[0]?.text).toContain(fact);
  });

  it("[PLAT-1] a streamed file_search over another project's store is a 404 before any event", async () => {
    const [otherProject] = await strangerKeys(platform);
    const stranger = platform.client({ apiKey: otherProject });
    await expect(
      stranger.responses.create({ model: "fake-model", input: question, tools: [tool()], stream: true }),
    ).rejects.toMatchObject({ status: 404 });
    // Another include entry is still refused plainly.
    await expect(
      client.responses.create({
        model: "fake-model",
        input: question,
        tools: [tool()],
        include: ["message.output_text.logprobs"],
      }),
    ).rejects.toMatchObject({ status: 400, param: "include" });
  });
  it("[API-2] under zero data retention a file_search response and a search keep nothing of the question or the passages found", async () => {
    const core = platform.server.platform;
    const operations = adminOperations(core, "test");
    const storedResponses = async () =>
      (await core.db.selectFrom("stored_responses").select("id").execute()).length;
    const ask = (canary: string) =>
      client.responses.create({
        model: "fake-model",
        input: `${question} (${canary})`,
        tools: [tool()],
        include: ["file_search_call.results"],
      });

    // Positive control: without ZDR the same call's response is stored and read back.
    const before = await storedResponses();
    const kept = await ask("CANARY-kept-5d1a");
    expect(await storedResponses()).toBe(before + 1);
    expect((await client.responses.retrieve(kept.id)).id).toBe(kept.id);

    const canary = "CANARY-zdr-retrieval-5d1a";
    await operations.setPrivacy({ organization: platform.organization, zdr: true });
    try {
      const response = await ask(canary);
      // The passage was found and handed back to the caller...
      expect(JSON.stringify(response.output)).toContain("forty-one times");
      const hits = await client.vectorStores.search(storeId, { query: `Skarn estuary ${canary}` });
      expect(hits.data[0]?.content[0]?.text).toContain("forty-one times");
      await core.privacy.traffic.flush();
      // ...and nothing of the exchange was kept.
      expect(await storedResponses()).toBe(before + 1);
      expect(await status(client.responses.retrieve(response.id))).toBe(404);
    } finally {
      await operations.setPrivacy({ organization: platform.organization, zdr: false });
    }
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public'`.execute(core.db);
    const names = tables.rows.map((row) => row.table_name);
    // The scan reads every row: the organisation's id is found (its positive control).
    expect(await rowsContaining(core.db, names, { organization: platform.organization })).toHaveProperty(
      "organization",
    );
    expect(await rowsContaining(core.db, names, { canary, passage: "forty-one times" })).toEqual({});
  });
});
