// GET /v1/responses/{id} and its input items: a cursor that is not one of the response's items, a page
// size out of range, and query parameters that are not offered (`stream`, `include`) are refused with a
// 400 naming them, never ignored. With the official client, beside the valid form of each request.
import type OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

describe("[PLAT-1] response retrieval parameters are honoured or refused", () => {
  const platform = useTestPlatformWithUpstream();
  let client: OpenAI;
  let id: string;
  let itemIds: string[];

  beforeAll(async () => {
    client = platform.client();
    const response = await client.responses.create({
      model: "fake-model",
      input: [
        { role: "user", content: "one" },
        { role: "assistant", content: "two" },
        { role: "user", content: "three" },
      ],
    });
    id = response.id;
    itemIds = (await client.responses.inputItems.list(id, { order: "asc" })).data.map((item) => item.id!);
    expect(itemIds).toHaveLength(3);
  });

  it("refuses an 'after' that is not an item of the response; a real one pages on", async () => {
    await expect(
      client.responses.inputItems.list(id, { order: "asc", after: "msg_notanitem_0" }),
    ).rejects.toMatchObject({ status: 400, param: "after" });
    const page = await client.responses.inputItems.list(id, { order: "asc", after: itemIds[0]! });
    expect(page.data.map((item) => item.id)).toEqual(itemIds.slice(1));
  });

  it("refuses a 'limit' outside 1 to 100; one inside it is honoured", async () => {
    for (const limit of [0, 101])
      await expect(client.responses.inputItems.list(id, { limit })).rejects.toMatchObject({
        status: 400,
        param: "limit",
      });
    const first = await client.responses.inputItems.list(id, { order: "asc", limit: 1 });
    expect(first.data.map((item) => item.id)).toEqual(itemIds.slice(0, 1));
    expect(first.has_more).toBe(true);
    expect((await client.responses.inputItems.list(id, { limit: 100 })).data).toHaveLength(3);
  });

  it("refuses 'include' on the input items", async () => {
    await expect(
      client.responses.inputItems.list(id, { include: ["message.input_image.image_url"] }),
    ).rejects.toMatchObject({ status: 400, param: "include", code: "unsupported_parameter" });
  });

  it("refuses a streamed retrieve and an include it cannot honour; the plain retrieve answers", async () => {
    await expect(client.responses.retrieve(id, { stream: true })).rejects.toMatchObject({
      status: 400,
      param: "stream",
      code: "unsupported_parameter",
    });
    await expect(
      client.responses.retrieve(id, { include: ["message.output_text.logprobs"] }),
    ).rejects.toMatchObject({ status: 400, param: "include", code: "unsupported_parameter" });
    expect((await client.responses.retrieve(id)).id).toBe(id);
    expect((await client.responses.retrieve(id, { stream: false })).id).toBe(id);
    // Without a file search in the response there are no results to leave out, as at OpenAI.
    expect((await client.responses.retrieve(id, { include: ["file_search_call.results"] })).id).toBe(id);
  });
});
