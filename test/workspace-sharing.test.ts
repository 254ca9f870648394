// Sharing a conversation inside the organisation over the API (CTL-2, CTL-4): a member of the same
// organisation opens the read-only snapshot, a member of another organisation gets 404, the sharing
// switch stops new shares and closes existing ones, and every share and open is audited by id only.
// Also the chat's failures: a refused or failed answer never loses the user's message.
import { beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

const canary = "CANARY-sharing-0d7e";

describe("workspace sharing and failures", () => {
  const platform = useTestPlatformWithUpstream();
  let alice: BrowserSession;
  let bob: BrowserSession;
  let outsider: BrowserSession;
  let conversation: string;

  beforeAll(async () => {
    alice = await signInOwner(platform, { email: "alice@example.com" });
    bob = await signInOwner(platform, { email: "bob@example.com" });
    const other = await platform.server.platform.tenancy.createOrganization("Elsewhere", "test");
    outsider = await signInOwner(platform, {
      email: "eve@elsewhere.example",
      organization: other.organization.id,
    });
    const created = await alice.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model" }),
    });
    conversation = ((await created.json()) as { id: string }).id;
    await (
      await alice.fetch(`/api/conversations/${conversation}/messages`, {
        method: "POST",
        body: JSON.stringify({ content: `plan ${canary}` }),
      })
    ).text();
  });

  it("[CTL-2] [CTL-4] a share opens for members of the same organisation and is 404 outside it", async () => {
    const made = await alice.fetch(`/api/conversations/${conversation}/shares`, {
      method: "POST",
      body: JSON.stringify({ expires_in_days: 7 }),
    });
    expect(made.status).toBe(201);
    const share = (await made.json()) as { id: string; path: string; expires_at: string };
    expect(share.path).toBe(`/s/${share.id}`);
    const opened = await bob.fetch(`/api/shares/${share.id}`);
    expect(opened.status).toBe(200);
    const body = (await opened.json()) as { messages: Array<{ role: string; content: string }> };
    expect(body.messages.map((message) => message.content)).toEqual([
      `plan ${canary}`,
      `echo: plan ${canary}`,
    ]);
    expect((await outsider.fetch(`/api/shares/${share.id}`)).status).toBe(404);
    expect((await fetch(`${platform.server.url}/api/shares/${share.id}`)).status).toBe(401);
    // Only the owner revokes; then no one opens it.
    expect((await bob.fetch(`/api/shares/${share.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await alice.fetch(`/api/shares/${share.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await bob.fetch(`/api/shares/${share.id}`)).status).toBe(404);
    const audit = await platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["action", "actor", "target", "metadata"])
      .where("action", "like", "conversation.share%")
      .execute();
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: "conversation.shared", actor: alice.userId, target: share.id }),
        expect.objectContaining({ action: "conversation.share_opened", actor: bob.userId, target: share.id }),
        expect.objectContaining({ action: "conversation.share_revoked", target: share.id }),
      ]),
    );
    expect(JSON.stringify(audit)).not.toContain(canary);
  });

  it("[CTL-2] the sharing switch refuses new shares and closes existing ones", async () => {
    const made = await alice.fetch(`/api/conversations/${conversation}/shares`, {
      method: "POST",
      body: JSON.stringify({ expires_in_days: null }),
    });
    const { id } = (await made.json()) as { id: string };
    const workspace = (await platform.server.platform.identity.users.defaultWorkspace(platform.organization))
      .id;
    const off = await alice.fetch(`/api/admin/workspaces/${workspace}/switches/sharing`, {
      method: "PUT",
      body: JSON.stringify({ enabled: false }),
    });
    expect(off.status).toBe(200);
    const refused = await alice.fetch(`/api/conversations/${conversation}/shares`, {
      method: "POST",
      body: JSON.stringify({ expires_in_days: 1 }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "feature_disabled" } });
    expect((await bob.fetch(`/api/shares/${id}`)).status).toBe(404);
    await alice.fetch(`/api/admin/workspaces/${workspace}/switches/sharing`, { method: "DELETE" });
    expect((await bob.fetch(`/api/shares/${id}`)).status).toBe(200);
    // Deleting the conversation closes its shares at once.
    expect((await alice.fetch(`/api/conversations/${conversation}`, { method: "DELETE" })).status).toBe(204);
    expect((await bob.fetch(`/api/shares/${id}`)).status).toBe(404);
  });

  it("[PLAT-1] an upstream failure keeps the user's message, and a gone model is refused before anything is saved", async () => {
    const created = await alice.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model" }),
    });
    const { id } = (await created.json()) as { id: string };
    for (const status of [429, 404, 500]) {
      platform.upstream.behaviour = { kind: "status", status, body: { error: { message: "no" } } };
      const response = await alice.fetch(`/api/conversations/${id}/messages`, {
        method: "POST",
        body: JSON.stringify({ content: `question ${status}` }),
      });
      const text = await response.text();
      expect(text).toContain('"type":"saved"');
      expect(text).toContain('"error"');
    }
    platform.upstream.behaviour = { kind: "echo" };
    const read = (await (await alice.fetch(`/api/conversations/${id}`)).json()) as {
      messages: Array<{ role: string; content: string }>;
    };
    expect(read.messages.map((message) => message.content)).toEqual([
      "question 429",
      "question 404",
      "question 500",
    ]);
    // Retry answers the last question.
    const retried = await (
      await alice.fetch(`/api/conversations/${id}/regenerate`, { method: "POST", body: "{}" })
    ).text();
    expect(retried).toContain("echo: question 500");
    const gone = await alice.fetch(`/api/conversations/${id}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: "hello", model: "no-such-model" }),
    });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: { code: "model_not_found" } });
    const after = (await (await alice.fetch(`/api/conversations/${id}`)).json()) as { messages: unknown[] };
    expect(after.messages).toHaveLength(4);
  });
});
