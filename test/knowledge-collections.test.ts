// Knowledge collections in the workspace (issue 20): a user makes a collection and adds a document; a
// chat that names it is given its passages; shared with a group, the group's members read it (and chat
// with it) but cannot change it; anyone else gets not-found; deleting it ends every reader's access.
import { beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { multipartFile } from "./helpers/multipart.ts";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

const fact = "The Wexbridge archive closes at noon on every second Thursday of the month.";

describe("knowledge collections", () => {
  const platform = useTestPlatformWithUpstream();
  let owner: BrowserSession;
  let colleague: BrowserSession;
  let outsider: BrowserSession;
  let group: string;

  beforeAll(async () => {
    owner = await signInOwner(platform, { email: "keeper@knowledge.example" });
    colleague = await signInOwner(platform, { email: "colleague@knowledge.example" });
    outsider = await signInOwner(platform, { email: "outsider@knowledge.example" });
    group = (
      await platform.server.platform.identity.scimGroups.create(
        platform.organization,
        { displayName: "Archivists", members: [{ value: colleague.userId }] },
        "test",
      )
    ).id;
  }, 300_000);

  /** Ask in a new conversation drawing on `collections`; the citations event, if any. */
  async function ask(session: BrowserSession, collections: string[]) {
    const made = await session.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model" }),
    });
    const { id } = (await made.json()) as { id: string };
    const response = await session.fetch(`/api/conversations/${id}/messages`, {
      method: "POST",
      body: JSON.stringify({
        content: "When does the Wexbridge archive close?",
        collection_ids: collections,
      }),
    });
    const events = (await response.text())
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => JSON.parse(line.slice(6)) as { type: string; citations?: Array<{ passage: string }> });
    return { status: response.status, cited: events.find((event) => event.type === "citations") ?? null };
  }

  it("[PLAT-1] [CTL-3] a collection is searched for the chats that name it, shared read-only with a group, private otherwise", async () => {
    const made = await owner.fetch("/api/knowledge", {
      method: "POST",
      body: JSON.stringify({ name: "Archive notes" }),
    });
    expect(made.status).toBe(201);
    const collection = (await made.json()) as { id: string };
    const { body, type } = await multipartFile("hours.txt", `Opening hours.\n\n${fact}\n`);
    const added = await owner.fetch(`/api/knowledge/${collection.id}/files`, {
      method: "POST",
      headers: { "content-type": type },
      body,
    });
    expect(added.status).toBe(201);

    const mine = await ask(owner, [collection.id]);
    expect(mine.cited?.citations?.[0]?.passage).toContain(fact);
    // Not shared yet: the colleague and the outsider get not-found, before anything is saved.
    expect((await colleague.fetch(`/api/knowledge/${collection.id}`)).status).toBe(404);
    expect((await ask(colleague, [collection.id])).status).toBe(404);

    const shared = await owner.fetch(`/api/knowledge/${collection.id}/shares`, {
      method: "PUT",
      body: JSON.stringify({ group_ids: [group] }),
    });
    expect(shared.status).toBe(200);
    const listed = (await (await colleague.fetch("/api/knowledge")).json()) as {
      data: Array<{ id: string }>;
    };
    expect(listed.data.map((item) => item.id)).toContain(collection.id);
    const theirs = await ask(colleague, [collection.id]);
    expect(theirs.cited?.citations?.[0]?.passage).toContain(fact);
    // Read only: the group's member, who may see it, is refused renaming or deleting it (403).
    const rename = await colleague.fetch(`/api/knowledge/${collection.id}`, {
      method: "PATCH",
      body: JSON.stringify({ name: "Mine now" }),
    });
    expect(rename.status).toBe(403);
    expect((await colleague.fetch(`/api/knowledge/${collection.id}`, { method: "DELETE" })).status).toBe(403);
    // Outside the group: nothing.
    expect((await outsider.fetch(`/api/knowledge/${collection.id}`)).status).toBe(404);
    expect((await ask(outsider, [collection.id])).status).toBe(404);

    // Deleted: gone for everyone.
    expect((await owner.fetch(`/api/knowledge/${collection.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await colleague.fetch(`/api/knowledge/${collection.id}`)).status).toBe(404);
    expect((await ask(owner, [collection.id])).status).toBe(404);
  });
});
