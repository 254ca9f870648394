// Attribute filters with the official client (API-2): `filters` on /v1/vector_stores/{id}/search and on
// the file_search tool of /v1/responses pick the documents whose attributes match before ranking, so a
// filtered search never returns another document's passage and still fills `max_num_results` from the
// matching ones; a malformed filter is a 400 naming the wrong part, never ignored, and so are a query
// rewrite, a ranker other than the default, and a misspelt list filter. Adding a file again with new
// attributes updates them.
import type OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { apiRefusal } from "./helpers/api-status.ts";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

describe("vector store search filters", () => {
  const platform = useTestPlatformWithUpstream();
  let client: OpenAI;
  let storeId = "";
  const files: Record<"legal" | "sales" | "old", string> = { legal: "", sales: "", old: "" };
  // Every document mentions the tender; the sales one most often, so it ranks first unfiltered.
  const texts = {
    legal: "The tender for the Varrow bridge must be signed by counsel before submission.",
    sales: "Varrow bridge tender: the tender price, the tender discount and the tender deadline.",
    old: "An earlier Varrow bridge tender was withdrawn.",
  };
  const attributes = {
    legal: { team: "legal", year: 2024, confidential: true },
    sales: { team: "sales", year: 2025, confidential: false },
    old: { team: "legal", year: 2019 },
  };

  beforeAll(async () => {
    client = platform.client();
    storeId = (await client.vectorStores.create({ name: "tenders" })).id;
    for (const name of ["legal", "sales", "old"] as const) {
      const file = await client.files.create({
        file: new File([texts[name]], `${name}.txt`),
        purpose: "assistants",
      });
      files[name] = file.id;
      await client.vectorStores.files.createAndPoll(storeId, {
        file_id: file.id,
        attributes: attributes[name],
      });
    }
  }, 300_000);

  const search = async (filters?: unknown, max_num_results = 10) => {
    const page = await client.vectorStores.search(storeId, {
      query: "Varrow bridge tender",
      max_num_results,
      ...(filters ? { filters: filters as OpenAI.VectorStores.VectorStoreSearchParams["filters"] } : {}),
    });
    return page.data.map((hit) => hit.file_id);
  };

  it("[API-2] returns only the matching documents' passages, and fills max_num_results from them", async () => {
    // Positive control: unfiltered, every document is found and the sales one ranks first.
    const all = await search();
    expect(all.sort()).toEqual(Object.values(files).sort());
    expect(await search(undefined, 1)).toEqual([files.sales]);

    expect(await search({ type: "eq", key: "team", value: "legal" }, 1)).toHaveLength(1);
    expect((await search({ type: "eq", key: "team", value: "legal" })).sort()).toEqual(
      [files.legal, files.old].sort(),
    );
    expect(await search({ type: "ne", key: "team", value: "legal" })).toEqual([files.sales]);
    expect(await search({ type: "gte", key: "year", value: 2024 }, 1)).toEqual([files.sales]);
    expect((await search({ type: "lt", key: "year", value: 2025 })).sort()).toEqual(
      [files.legal, files.old].sort(),
    );
    expect(await search({ type: "in", key: "year", value: [2019, 2030] })).toEqual([files.old]);
    expect(await search({ type: "eq", key: "confidential", value: true })).toEqual([files.legal]);
    // The old document has no "confidential" attribute: it matches `ne` but not `eq`.
    expect((await search({ type: "ne", key: "confidential", value: true })).sort()).toEqual(
      [files.sales, files.old].sort(),
    );
    const compound = {
      type: "and",
      filters: [
        { type: "eq", key: "team", value: "legal" },
        {
          type: "or",
          filters: [
            { type: "gt", key: "year", value: 2020 },
            { type: "eq", key: "team", value: "x" },
          ],
        },
      ],
    };
    expect(await search(compound)).toEqual([files.legal]);
    expect(await search({ type: "eq", key: "team", value: "nobody" })).toEqual([]);
  });

  it("[API-2] the file_search tool applies its filters and score threshold", async () => {
    const answer = (tool: Record<string, unknown>) =>
      client.responses.create({
        model: "fake-model",
        input: "What about the Varrow bridge tender?",
        tools: [
          { type: "file_search", vector_store_ids: [storeId], ...tool } as OpenAI.Responses.FileSearchTool,
        ],
        include: ["file_search_call.results"],
      });
    const results = (response: OpenAI.Responses.Response) =>
      (response.output[0] as OpenAI.Responses.ResponseFileSearchToolCall).results ?? [];
    const found = (response: OpenAI.Responses.Response) => results(response).map((result) => result.file_id);
    // Positive control: unfiltered, the sales document is among the results.
    const unfiltered = results(await answer({}));
    expect(unfiltered.map((result) => result.file_id)).toContain(files.sales);
    const legal = found(await answer({ filters: { type: "eq", key: "team", value: "legal" } }));
    expect(legal.sort()).toEqual([files.legal, files.old].sort());
    // A threshold between the weakest and the strongest result keeps only those at or above it.
    const scores = unfiltered.map((result) => result.score!);
    const threshold = (Math.min(...scores) + Math.max(...scores)) / 2;
    expect(Math.min(...scores)).toBeLessThan(threshold);
    const kept = found(await answer({ ranking_options: { score_threshold: threshold } }));
    expect(kept.sort()).toEqual(
      unfiltered
        .filter((result) => result.score! >= threshold)
        .map((result) => result.file_id)
        .sort(),
    );
  });

  /** A response whose file_search tool over the store has these fields. */
  const withTool = (fields: Record<string, unknown>) =>
    client.responses.create({
      model: "fake-model",
      input: "tender",
      tools: [
        { type: "file_search", vector_store_ids: [storeId], ...fields } as OpenAI.Responses.FileSearchTool,
      ],
    });

  it("[API-2] refuses a malformed filter with a 400 naming the wrong part, on search and on the tool", async () => {
    expect(await apiRefusal(search({ type: "like", key: "team", value: "l" }))).toEqual({
      status: 400,
      param: "filters.type",
    });
    expect(
      await apiRefusal(
        search({
          type: "or",
          filters: [
            { type: "eq", key: "team", value: "legal" },
            { type: "gt", key: "year" },
          ],
        }),
      ),
    ).toEqual({ status: 400, param: "filters.filters[1].value" });
    // Query rewriting is not offered: refused when asked for, not claimed.
    expect(
      await apiRefusal(client.vectorStores.search(storeId, { query: "tender", rewrite_query: true })),
    ).toMatchObject({ status: 400, param: "rewrite_query" });
    expect(
      (await client.vectorStores.search(storeId, { query: "tender", rewrite_query: false })).data,
    ).not.toEqual([]);
    expect(await apiRefusal(withTool({ filters: { type: "in", key: "year", value: 2024 } }))).toEqual({
      status: 400,
      param: "tools[0].filters.value",
    });
    expect(await apiRefusal(withTool({ ranking_options: { score_threshold: 2 } }))).toEqual({
      status: 400,
      param: "tools[0].ranking_options.score_threshold",
    });
  });

  it("[API-2] accepts the default rankers and refuses others, hybrid_search weights and an unknown list filter", async () => {
    for (const ranker of ["auto", "none", "default-2024-11-15"] as const)
      expect(
        (await client.vectorStores.search(storeId, { query: "tender", ranking_options: { ranker } })).data,
      ).not.toEqual([]);
    const bogus = "semantic-2030" as "auto";
    expect(
      await apiRefusal(
        client.vectorStores.search(storeId, { query: "tender", ranking_options: { ranker: bogus } }),
      ),
    ).toEqual({ status: 400, param: "ranking_options.ranker" });
    expect(
      await apiRefusal(
        client.vectorStores.search(storeId, {
          query: "tender",
          ranking_options: { hybrid_search: { embedding_weight: 1, text_weight: 2 } } as object,
        }),
      ),
    ).toEqual({ status: 400, param: "ranking_options.hybrid_search" });
    expect(await apiRefusal(withTool({ ranking_options: { ranker: bogus } }))).toEqual({
      status: 400,
      param: "tools[0].ranking_options.ranker",
    });
    // Positive control: a known status lists the files; a misspelt one is refused, not an empty list.
    expect((await client.vectorStores.files.list(storeId, { filter: "completed" })).data).toHaveLength(3);
    expect(
      (await apiRefusal(client.vectorStores.files.list(storeId, { filter: "complete" as "completed" })))
        ?.status,
    ).toBe(400);
  });

  it("[API-2] adding a file again with new attributes updates them, so filters match what was said last", async () => {
    const store = await client.vectorStores.create({ name: "again", file_ids: [files.sales] });
    const legal = { type: "eq", key: "team", value: "legal" } as const;
    const search = async () =>
      (await client.vectorStores.search(store.id, { query: "tender", filters: legal })).data.map(
        (hit) => hit.file_id,
      );
    expect(await search()).toEqual([]);
    const added = await client.vectorStores.files.create(store.id, {
      file_id: files.sales,
      attributes: { team: "legal" },
    });
    expect(added.attributes).toEqual({ team: "legal" });
    expect(await search()).toEqual([files.sales]);
    // The same attributes again change nothing; the store still holds the file once.
    await client.vectorStores.files.create(store.id, { file_id: files.sales, attributes: { team: "legal" } });
    expect((await client.vectorStores.files.list(store.id)).data).toHaveLength(1);
  });
});
