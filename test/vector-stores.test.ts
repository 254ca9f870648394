// /v1/vector_stores with the official client (issue 20, API-2): stores made from /v1/files uploads,
// listed by cursor, modified, searched and deleted in OpenAI's shapes; another project's or another
// organisation's key finds nothing; the `file_upload` switch closes adding files (CTL-2).
import type OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";
import { withFeatureOff } from "./helpers/feature-switch.ts";
import { strangerKeys } from "./helpers/strangers.ts";
import { apiStatus as status } from "./helpers/api-status.ts";

describe("/v1/vector_stores", () => {
  const platform = useTestPlatformWithUpstream();
  let client: OpenAI;

  beforeAll(async () => {
    client = platform.client();
  }, 300_000);

  const upload = (name: string, body: string) =>
    client.files.create({ file: new File([body], name), purpose: "assistants" });

  it("[API-2] creates a store from an uploaded file, retrieves, lists its files, searches and deletes, in OpenAI's shapes", async () => {
    const fact = "The tide tables of Port Ellery were rewritten by hand in 1911.";
    const file = await upload("ellery.txt", `Harbour history.\n\n${fact}\n`);
    const store = await client.vectorStores.create({
      name: "Harbour",
      metadata: { team: "archive" },
      file_ids: [file.id],
    });
    expect(store).toMatchObject({
      object: "vector_store",
      name: "Harbour",
      metadata: { team: "archive" },
      status: "completed",
      file_counts: { completed: 1, total: 1 },
    });
    expect(store.id).toMatch(/^vs_/);
    expect(await client.vectorStores.retrieve(store.id)).toMatchObject({
      id: store.id,
      usage_bytes: file.bytes,
    });

    const files = await client.vectorStores.files.list(store.id);
    expect(files.data.map((item) => item.id)).toEqual([file.id]);
    expect(await client.vectorStores.files.retrieve(file.id, { vector_store_id: store.id })).toMatchObject({
      id: file.id,
      object: "vector_store.file",
      vector_store_id: store.id,
      status: "completed",
    });

    const results = await client.vectorStores.search(store.id, { query: "tide tables Ellery" });
    expect(results.data[0]).toMatchObject({ file_id: file.id, filename: "ellery.txt" });
    expect(results.data[0]!.content[0]!.text).toContain(fact);
    expect(results.data[0]!.score).toBeGreaterThan(0);

    const renamed = await client.vectorStores.update(store.id, {
      name: "Harbour archive",
      metadata: { team: "b" },
    });
    expect(renamed).toMatchObject({ name: "Harbour archive", metadata: { team: "b" } });
    // A modify that changes nothing answers the store as it is.
    expect(await client.vectorStores.update(store.id, {})).toMatchObject({ name: "Harbour archive" });

    // A second file through /files, then removed: search no longer finds it.
    const second = await upload("gulls.txt", "Gulls nest on the breakwater every spring.");
    expect(await client.vectorStores.files.create(store.id, { file_id: second.id })).toMatchObject({
      id: second.id,
    });
    expect((await client.vectorStores.search(store.id, { query: "gulls breakwater" })).data[0]).toMatchObject(
      {
        file_id: second.id,
      },
    );
    expect(await client.vectorStores.files.delete(second.id, { vector_store_id: store.id })).toMatchObject({
      id: second.id,
      deleted: true,
    });
    const after = await client.vectorStores.search(store.id, { query: "gulls breakwater" });
    expect(after.data.map((hit) => hit.file_id)).not.toContain(second.id);
    expect(await status(client.vectorStores.files.retrieve(second.id, { vector_store_id: store.id }))).toBe(
      404,
    );

    expect(await client.vectorStores.delete(store.id)).toMatchObject({
      id: store.id,
      object: "vector_store.deleted",
      deleted: true,
    });
    expect(await status(client.vectorStores.retrieve(store.id))).toBe(404);
    expect(await status(client.vectorStores.search(store.id, { query: "tide" }))).toBe(404);
  });

  it("[API-2] lists stores newest first in cursor pages", async () => {
    const made: string[] = [];
    for (const name of ["p1", "p2", "p3"]) made.push((await client.vectorStores.create({ name })).id);
    const first = await client.vectorStores.list({ limit: 2 });
    expect(first.data.map((store) => store.id)).toEqual([made[2], made[1]]);
    expect(first.has_more).toBe(true);
    const next = await client.vectorStores.list({ limit: 2, after: made[1]! });
    expect(next.data[0]!.id).toBe(made[0]);
    const all: string[] = [];
    for await (const store of client.vectorStores.list({ limit: 1 })) all.push(store.id);
    expect(all).toEqual(expect.arrayContaining(made));
    expect(new Set(all).size).toBe(all.length);
  });

  it("[API-2] refuses bad input in OpenAI's error shape, storing nothing", async () => {
    const store = await client.vectorStores.create({ name: "bad input" });
    const binary = await client.files.create({
      file: new File([new Uint8Array([0, 1, 2, 0])], "x.bin"),
      purpose: "assistants",
    });
    await expect(client.vectorStores.files.create(store.id, { file_id: binary.id })).rejects.toMatchObject({
      status: 400,
      code: "unsupported_file",
      param: "file",
    });
    await expect(
      client.vectorStores.files.create(store.id, { file_id: "file-missing" }),
    ).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      client.vectorStores.search(store.id, { query: "", max_num_results: 5 }),
    ).rejects.toMatchObject({
      status: 400,
    });
    await expect(client.vectorStores.create({ name: "x", file_ids: ["file-missing"] })).rejects.toMatchObject(
      {
        status: 404,
      },
    );
    expect((await client.vectorStores.retrieve(store.id)).file_counts.total).toBe(0);
  });

  it("[API-2] another project's key or another organisation's finds no store", async () => {
    const mine = await client.vectorStores.create({ name: "mine" });
    for (const key of await strangerKeys(platform)) {
      const stranger = platform.client({ apiKey: key });
      expect(await status(stranger.vectorStores.retrieve(mine.id))).toBe(404);
      expect(await status(stranger.vectorStores.search(mine.id, { query: "mine" }))).toBe(404);
      expect(await status(stranger.vectorStores.delete(mine.id))).toBe(404);
      expect((await stranger.vectorStores.list()).data.map((store) => store.id)).not.toContain(mine.id);
    }
    expect(await client.vectorStores.retrieve(mine.id)).toMatchObject({ id: mine.id });
  });

  it("[API-2] the file_search tool of /v1/responses searches the store before the model runs and reports a file_search_call", async () => {
    const fact = "Lamplighter Odile Farrant relit the harbour lamps at 04:10 each winter night.";
    const file = await upload("lamps.txt", `Winter duties.\n\n${fact}\n`);
    const store = await client.vectorStores.create({ name: "lamps", file_ids: [file.id] });
    const seen = platform.upstream.requests.length;
    const response = await client.responses.create({
      model: "fake-model",
      input: "When did Odile Farrant relight the harbour lamps?",
      tools: [{ type: "file_search", vector_store_ids: [store.id], max_num_results: 3 }],
    });
    expect(response.output[0]).toMatchObject({
      type: "file_search_call",
      status: "completed",
      queries: ["When did Odile Farrant relight the harbour lamps?"],
    });
    expect(response.output.at(-1)).toMatchObject({ type: "message" });
    expect(response.tools).toMatchObject([{ type: "file_search" }]);
    // The model was given the passage, naming its file.
    const sent = platform.upstream.requests
      .slice(seen)
      .find((request) => request.path === "/v1/chat/completions");
    expect(JSON.stringify(sent?.body.messages)).toContain(fact);
    expect(JSON.stringify(sent?.body.messages)).toContain(file.id);
    expect(sent?.body.tools).toBeUndefined();

    // Another project's store is not found (streamed file_search: vector-stores-file-search.test.ts).
    const core = platform.server.platform;
    const project = await core.tenancy.createProject(platform.organization, "Lamps elsewhere", "test");
    const otherKey = await core.apiKeys.create({
      organizationId: platform.organization,
      projectId: project.id,
      actor: "test",
    });
    const stranger = platform.client({ apiKey: otherKey.key });
    const tools = [{ type: "file_search" as const, vector_store_ids: [store.id] }];
    await expect(
      stranger.responses.create({ model: "fake-model", input: "lamps", tools }),
    ).rejects.toMatchObject({
      status: 404,
    });
  });

  it("[CTL-2] the file_upload switch refuses adding files (403, feature_disabled); reading stays open", async () => {
    const store = await client.vectorStores.create({ name: "switched" });
    const file = await upload("s.txt", "switch words");
    await withFeatureOff(platform, "file_upload", async () => {
      await expect(client.vectorStores.files.create(store.id, { file_id: file.id })).rejects.toMatchObject({
        status: 403,
        code: "feature_disabled",
      });
      expect((await client.vectorStores.retrieve(store.id)).file_counts.total).toBe(0);
    });
    // Positive control: switched on, the same call adds the file.
    expect(await client.vectorStores.files.create(store.id, { file_id: file.id })).toMatchObject({
      id: file.id,
    });
  });
});
