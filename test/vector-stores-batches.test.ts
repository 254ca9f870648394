// Vector stores' file batches, file content and attributes with the official client (issue 20,
// PLAT-1): batches made, polled, listed and cancelled in OpenAI's shapes, a bad file failing alone with
// a code, another project's batch not found, the `file_upload` switch closing batches (CTL-2).
import type OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";
import { withFeatureOff } from "./helpers/feature-switch.ts";
import { strangerKeys } from "./helpers/strangers.ts";
import { apiStatus as status } from "./helpers/api-status.ts";
import { waitFor } from "./helpers/wait-for.ts";

describe("/v1/vector_stores file batches, content and attributes", () => {
  const platform = useTestPlatformWithUpstream();
  let client: OpenAI;

  beforeAll(async () => {
    client = platform.client();
  }, 300_000);

  const upload = (name: string, body: string | Uint8Array<ArrayBuffer>) =>
    client.files.create({ file: new File([body], name), purpose: "assistants" });

  it("[PLAT-1] a batch adds its files, fails a bad one alone, and lists them in OpenAI's shapes", async () => {
    const store = await client.vectorStores.create({ name: "batch" });
    const first = await upload("orchard.txt", "The quince orchard at Hollin Fold was planted in 1887.");
    const second = await upload("mill.txt", "The Hollin Fold mill ground barley until the flood of 1926.");
    const binary = await upload("blob.bin", new Uint8Array([0, 1, 2, 0]));
    const batch = await client.vectorStores.fileBatches.createAndPoll(store.id, {
      file_ids: [first.id, second.id, binary.id],
      attributes: { source: "archive" },
    });
    expect(batch).toMatchObject({
      object: "vector_store.files_batch",
      vector_store_id: store.id,
      status: "completed",
      file_counts: { in_progress: 0, completed: 2, failed: 1, cancelled: 0, total: 3 },
    });
    expect(batch.id).toMatch(/^vsfb_/);
    expect(await client.vectorStores.fileBatches.retrieve(batch.id, { vector_store_id: store.id })).toEqual(
      batch,
    );

    const listed = await client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store.id });
    expect(listed.data.map((file) => file.id).sort()).toEqual([first.id, second.id, binary.id].sort());
    const failed = await client.vectorStores.fileBatches.listFiles(batch.id, {
      vector_store_id: store.id,
      filter: "failed",
    });
    expect(failed.data).toMatchObject([
      { id: binary.id, status: "failed", last_error: { code: "unsupported_file" } },
    ]);
    // The failure's words name no file.
    expect(JSON.stringify(failed.data)).not.toContain("blob.bin");
    const completed = listed.data.find((file) => file.id === first.id);
    expect(completed).toMatchObject({ status: "completed", attributes: { source: "archive" } });
    expect((await client.vectorStores.retrieve(store.id)).file_counts.completed).toBe(2);
    const hits = await client.vectorStores.search(store.id, { query: "quince orchard" });
    expect(hits.data[0]).toMatchObject({ file_id: first.id, attributes: { source: "archive" } });

    // A finished batch is answered as it is by a cancel.
    expect(
      await client.vectorStores.fileBatches.cancel(batch.id, { vector_store_id: store.id }),
    ).toMatchObject({ status: "completed" });
  });

  it("[PLAT-1] uploadAndPoll uploads the files and adds them as one batch, each with its own attributes", async () => {
    const store = await client.vectorStores.create({ name: "uploaded" });
    const batch = await client.vectorStores.fileBatches.uploadAndPoll(store.id, {
      files: [
        new File(["Lantern oil was rationed at Greyholm in the winter of 1917."], "lantern.txt"),
        new File(["Greyholm's school bell was recast in 1932."], "bell.txt"),
      ],
    });
    expect(batch).toMatchObject({ status: "completed", file_counts: { completed: 2, total: 2 } });
    const files = await client.vectorStores.files.list(store.id);
    expect(files.data).toHaveLength(2);

    const one = await upload("ledger.txt", "The Greyholm ledger of 1899 lists forty households.");
    const other = await upload("census.txt", "A Greyholm census counted 212 people in 1901.");
    const own = await client.vectorStores.fileBatches.createAndPoll(store.id, {
      files: [
        { file_id: one.id, attributes: { year: 1899 } },
        { file_id: other.id, attributes: { year: 1901 } },
      ],
    });
    expect(own.file_counts.completed).toBe(2);
    expect(await client.vectorStores.files.retrieve(other.id, { vector_store_id: store.id })).toMatchObject({
      attributes: { year: 1901 },
    });
  });

  it("[PLAT-1] a cancel stops a batch's files not yet added", async () => {
    const store = await client.vectorStores.create({ name: "cancelled" });
    const file = await upload("pier.txt", "The pier at Calloway was lengthened in 1904.");
    // A batch still in progress (as another call would be adding its files).
    const core = platform.server.platform;
    const reader = { organizationId: platform.organization, projectId: platform.project };
    const running = await core.documents.batches.create(reader, store.id, [file.id]);
    expect(
      await client.vectorStores.fileBatches.retrieve(running.id, { vector_store_id: store.id }),
    ).toMatchObject({ status: "in_progress", file_counts: { in_progress: 1 } });
    const cancelled = await client.vectorStores.fileBatches.cancel(running.id, { vector_store_id: store.id });
    expect(cancelled).toMatchObject({
      status: "cancelled",
      file_counts: { in_progress: 0, cancelled: 1, total: 1 },
    });
    // The adding call is told to stop; the batch stays cancelled when it closes.
    expect(
      await core.documents.batches.settle(running.id, { fileId: file.id, status: "cancelled", code: null }),
    ).toBe(false);
    expect((await core.documents.batches.finish(running.id)).status).toBe("cancelled");
  });

  it("[PLAT-1] a cancel while a batch adds its files stops those not yet added", async () => {
    const core = platform.server.platform;
    const reader = { organizationId: platform.organization, projectId: platform.project };
    // Embedded passages, so each file waits on the model server while the test acts.
    const store = await core.documents.createCollection(
      reader,
      { owner: { kind: "project", id: platform.project }, name: "gated", embeddingModel: "fake-model" },
      "test",
    );
    const ids: string[] = [];
    for (const name of ["one", "two", "three"])
      ids.push((await upload(`${name}.txt`, `The ${name} bridge at Ashcombe was rebuilt.`)).id);
    let open: () => void = () => undefined;
    const seen = platform.upstream.requests.length;
    platform.upstream.behaviour = {
      kind: "gated-embeddings",
      open: new Promise<void>((resolve) => (open = resolve)),
    };
    try {
      const creating = client.vectorStores.fileBatches.create(store.id, { file_ids: ids });
      // The first file's passages are with the model: the batch is in progress.
      await waitFor(() =>
        platform.upstream.requests.slice(seen).some((request) => request.path === "/v1/embeddings"),
      );
      const [row] = await core.db
        .selectFrom("vector_store_file_batches")
        .select("id")
        .where("collection_id", "=", store.id)
        .execute();
      const cancelled = await client.vectorStores.fileBatches.cancel(row!.id, { vector_store_id: store.id });
      expect(cancelled).toMatchObject({ status: "cancelled", file_counts: { in_progress: 0, total: 3 } });
      open();
      expect(await creating).toMatchObject({
        id: row!.id,
        status: "cancelled",
        file_counts: { completed: 1, cancelled: 2, in_progress: 0, failed: 0, total: 3 },
      });
    } finally {
      open();
      platform.upstream.behaviour = { kind: "echo" };
    }
    // Only the file under way was added; the others were never read.
    expect((await client.vectorStores.files.list(store.id)).data.map((file) => file.id)).toEqual([ids[0]]);
  });

  it("[PLAT-1] refuses bad batches in OpenAI's error shape, writing nothing; strangers find no batch", async () => {
    const store = await client.vectorStores.create({ name: "refusals" });
    const file = await upload("quay.txt", "The quay at Denholm was paved in 1921.");
    await expect(
      client.vectorStores.fileBatches.create(store.id, { file_ids: [file.id, "file-missing"] }),
    ).rejects.toMatchObject({ status: 404 });
    expect((await client.vectorStores.retrieve(store.id)).file_counts.total).toBe(0);
    await expect(client.vectorStores.fileBatches.create(store.id, {})).rejects.toMatchObject({
      status: 400,
      param: "file_ids",
    });
    await expect(client.vectorStores.fileBatches.create(store.id, { file_ids: [] })).rejects.toMatchObject({
      status: 400,
    });

    const batch = await client.vectorStores.fileBatches.createAndPoll(store.id, { file_ids: [file.id] });
    for (const key of await strangerKeys(platform)) {
      const stranger = platform.client({ apiKey: key });
      expect(
        await status(stranger.vectorStores.fileBatches.retrieve(batch.id, { vector_store_id: store.id })),
      ).toBe(404);
      expect(
        await status(stranger.vectorStores.fileBatches.cancel(batch.id, { vector_store_id: store.id })),
      ).toBe(404);
      expect(await status(stranger.vectorStores.fileBatches.create(store.id, { file_ids: [file.id] }))).toBe(
        404,
      );
      expect(
        await status(
          stranger.vectorStores.files.content(file.id, { vector_store_id: store.id }).then((page) => page),
        ),
      ).toBe(404);
    }
    // The owner still finds it (positive control).
    expect(
      await client.vectorStores.fileBatches.retrieve(batch.id, { vector_store_id: store.id }),
    ).toMatchObject({ id: batch.id });
    await expect(
      client.vectorStores.fileBatches.retrieve("vsfb_unknown", { vector_store_id: store.id }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("[CTL-2] the file_upload switch refuses file batches (403, feature_disabled)", async () => {
    const store = await client.vectorStores.create({ name: "switched" });
    const file = await upload("switch.txt", "switch words for a batch");
    await withFeatureOff(platform, "file_upload", async () => {
      await expect(
        client.vectorStores.fileBatches.create(store.id, { file_ids: [file.id] }),
      ).rejects.toMatchObject({ status: 403, code: "feature_disabled" });
      expect((await client.vectorStores.retrieve(store.id)).file_counts.total).toBe(0);
    });
    expect(
      (await client.vectorStores.fileBatches.createAndPoll(store.id, { file_ids: [file.id] })).status,
    ).toBe("completed");
  });

  it("[PLAT-1] a file's parsed content is read back, and its attributes changed", async () => {
    const fact = "The Marrow Lane tram depot closed on 3 March 1951.";
    const file = await upload("depot.md", `# Trams\n\nDepots of the city.\n\n## Marrow Lane\n\n${fact}\n`);
    const store = await client.vectorStores.create({ name: "content", file_ids: [file.id] });
    const content = await client.vectorStores.files.content(file.id, { vector_store_id: store.id });
    const text = content.data.map((part) => part.text).join("\n");
    expect(content.data.every((part) => part.type === "text")).toBe(true);
    expect(text).toContain(fact);

    const updated = await client.vectorStores.files.update(file.id, {
      vector_store_id: store.id,
      attributes: { line: "marrow", year: 1951, closed: true },
    });
    expect(updated).toMatchObject({ id: file.id, attributes: { line: "marrow", year: 1951, closed: true } });
    expect(await client.vectorStores.files.retrieve(file.id, { vector_store_id: store.id })).toMatchObject({
      attributes: { line: "marrow", year: 1951, closed: true },
    });
    const hits = await client.vectorStores.search(store.id, { query: "tram depot Marrow Lane" });
    expect(hits.data[0]).toMatchObject({ file_id: file.id, attributes: { year: 1951 } });
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`k${index}`, index]));
    await expect(
      client.vectorStores.files.update(file.id, { vector_store_id: store.id, attributes: tooMany }),
    ).rejects.toMatchObject({ status: 400, param: "attributes" });
    await expect(
      client.vectorStores.files.update("file-missing", { vector_store_id: store.id, attributes: {} }),
    ).rejects.toMatchObject({ status: 404 });
    // The refused change left the attributes as they were.
    expect(
      (await client.vectorStores.files.retrieve(file.id, { vector_store_id: store.id })).attributes,
    ).toEqual({ line: "marrow", year: 1951, closed: true });
  });
});
