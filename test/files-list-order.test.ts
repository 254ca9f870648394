// GET /v1/files `order` and `limit` (OpenAI's files API): files by creation, newest first unless
// `order=asc`, the `after` cursor continuing in the page's direction; a limit from 1 to 10,000, and any
// other value of either a 400 naming it rather than a silent default or clamp.
import { toFile } from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestPlatform } from "./helpers/platform.ts";

describe("files list order and limit", () => {
  const platform = useTestPlatform();
  const uploaded: string[] = [];

  beforeAll(async () => {
    const client = platform.client();
    for (let index = 0; index < 5; index += 1) {
      const file = await client.files.create({
        file: await toFile(Buffer.from(`file ${index}`), `file-${index}.txt`),
        purpose: "user_data",
      });
      uploaded.push(file.id);
    }
  });

  /** Every page of a listing, by following `after` from each page's last id. */
  async function pages(order: "asc" | "desc" | undefined, limit: number) {
    const client = platform.client();
    const seen: Array<{ ids: string[]; hasMore: boolean }> = [];
    let after: string | undefined;
    for (;;) {
      const page = await client.files.list({
        limit,
        ...(order ? { order } : {}),
        ...(after ? { after } : {}),
      });
      const ids = page.data.map((file) => file.id);
      seen.push({ ids, hasMore: page.has_more });
      if (!page.has_more) return seen;
      after = ids.at(-1);
    }
  }

  it("lists newest first by default and with order=desc, oldest first with order=asc", async () => {
    const client = platform.client();
    const newestFirst = uploaded.toReversed();
    expect((await client.files.list()).data.map((file) => file.id)).toEqual(newestFirst);
    expect((await client.files.list({ order: "desc" })).data.map((file) => file.id)).toEqual(newestFirst);
    expect((await client.files.list({ order: "asc" })).data.map((file) => file.id)).toEqual(uploaded);
    // first_id and last_id follow the page's order.
    for (const [order, ids] of [
      ["asc", uploaded],
      ["desc", newestFirst],
    ] as const) {
      const response = await fetch(`${platform.server.url}/v1/files?order=${order}&limit=2`, {
        headers: { authorization: `Bearer ${platform.apiKey}` },
      });
      expect(await response.json()).toMatchObject({ first_id: ids[0], last_id: ids[1], has_more: true });
    }
  });

  it("continues from the after cursor in the order asked for", async () => {
    const [a, b, c, d, e] = uploaded;
    expect(await pages("asc", 2)).toEqual([
      { ids: [a, b], hasMore: true },
      { ids: [c, d], hasMore: true },
      { ids: [e], hasMore: false },
    ]);
    expect(await pages("desc", 2)).toEqual([
      { ids: [e, d], hasMore: true },
      { ids: [c, b], hasMore: true },
      { ids: [a], hasMore: false },
    ]);
    expect(await pages(undefined, 3)).toEqual([
      { ids: [e, d, c], hasMore: true },
      { ids: [b, a], hasMore: false },
    ]);
    // The same cursor gives the files after it in either direction.
    const client = platform.client();
    const around = async (order: "asc" | "desc") =>
      (await client.files.list({ order, after: c! })).data.map((file) => file.id);
    expect(await around("asc")).toEqual([d, e]);
    expect(await around("desc")).toEqual([b, a]);
    // The official client's auto-pagination follows the cursor the same way.
    const followed: string[] = [];
    for await (const file of client.files.list({ order: "asc", limit: 2 })) followed.push(file.id);
    expect(followed).toEqual(uploaded);
  });

  it("accepts limits from 1 to 10,000", async () => {
    const client = platform.client();
    expect((await client.files.list({ limit: 1, order: "asc" })).data.map((file) => file.id)).toEqual([
      uploaded[0],
    ]);
    expect((await client.files.list({ limit: 10_000 })).data).toHaveLength(uploaded.length);
  });

  it("answers a bad order or limit with a 400 naming it", async () => {
    const cases: Array<[string, string]> = [
      ["order=ascending", "order"],
      ["order=ASC", "order"],
      ["order=", "order"],
      ["order=asc&order=desc", "order"],
      ["limit=0", "limit"],
      ["limit=10001", "limit"],
      ["limit=-1", "limit"],
      ["limit=2.5", "limit"],
      ["limit=ten", "limit"],
      ["limit=", "limit"],
    ];
    for (const [query, param] of cases) {
      const response = await fetch(`${platform.server.url}/v1/files?${query}`, {
        headers: { authorization: `Bearer ${platform.apiKey}` },
      });
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      const body = (await response.json()) as { error: { param: string; type: string } };
      expect({ query, param: body.error.param }).toEqual({ query, param });
      expect(body.error.type).toBe("invalid_request_error");
    }
    const client = platform.client();
    await expect(client.files.list({ limit: 10_001 })).rejects.toMatchObject({ status: 400, param: "limit" });
    await expect(client.files.list({ order: "up" as "asc" })).rejects.toMatchObject({
      status: 400,
      param: "order",
    });
  });
});
