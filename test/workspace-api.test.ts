// The chat workspace's API end to end: a signed-in user chats with a model over SSE; conversations are
// private to their owner, deletion is immediate, and export returns everything, decrypted.
import { beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { useTestPlatformWithUpstream, scanSources } from "./helpers/platform.ts";
import { foundAnywhere, rawScan, rowsContaining } from "./helpers/raw-scan.ts";

const canary = "CANARY-workspace-3e8b";

function events(body: string): Array<Record<string, unknown>> {
  return body
    .split("\n\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => JSON.parse(event.slice(6)) as Record<string, unknown>);
}

describe("workspace API", () => {
  const platform = useTestPlatformWithUpstream();
  let alice: BrowserSession;
  let bob: BrowserSession;

  beforeAll(async () => {
    alice = await signInOwner(platform, { email: "alice@example.com" });
    bob = await signInOwner(platform, { email: "bob@example.com" });
  });

  it("[PLAT-1] chats: the question is saved, the answer streams as SSE and is saved too", async () => {
    const created = await alice.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model" }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const response = await alice.fetch(`/api/conversations/${id}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: `hello ${canary}` }),
    });
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const stream = events(await response.text());
    expect(stream[0]).toMatchObject({ type: "saved", message: { role: "user", content: `hello ${canary}` } });
    const text = stream
      .filter((event) => event.type === "delta")
      .map((event) => event.text)
      .join("");
    expect(text).toBe(`echo: hello ${canary}`);
    expect(stream.at(-1)).toMatchObject({ type: "done", message: { role: "assistant", content: text } });

    const conversation = (await (await alice.fetch(`/api/conversations/${id}`)).json()) as {
      title: string;
      messages: Array<{ role: string; content: string }>;
    };
    expect(conversation.title).toBe(`hello ${canary}`);
    expect(conversation.messages.map((message) => message.role)).toEqual(["user", "assistant"]);

    const regenerated = events(
      await (await alice.fetch(`/api/conversations/${id}/regenerate`, { method: "POST", body: "{}" })).text(),
    );
    expect(regenerated.at(-1)).toMatchObject({ type: "done", message: { role: "assistant" } });
    // The first answer stays as a version beside the new one, which is shown.
    const after = (await (await alice.fetch(`/api/conversations/${id}`)).json()) as {
      active_message_id: string;
      messages: Array<{ id: string; role: string; parent_id: string | null }>;
    };
    expect(after.messages.map((message) => message.role)).toEqual(["user", "assistant", "assistant"]);
    expect(after.messages[1]!.parent_id).toBe(after.messages[0]!.id);
    expect(after.messages[2]!.parent_id).toBe(after.messages[0]!.id);
    expect(after.active_message_id).toBe(after.messages[2]!.id);

    const list = (await (await alice.fetch("/api/conversations?search=HELLO")).json()) as {
      data: Array<{ id: string }>;
    };
    expect(list.data.map((item) => item.id)).toEqual([id]);

    // [SEC-1] At rest, nothing of it is plaintext: not in a column (bytea compared as bytes; the
    // positive control finds the conversation's id), nor in the database's files, the WAL or the log.
    const core = platform.server.platform;
    const tables = ["conversations", "messages", "conversation_shares", "audit_entries"];
    expect(await rowsContaining(core.db, tables, { id })).toHaveProperty("id");
    expect(await rowsContaining(core.db, tables, { canary })).toEqual({});
    const scan = await rawScan(scanSources(platform), { canary });
    expect(foundAnywhere(scan)).toEqual({});
  });

  it("[CTL-4] another user of the same organisation cannot read, change or delete it (404)", async () => {
    const created = await alice.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model", title: "alice only" }),
    });
    const { id } = (await created.json()) as { id: string };
    expect((await bob.fetch(`/api/conversations/${id}`)).status).toBe(404);
    expect((await bob.fetch(`/api/conversations/${id}`, { method: "DELETE" })).status).toBe(404);
    expect(
      (
        await bob.fetch(`/api/conversations/${id}/messages`, {
          method: "POST",
          body: JSON.stringify({ content: "x" }),
        })
      ).status,
    ).toBe(404);
    const bobs = (await (await bob.fetch("/api/conversations")).json()) as { data: unknown[] };
    expect(bobs.data).toEqual([]);
  });

  it("refuses changes without the CSRF token or from another origin", async () => {
    const noToken = await alice.fetch("/api/conversations", {
      method: "POST",
      headers: { "x-csrf-token": "wrong" },
      body: JSON.stringify({ model: "fake-model" }),
    });
    expect(noToken.status).toBe(403);
    const crossSite = await alice.fetch("/api/conversations", {
      method: "POST",
      headers: { origin: "https://evil.example" },
      body: JSON.stringify({ model: "fake-model" }),
    });
    expect(crossSite.status).toBe(403);
    expect((await fetch(`${platform.server.url}/api/conversations`)).status).toBe(401);
  });

  it("[OWN-4] deleting makes the conversation unreadable at once", async () => {
    const created = await alice.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model", title: "short-lived" }),
    });
    const { id } = (await created.json()) as { id: string };
    expect((await alice.fetch(`/api/conversations/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await alice.fetch(`/api/conversations/${id}`)).status).toBe(404);
    const row = await platform.server.platform.db
      .selectFrom("conversations")
      .select(["wrapped_key", "title"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ wrapped_key: null, title: null });
  });

  it("[OWN-2] exports all of the user's conversations, decrypted, as an audited event", async () => {
    const response = await alice.fetch("/api/export");
    expect(response.headers.get("content-disposition")).toContain("attachment");
    const exported = (await response.json()) as {
      format: string;
      version: number;
      counts: { conversations: number; messages: number };
      conversations: Array<{ id: string; title: string; messages: Array<{ role: string; content: string }> }>;
    };
    expect(exported.conversations.map((conversation) => conversation.title)).toEqual(
      expect.arrayContaining([`hello ${canary}`, "alice only"]),
    );
    expect(exported).toMatchObject({ format: "custodian-conversations-export", version: 2 });
    // Every message of every conversation, whole: what the user reads through the API, nothing less.
    for (const conversation of exported.conversations) {
      const read = (await (await alice.fetch(`/api/conversations/${conversation.id}`)).json()) as {
        messages: Array<{ role: string; content: string }>;
      };
      expect(conversation.messages.map(({ role, content }) => ({ role, content }))).toEqual(
        read.messages.map(({ role, content }) => ({ role, content })),
      );
    }
    expect(exported.counts.messages).toBe(
      exported.conversations.reduce((sum, conversation) => sum + conversation.messages.length, 0),
    );
    expect(exported.conversations.flatMap((conversation) => conversation.messages)).toContainEqual(
      expect.objectContaining({ role: "user", content: `hello ${canary}` }),
    );
    const audit = await platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["action", "metadata"])
      .where("action", "=", "conversations.exported")
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(canary);
  });
});
