// Vector stores' `expires_after` and the usage of their embeddings, with the official client (issue 20):
// a store that expires some days after its last activity reports when, is kept active by searches, is
// reported expired once its time is up and is then erased by the documents purge as a deletion is
// (OWN-4); the embeddings the library makes for a key (a document's passages, a search's query, the
// file_search tool's query) count in the organisation's usage meters as /v1/embeddings calls, tokens only.
import type OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

const dayMs = 86_400_000;

describe("/v1/vector_stores expiry and embedding usage", () => {
  const platform = useTestPlatformWithUpstream();
  let client: OpenAI;

  beforeAll(async () => {
    client = platform.client();
  }, 300_000);

  const core = () => platform.server.platform;
  /** Moves a store's clock: as if its last activity was `agoMs` before now. */
  const lastActive = async (id: string, agoMs: number, days: number) =>
    core()
      .db.updateTable("document_collections")
      .set({
        last_active_at: new Date(Date.now() - agoMs),
        expires_at: new Date(Date.now() - agoMs + days * dayMs),
      })
      .where("id", "=", id)
      .execute();

  it("[OWN-4] expires_after reports expires_at, searches keep the store active, and an expired store is reported, refused and then purged", async () => {
    const file = await client.files.create({
      file: new File(["The Saltmarsh ferry ran its last crossing in 1968."], "saltmarsh.txt"),
      purpose: "assistants",
    });
    const before = Math.floor(Date.now() / 1000);
    const store = await client.vectorStores.create({
      name: "expiring",
      file_ids: [file.id],
      expires_after: { anchor: "last_active_at", days: 2 },
    });
    expect(store).toMatchObject({
      status: "completed",
      expires_after: { anchor: "last_active_at", days: 2 },
    });
    expect(store.expires_at).toBeGreaterThanOrEqual(before + 2 * 86_400 - 5);
    expect(store.expires_at).toBeLessThanOrEqual(store.last_active_at! + 2 * 86_400 + 5);

    // Idle for a day and a half: a search marks it active again and moves its expiry on.
    await lastActive(store.id, 1.5 * dayMs, 2);
    const idle = await client.vectorStores.retrieve(store.id);
    expect(idle.last_active_at).toBeLessThan(Date.now() / 1000 - dayMs / 1000);
    await client.vectorStores.search(store.id, { query: "Saltmarsh ferry" });
    const active = await client.vectorStores.retrieve(store.id);
    expect(active.last_active_at).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 120);
    expect(active.expires_at).toBeGreaterThan(idle.expires_at! + dayMs / 1000);

    // Idle past its two days: expired, reported so, and refused for search, until the purge.
    await lastActive(store.id, 3 * dayMs, 2);
    expect(await client.vectorStores.retrieve(store.id)).toMatchObject({ id: store.id, status: "expired" });
    await expect(client.vectorStores.search(store.id, { query: "Saltmarsh" })).rejects.toMatchObject({
      status: 400,
      code: "vector_store_expired",
    });
    await expect(
      client.vectorStores.fileBatches.create(store.id, { file_ids: [file.id] }),
    ).rejects.toMatchObject({ status: 400, code: "vector_store_expired" });
    const row = () =>
      core().db.selectFrom("document_collections").select("id").where("id", "=", store.id).executeTakeFirst();
    expect(await row()).toBeDefined();
    const documents = () =>
      core().db.selectFrom("documents").select("id").where("collection_id", "=", store.id).execute();
    expect(await documents()).toHaveLength(1);

    const turn = await core().documents.purge.run();
    expect(turn.erased).toBe(true);
    await expect(client.vectorStores.retrieve(store.id)).rejects.toMatchObject({ status: 404 });
    expect(await row()).toBeUndefined();
    expect(await documents()).toHaveLength(0);
  });

  it("[OWN-4] expires_after is changed and cleared by modify; a store without it never expires", async () => {
    const store = await client.vectorStores.create({ name: "kept" });
    expect(store).toMatchObject({ expires_after: null, expires_at: null, status: "completed" });
    const limited = await client.vectorStores.update(store.id, {
      expires_after: { anchor: "last_active_at", days: 7 },
    });
    expect(limited.expires_after).toEqual({ anchor: "last_active_at", days: 7 });
    expect(limited.expires_at).toBe(limited.last_active_at! + 7 * 86_400);
    const cleared = await client.vectorStores.update(store.id, { expires_after: null });
    expect(cleared).toMatchObject({ expires_after: null, expires_at: null });
    await core().documents.purge.run(new Date(Date.now() + 400 * dayMs));
    expect(await client.vectorStores.retrieve(store.id)).toMatchObject({ status: "completed" });
  });

  it("the library's embeddings for a key count in its usage as /v1/embeddings calls, tokens only", async () => {
    const fact = "Keeper Anselm Roe logged 311 fog nights at Brantwick light.";
    const reader = { organizationId: platform.organization, projectId: platform.project };
    const store = await core().documents.createCollection(
      reader,
      { owner: { kind: "project", id: platform.project }, name: "embedded", embeddingModel: "fake-model" },
      "test",
    );
    const usageRows = async () => {
      await core().usage.recorder.flush();
      return core()
        .db.selectFrom("usage_events")
        .selectAll()
        .where("organization_id", "=", platform.organization)
        .where("endpoint", "=", "embeddings")
        .orderBy("started_at")
        .execute();
    };
    // A direct /v1/embeddings call first: the shape the library's calls must match.
    await client.embeddings.create({ model: "fake-model", input: "direct" });
    const direct = await usageRows();
    expect(direct).toHaveLength(1);

    const file = await client.files.create({
      file: new File([`Fog records.\n\n${fact}\n`], "fog.txt"),
      purpose: "assistants",
    });
    await client.vectorStores.files.create(store.id, { file_id: file.id });
    const afterIngest = await usageRows();
    expect(afterIngest).toHaveLength(2);
    const hits = await client.vectorStores.search(store.id, { query: "fog nights Brantwick" });
    expect(hits.data[0]?.content[0]?.text).toContain(fact);
    await client.responses.create({
      model: "fake-model",
      input: "How many fog nights did Anselm Roe log?",
      tools: [{ type: "file_search", vector_store_ids: [store.id] }],
    });
    const rows = await usageRows();
    expect(rows).toHaveLength(4);
    for (const row of rows.slice(1)) {
      expect(row).toMatchObject({
        organization_id: platform.organization,
        project_id: direct[0]!.project_id,
        api_key_id: direct[0]!.api_key_id,
        model: "fake-model",
        endpoint: "embeddings",
        status: "completed",
        output_tokens: 0,
      });
      expect(Number(row.input_tokens)).toBeGreaterThan(0);
    }
    // Tokens only: nothing of the document or the questions is in a usage row.
    expect(JSON.stringify(rows)).not.toMatch(/Anselm|Brantwick|fog/i);
    // No text, so nothing to classify: the direct call's text has a classification row (the control),
    // the library's calls none.
    await core().privacy.traffic.flush();
    const classified = await core()
      .db.selectFrom("api_classifications")
      .select("request_id")
      .where(
        "request_id",
        "in",
        rows.map((row) => row.request_id),
      )
      .execute();
    expect(classified.map((row) => row.request_id)).toEqual([direct[0]!.request_id]);
  });
});
