// The organisation's embedding model (issue 20, CTL-2): an admin chooses, among the models that give
// embeddings, the one that embeds new knowledge collections and chat attachments, so their search is
// hybrid (vectors and BM25). A member cannot change it; a model that does not exist or gives no
// embeddings is refused with a 400 and nothing changes; the change is audited without content.
import { beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { multipartFile } from "./helpers/multipart.ts";
import { startTestPlatformWithUpstream, useTestPlatformWithUpstream } from "./helpers/platform.ts";

const fact = "Tollbridge ferries carry eleven bicycles on each crossing.";
// Not one word of the fact: only vectors can bring it back (the fake upstream's vectors are all alike).
const question = "How many cycles fit aboard?";

interface State {
  model: string | null;
  source: string;
  installation_default: string | null;
  choices: string[];
}

describe("the organisation's embedding model", () => {
  const platform = useTestPlatformWithUpstream();
  let admin: BrowserSession;
  let member: BrowserSession;

  beforeAll(async () => {
    admin = await signInOwner(platform, { email: "admin@embeddings.example" });
    member = await signInOwner(platform, { email: "member@embeddings.example" });
    const { users } = platform.server.platform.identity;
    await users.setRole({
      organizationId: platform.organization,
      workspaceId: (await users.defaultWorkspace(platform.organization)).id,
      userId: member.userId,
      role: "member",
      actor: "test",
    });
  }, 300_000);

  const state = async (session: BrowserSession) => {
    const response = await session.fetch("/api/admin/embedding-model");
    expect(response.status).toBe(200);
    return (await response.json()) as State;
  };
  const choose = (session: BrowserSession, model: string | null) =>
    session.fetch("/api/admin/embedding-model", { method: "PUT", body: JSON.stringify({ model }) });

  /** A new knowledge collection holding the fact; its id. */
  async function collectionWithFact(session: BrowserSession): Promise<string> {
    const made = await session.fetch("/api/knowledge", {
      method: "POST",
      body: JSON.stringify({ name: "Ferries" }),
    });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as { id: string };
    const { body, type } = await multipartFile("ferries.txt", `Timetable notes.\n\n${fact}\n`);
    const added = await session.fetch(`/api/knowledge/${id}/files`, {
      method: "POST",
      headers: { "content-type": type },
      body,
    });
    expect(added.status).toBe(201);
    return id;
  }

  /** The passages an answer drawing on `collections` was given. */
  async function cited(session: BrowserSession, collections: string[]): Promise<string[]> {
    const made = await session.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model" }),
    });
    const { id } = (await made.json()) as { id: string };
    const response = await session.fetch(`/api/conversations/${id}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: question, collection_ids: collections }),
    });
    expect(response.status).toBe(200);
    const events = (await response.text())
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => JSON.parse(line.slice(6)) as { type: string; citations?: Array<{ passage: string }> });
    const found = events.find((event) => event.type === "citations");
    return (found?.citations ?? []).map((citation) => citation.passage);
  }

  const embeddingsSince = (seen: number) =>
    platform.upstream.requests.slice(seen).filter((request) => request.path === "/v1/embeddings");

  it("[CTL-2] only an admin changes it; a model that cannot embed is refused with a 400 and nothing changes", async () => {
    const before = await state(admin);
    expect(before).toMatchObject({ model: null, source: "none", installation_default: null });
    expect(before.choices).toContain("fake-model");

    // A member may neither read nor change it.
    expect((await member.fetch("/api/admin/embedding-model")).status).toBe(403);
    expect((await choose(member, "fake-model")).status).toBe(403);
    expect((await member.fetch("/api/admin/embedding-model", { method: "DELETE" })).status).toBe(403);
    expect(await state(admin)).toMatchObject({ model: null, source: "none" });

    const unknown = await choose(admin, "no-such-model");
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: { code: "model_cannot_embed", param: "model", type: "invalid_request_error" },
    });
    // A model that is listed but whose server fails the embeddings probe is refused too.
    platform.upstream.behaviour = { kind: "status", status: 404, body: { error: { message: "no" } } };
    try {
      const failing = await choose(admin, "fake-model");
      expect(failing.status).toBe(400);
      expect(await failing.json()).toMatchObject({ error: { code: "model_cannot_embed" } });
    } finally {
      platform.upstream.behaviour = { kind: "echo" };
    }
    expect(await state(admin)).toMatchObject({ model: null, source: "none" });
    const bad = { model: 42 };
    const malformed = await admin.fetch("/api/admin/embedding-model", {
      method: "PUT",
      body: JSON.stringify(bad),
    });
    expect(malformed.status).toBe(400);
  });

  it("[PLAT-1] with a chosen model, new collections and attachments are embedded and searched by vectors and keywords", async () => {
    // Positive control first: without a model, the question (no word in common with the fact) finds nothing.
    const keywordOnly = await collectionWithFact(admin);
    expect(await cited(admin, [keywordOnly])).toEqual([]);

    const chosen = await choose(admin, "fake-model");
    expect(chosen.status).toBe(200);
    expect(await chosen.json()).toMatchObject({ model: "fake-model", source: "organization" });
    const audit = await platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["action", "actor", "metadata"])
      .where("organization_id", "=", platform.organization)
      .where("action", "=", "documents.embedding_model.changed")
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: admin.userId });
    expect(JSON.stringify(audit[0]!.metadata)).toContain("fake-model");
    // The organisation's export carries its choice among its settings (OWN-2).
    const exported = await admin.fetch("/api/organization/export");
    expect(exported.status).toBe(200);
    const document = (await exported.json()) as { settings: Record<string, unknown> };
    expect(document.settings.embedding_model).toEqual([{ model: "fake-model" }]);

    // A new collection: its passages are embedded by the chosen model as they are stored ...
    let seen = platform.upstream.requests.length;
    const hybrid = await collectionWithFact(admin);
    const ingested = embeddingsSince(seen);
    expect(ingested.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(ingested.map((request) => request.body.input))).toContain("Tollbridge");
    expect(ingested[0]!.body.model).toBe("fake-model");

    // ... and the question is embedded and finds the fact by its vector; the old collection still does not.
    seen = platform.upstream.requests.length;
    expect((await cited(admin, [hybrid])).join("\n")).toContain(fact);
    expect(JSON.stringify(embeddingsSince(seen).map((request) => request.body.input))).toContain(question);
    expect(await cited(admin, [keywordOnly])).toEqual([]);
    // The collection keeps the model it was made with.
    const stored = await platform.server.platform.documents.getCollection(
      { organizationId: platform.organization, userId: admin.userId, groupIds: [] },
      hybrid,
    );
    expect(stored.embeddingModel).toBe("fake-model");

    // A chat attachment is embedded by the same model.
    const made = await admin.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model" }),
    });
    const { id } = (await made.json()) as { id: string };
    const { body, type } = await multipartFile("ferries.txt", `Timetable notes.\n\n${fact}\n`);
    seen = platform.upstream.requests.length;
    const attached = await admin.fetch(`/api/conversations/${id}/attachments`, {
      method: "POST",
      headers: { "content-type": type },
      body,
    });
    expect(attached.status).toBe(201);
    expect(JSON.stringify(embeddingsSince(seen).map((request) => request.body.input))).toContain(
      "Tollbridge",
    );

    // Back to the installation's default (none here): new collections are keyword-only again.
    const reset = await admin.fetch("/api/admin/embedding-model", { method: "DELETE" });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ model: null, source: "none" });
    seen = platform.upstream.requests.length;
    await collectionWithFact(admin);
    expect(embeddingsSince(seen)).toEqual([]);
  });

  it("[PLAT-1] an installation's default (CUSTODIAN_EMBEDDING_MODEL) applies where the organisation chose none", async () => {
    const installation = await startTestPlatformWithUpstream({
      env: { CUSTODIAN_EMBEDDING_MODEL: "fake-model" },
    });
    try {
      const owner = await signInOwner(installation, { email: "owner@default.example" });
      const response = await owner.fetch("/api/admin/embedding-model");
      expect(await response.json()).toMatchObject({
        model: "fake-model",
        source: "installation",
        installation_default: "fake-model",
      });
      const made = await owner.fetch("/api/knowledge", {
        method: "POST",
        body: JSON.stringify({ name: "Defaults" }),
      });
      const { id } = (await made.json()) as { id: string };
      const reader = { organizationId: installation.organization, userId: owner.userId, groupIds: [] };
      const collection = await installation.server.platform.documents.getCollection(reader, id);
      expect(collection.embeddingModel).toBe("fake-model");
      // The organisation may still choose keyword search only.
      expect((await choose(owner, null)).status).toBe(200);
      expect(await (await owner.fetch("/api/admin/embedding-model")).json()).toMatchObject({
        model: null,
        source: "none",
      });
      expect(installation.logs()).not.toContain("the default embedding model is not served");
    } finally {
      await installation.close();
    }
    // A default that names no served model is said in the log at start (the control for the line above).
    const misnamed = await startTestPlatformWithUpstream({
      env: { CUSTODIAN_EMBEDDING_MODEL: "missing-model" },
    });
    try {
      expect(misnamed.logs()).toContain("the default embedding model is not served");
    } finally {
      await misnamed.close();
    }
  }, 300_000);
});
