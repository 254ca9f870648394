// A vector store file's `chunking_strategy` with the official client (API-2): `static` sizes are applied
// (the passages search returns are cut to them) and reported on the file, `auto` is the default, and a
// malformed strategy is a 400 naming the wrong part, on a store's creation, a file and a file batch.
import type OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { apiRefusal } from "./helpers/api-status.ts";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

describe("vector store chunking", () => {
  const platform = useTestPlatformWithUpstream();
  let client: OpenAI;
  let fileId = "";
  // About 9,000 characters of distinct sentences, each naming the lighthouse, so that every passage
  // matches the query and the longest passage found shows the chunk size.
  const text = Array.from(
    { length: 120 },
    (_, index) => `Record ${index}: the Kestrel Point lighthouse keeper logged a calm night and a lit lamp.`,
  ).join(" ");

  const longestPassage = async (storeId: string) => {
    const hits = await client.vectorStores.search(storeId, {
      query: "Kestrel lighthouse",
      max_num_results: 50,
    });
    expect(hits.data.length).toBeGreaterThan(0);
    return Math.max(...hits.data.map((hit) => hit.content[0]!.text.length));
  };

  beforeAll(async () => {
    client = platform.client();
    fileId = (await client.files.create({ file: new File([text], "log.txt"), purpose: "assistants" })).id;
  }, 300_000);

  it("[API-2] a static strategy cuts the passages to its size and is reported; auto is the default", async () => {
    // Positive control: the default store's passages are far longer than the static ones below.
    const plain = await client.vectorStores.create({ name: "plain", file_ids: [fileId] });
    const plainFile = await client.vectorStores.files.retrieve(fileId, { vector_store_id: plain.id });
    expect(plainFile.chunking_strategy).toEqual({
      type: "static",
      static: { max_chunk_size_tokens: 300, chunk_overlap_tokens: 38 },
    });
    expect(await longestPassage(plain.id)).toBeGreaterThan(800);

    const small = await client.vectorStores.create({ name: "small" });
    const added = await client.vectorStores.files.create(small.id, {
      file_id: fileId,
      chunking_strategy: { type: "static", static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 } },
    });
    expect(added.chunking_strategy).toEqual({
      type: "static",
      static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 },
    });
    expect(await longestPassage(small.id)).toBeLessThanOrEqual(400);

    const auto = await client.vectorStores.create({
      name: "auto",
      file_ids: [fileId],
      chunking_strategy: { type: "auto" },
    });
    const autoFile = await client.vectorStores.files.retrieve(fileId, { vector_store_id: auto.id });
    expect(autoFile.chunking_strategy).toEqual(plainFile.chunking_strategy);

    // On a store's creation and in a file batch, the strategy applies to every file.
    const created = await client.vectorStores.create({
      name: "created",
      file_ids: [fileId],
      chunking_strategy: { type: "static", static: { max_chunk_size_tokens: 150, chunk_overlap_tokens: 20 } },
    });
    expect(await longestPassage(created.id)).toBeLessThanOrEqual(600);
    const batched = await client.vectorStores.create({ name: "batched" });
    await client.vectorStores.fileBatches.createAndPoll(batched.id, {
      files: [
        {
          file_id: fileId,
          chunking_strategy: {
            type: "static",
            static: { max_chunk_size_tokens: 120, chunk_overlap_tokens: 0 },
          },
        },
      ],
    });
    const batchedFile = await client.vectorStores.files.retrieve(fileId, { vector_store_id: batched.id });
    expect(batchedFile.chunking_strategy).toMatchObject({ static: { max_chunk_size_tokens: 120 } });

    // The same file again with another chunking is refused, not answered as if it were applied.
    expect(
      await apiRefusal(
        client.vectorStores.files.create(small.id, {
          file_id: fileId,
          chunking_strategy: {
            type: "static",
            static: { max_chunk_size_tokens: 200, chunk_overlap_tokens: 0 },
          },
        }),
      ),
    ).toEqual({ status: 400, param: "chunking_strategy" });
  });

  it("[API-2] refuses a malformed strategy with a 400 naming the wrong part, storing nothing", async () => {
    const store = await client.vectorStores.create({ name: "refusals" });
    const strategy = (value: unknown) => value as OpenAI.VectorStores.FileChunkingStrategyParam;
    expect(
      await apiRefusal(
        client.vectorStores.files.create(store.id, {
          file_id: fileId,
          chunking_strategy: strategy({ type: "semantic" }),
        }),
      ),
    ).toEqual({ status: 400, param: "chunking_strategy.type" });
    expect(
      await apiRefusal(
        client.vectorStores.files.create(store.id, {
          file_id: fileId,
          chunking_strategy: {
            type: "static",
            static: { max_chunk_size_tokens: 50, chunk_overlap_tokens: 0 },
          },
        }),
      ),
    ).toEqual({ status: 400, param: "chunking_strategy.static.max_chunk_size_tokens" });
    expect(
      await apiRefusal(
        client.vectorStores.fileBatches.create(store.id, {
          files: [
            {
              file_id: fileId,
              chunking_strategy: {
                type: "static",
                static: { max_chunk_size_tokens: 200, chunk_overlap_tokens: 150 },
              },
            },
          ],
        }),
      ),
    ).toEqual({ status: 400, param: "files[0].chunking_strategy.static.chunk_overlap_tokens" });
    expect((await client.vectorStores.files.list(store.id)).data).toEqual([]);
  });
});
