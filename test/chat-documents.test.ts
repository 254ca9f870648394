// Chatting with documents in the workspace (issue 20): a file attached to a conversation is searched for
// each question, the answer is given its passages and keeps them as citations (sealed with it), another
// user reaches none of it, the file_upload switch closes attaching, a refused file stores nothing, and
// deleting the conversation deletes its attachments.
import { beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { withFeatureOff } from "./helpers/feature-switch.ts";
import { multipartFile } from "./helpers/multipart.ts";
import { scanSources, useTestPlatformWithUpstream } from "./helpers/platform.ts";
import { rawScan } from "./helpers/raw-scan.ts";

const fact = "The Quillmoor tide gauge was recalibrated by Odalys Venn on 14 March 2019.";
const document = [
  "# Harbour instruments",
  "",
  "The harbour keeps three instruments: a barometer, an anemometer and a tide gauge.",
  "",
  "## Maintenance",
  "",
  fact,
  "",
  "The anemometer is checked every spring.",
].join("\n");

interface Attachment {
  id: string;
  filename: string;
  status: string;
}

interface Message {
  role: string;
  content: string;
  citations: Array<{ number: number; filename: string; section: string | null; passage: string }>;
}

describe("chat with documents", () => {
  const platform = useTestPlatformWithUpstream({
    env: { CUSTODIAN_DELETION_WINDOW_MS: "0", CUSTODIAN_PURGE_INTERVAL_MS: "1000" },
  });
  let owner: BrowserSession;
  let other: BrowserSession;

  beforeAll(async () => {
    owner = await signInOwner(platform, { email: "reader@docs.example" });
    other = await signInOwner(platform, { email: "other@docs.example" });
  }, 300_000);

  async function conversation(session: BrowserSession): Promise<string> {
    const response = await session.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model" }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  async function attach(session: BrowserSession, id: string, filename: string, content: string | Buffer) {
    const { body, type } = await multipartFile(filename, content);
    return session.fetch(`/api/conversations/${id}/attachments`, {
      method: "POST",
      headers: { "content-type": type },
      body,
    });
  }

  async function ask(session: BrowserSession, id: string, content: string) {
    const response = await session.fetch(`/api/conversations/${id}/messages`, {
      method: "POST",
      body: JSON.stringify({ content }),
    });
    expect(response.status).toBe(200);
    return (await response.text())
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => JSON.parse(line.slice("data: ".length)) as Record<string, unknown>);
  }

  const attachments = async (session: BrowserSession, id: string) =>
    session.fetch(`/api/conversations/${id}/attachments`);

  it("[PLAT-1] an answer is given the attached file's passage and cites it; the citation is sealed with it", async () => {
    const id = await conversation(owner);
    const added = await attach(owner, id, "harbour.md", document);
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ filename: "harbour.md", status: "completed" });

    const seen = platform.upstream.requests.length;
    const events = await ask(owner, id, "Who recalibrated the Quillmoor tide gauge?");
    const cited = events.find((event) => event.type === "citations") as { citations: Message["citations"] };
    expect(cited.citations[0]).toMatchObject({ number: 1, filename: "harbour.md", section: "Maintenance" });
    expect(cited.citations[0]!.passage).toContain(fact);
    // The model was given the passage and asked to cite it.
    const sent = platform.upstream.requests
      .slice(seen)
      .find((request) => request.path === "/v1/chat/completions");
    const system = (sent!.body.messages as Array<{ role: string; content: string }>)[0]!;
    expect(system.role).toBe("system");
    expect(system.content).toContain(`[1] (harbour.md, Maintenance)\n`);
    expect(system.content).toContain(fact);

    // Read back: the answer keeps its citations.
    const read = (await (await owner.fetch(`/api/conversations/${id}`)).json()) as { messages: Message[] };
    const answer = read.messages.find((message) => message.role === "assistant")!;
    expect(answer.citations).toHaveLength(cited.citations.length);
    expect(answer.citations[0]!.passage).toContain(fact);

    // Sealed at rest: the scanner finds the sealed citations' bytes (the positive control) but not the fact.
    const row = await platform.server.platform.db
      .selectFrom("messages")
      .select("citations")
      .where("conversation_id", "=", id)
      .where("role", "=", "assistant")
      .executeTakeFirstOrThrow();
    const found = await rawScan(scanSources(platform), { fact, sealed: row.citations!.subarray(0, 48) });
    expect(found.found.sealed).not.toEqual([]);
    expect(found.found.fact).toEqual([]);
  });

  it("[CTL-4] another user reaches neither the attachments nor the conversation's passages", async () => {
    const id = await conversation(owner);
    expect((await attach(owner, id, "harbour.md", document)).status).toBe(201);
    expect((await attachments(other, id)).status).toBe(404);
    expect((await attach(other, id, "mine.md", "other words")).status).toBe(404);
    const theirs = await conversation(other);
    const events = await ask(other, theirs, "Who recalibrated the Quillmoor tide gauge?");
    expect(events.some((event) => event.type === "citations")).toBe(false);
    // Naming the owner's attachment collection as a knowledge collection is refused.
    const collections = await platform.server.platform.documents.listCollections({
      organizationId: platform.organization,
      conversationId: id,
    });
    const response = await other.fetch(`/api/conversations/${theirs}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: "tide gauge?", collection_ids: [collections[0]!.id] }),
    });
    expect(response.status).toBe(404);
  });

  it("[CTL-2] a refused file stores nothing; the file_upload switch closes attaching", async () => {
    const id = await conversation(owner);
    const encrypted = await attach(owner, id, "binary.bin", Buffer.from([0, 1, 2, 3, 0, 255]));
    expect(encrypted.status).toBe(400);
    expect(await encrypted.json()).toMatchObject({ error: { type: "invalid_request_error", param: "file" } });
    expect(((await (await attachments(owner, id)).json()) as { data: Attachment[] }).data).toEqual([]);

    await withFeatureOff(platform, "file_upload", async () => {
      const refused = await attach(owner, id, "notes.txt", "some notes");
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: "feature_disabled" } });
    });
    // Positive control: switched on, the same upload is accepted.
    expect((await attach(owner, id, "notes.txt", "some notes")).status).toBe(201);
  });

  it("[OWN-3] deleting the conversation deletes its attachments (the collection's key first)", async () => {
    const id = await conversation(owner);
    expect((await attach(owner, id, "harbour.md", document)).status).toBe(201);
    const reader = { organizationId: platform.organization, conversationId: id };
    const library = platform.server.platform.documents;
    expect(await library.listCollections(reader)).toHaveLength(1);
    expect((await owner.fetch(`/api/conversations/${id}`, { method: "DELETE" })).status).toBe(204);
    expect(await library.listCollections(reader)).toEqual([]);
  });
});
