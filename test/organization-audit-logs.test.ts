// The audit-log API in OpenAI's Admin API shape (SEC-4, CTL-4), driven by the official `openai` client:
// admin API keys made by owners only, OpenAI's cursor pagination and filters, project keys refused,
// admin keys refused on /v1 model routes, every admin-key call audited, and no conversation content.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";

type AuditLog = { id: string; type: string; actor?: unknown; project?: { id: string } } & Record<
  string,
  unknown
>;

const canary = "CANARY-audit-api-7f3c2e";

describe("GET /v1/organization/audit_logs", () => {
  let upstream: FakeUpstream;
  let platform: TestPlatform;
  let owner: BrowserSession;
  let adminKey: { id: string; key: string };
  let admin: OpenAI;
  let conversation: string;

  /** Every audit log of the organisation, newest first, walked page by page with the official client. */
  async function allLogs(query: Record<string, unknown> = {}): Promise<AuditLog[]> {
    const logs: AuditLog[] = [];
    for await (const log of admin.admin.organization.auditLogs.list({ limit: 7, ...query } as never))
      logs.push(log as unknown as AuditLog);
    return logs;
  }

  async function raw(path: string, key: string | null): Promise<{ status: number; text: string }> {
    const response = await fetch(`${platform.server.url}${path}`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
    return { status: response.status, text: await response.text() };
  }

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    platform = await startTestPlatform({
      upstreams: [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }],
    });
    owner = await signInOwner(platform, { email: "owner@audit-api.example" });
    const made = await owner.fetch("/api/admin/admin-api-keys", {
      method: "POST",
      body: JSON.stringify({ name: "SIEM export" }),
    });
    expect(made.status, await made.clone().text()).toBe(201);
    adminKey = (await made.json()) as { id: string; key: string };
    admin = new OpenAI({
      baseURL: `${platform.server.url}/v1`,
      apiKey: null,
      adminAPIKey: adminKey.key,
      maxRetries: 0,
    });
    // A canary conversation: its content must never reach the audit-log API.
    const created = (await (
      await owner.fetch("/api/conversations", {
        method: "POST",
        body: JSON.stringify({ model: "fake-model" }),
      })
    ).json()) as { id: string };
    conversation = created.id;
    const chat = await owner.fetch(`/api/conversations/${conversation}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: `secret plans ${canary}` }),
    });
    expect(await chat.text()).toContain(canary);
    await owner.fetch(`/api/conversations/${conversation}`, {
      method: "PATCH",
      body: JSON.stringify({ title: `title ${canary}` }),
    });
    // A project key made in the console: an entry whose metadata names the project.
    const key = await owner.fetch(`/api/admin/projects/${platform.project}/keys`, {
      method: "POST",
      body: JSON.stringify({ name: "project key" }),
    });
    expect(key.status).toBe(201);
  });
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
  });

  it("[SEC-4] only an owner makes admin API keys; the key is shown once and stored hashed", async () => {
    expect(adminKey.key).toMatch(/^sk-admin-/);
    const listed = await owner.fetch("/api/admin/admin-api-keys");
    const text = await listed.text();
    expect(text).toContain(adminKey.id);
    expect(text).not.toContain(adminKey.key);
    const stranger = await signInOwner(platform, { email: "admin@audit-api.example" });
    const role = await owner.fetch(`/api/admin/members/${stranger.userId}/role`, {
      method: "PUT",
      body: JSON.stringify({ role: "admin" }),
    });
    expect(role.status).toBe(200);
    const refused = await stranger.fetch("/api/admin/admin-api-keys", { method: "POST", body: "{}" });
    expect(refused.status).toBe(403);
    expect((await stranger.fetch("/api/admin/admin-api-keys")).status).toBe(403);
    // The database holds a hash, never the key.
    const rows = await platform.server.platform.db.selectFrom("admin_api_keys").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(adminKey.key.slice("sk-admin-".length));
  });

  it("[SEC-4] lists the organisation's audit log in OpenAI's shape, with the actor's email", async () => {
    const page = await admin.admin.organization.auditLogs.list({ limit: 100 });
    const body = page.getPaginatedItems() as unknown as AuditLog[];
    const created = body.find((log) => log.type === "admin_api_key.created" && log[log.type]);
    expect(created).toMatchObject({
      id: expect.stringMatching(/^audit_log-\d+$/),
      effective_at: expect.any(Number),
      actor: { type: "session", session: { user: { id: owner.userId, email: "owner@audit-api.example" } } },
      "admin_api_key.created": { id: adminKey.id },
    });
    // The API's own use is on the record, naming the admin key.
    const used = body.find((log) => log.type === "admin_api_key.used");
    expect(used).toMatchObject({
      actor: { type: "api_key", api_key: { id: adminKey.id, type: "admin_key" } },
    });
    const project = body.find((log) => log.type === "api_key.created");
    expect(project).toMatchObject({ project: { id: platform.project } });
  });

  it("[SEC-4] pages with after and before cursors, without gaps or repeats", async () => {
    const pages = await allLogs();
    const whole = (await admin.admin.organization.auditLogs.list({ limit: 100 })).getPaginatedItems();
    const newest = Number(pages[0]!.id.split("-")[1]);
    // The walk read a snapshot from its first page down: the same entries as one big page, from there on.
    const expected = whole.map((log) => log.id).filter((id) => Number(id.split("-")[1]) <= newest);
    expect(pages.map((log) => log.id)).toEqual(expected);
    expect(pages.length).toBeGreaterThan(7);
    expect(new Set(pages.map((log) => log.id)).size).toBe(pages.length);
    // `before`: the entries just newer than the cursor, still newest first.
    const cursor = pages[10]!.id;
    const before = await raw(`/v1/organization/audit_logs?limit=3&before=${cursor}`, adminKey.key);
    const newer = JSON.parse(before.text) as { data: AuditLog[]; has_more: boolean };
    expect(newer.data.map((log) => log.id)).toEqual(pages.slice(7, 10).map((log) => log.id));
    expect(newer.has_more).toBe(true);
    const bad = await raw("/v1/organization/audit_logs?limit=101", adminKey.key);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { type: "invalid_request_error", param: "limit" } });
  });

  it("[SEC-4] filters by event type, actor id and email, resource, project and time", async () => {
    const created = await allLogs({ event_types: ["admin_api_key.created"] });
    expect(created.length).toBeGreaterThan(0);
    expect(created.every((log) => log.type === "admin_api_key.created")).toBe(true);
    const byOwner = await allLogs({ actor_ids: [owner.userId] });
    expect(byOwner.length).toBeGreaterThan(0);
    expect(byOwner.every((log) => JSON.stringify(log.actor).includes(owner.userId))).toBe(true);
    const byEmail = await allLogs({ actor_emails: ["owner@audit-api.example"] });
    expect(byEmail.map((log) => log.id)).toEqual(byOwner.map((log) => log.id));
    expect(await allLogs({ actor_emails: ["nobody@audit-api.example"] })).toEqual([]);
    const byResource = await allLogs({ resource_ids: [adminKey.id], event_types: ["admin_api_key.created"] });
    expect(byResource).toHaveLength(1);
    const byProject = await allLogs({ project_ids: [platform.project] });
    expect(byProject.length).toBeGreaterThan(0);
    expect(byProject.every((log) => log.project?.id === platform.project)).toBe(true);
    const future = Math.floor(Date.now() / 1000) + 3600;
    expect(await allLogs({ effective_at: { gte: future } })).toEqual([]);
    const past = await allLogs({ effective_at: { lt: future, gt: 0 } });
    expect(past.length).toBeGreaterThan(0);
  });

  it("[SEC-4] a project key is refused the audit-log API, and an admin key is refused the model API", async () => {
    const project = await raw("/v1/organization/audit_logs", platform.apiKey);
    expect(project.status).toBe(403);
    expect(JSON.parse(project.text)).toMatchObject({
      error: { type: "permission_error", code: "admin_key_required" },
    });
    expect((await raw("/v1/organization/audit_logs", null)).status).toBe(401);
    expect((await raw("/v1/organization/audit_logs", "sk-admin-not-a-key")).status).toBe(401);
    await expect(
      platform
        .client({ apiKey: adminKey.key })
        .chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({ status: 403, code: "admin_key_not_allowed" });
    // Positive control: the project key itself calls the model.
    const answer = await platform.client().chat.completions.create({
      model: "fake-model",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: hi");
  });

  it("[SEC-4] admin keys are made, listed, read and revoked like OpenAI's, and a revoked key stops", async () => {
    const keys = admin.admin.organization.adminAPIKeys;
    const made = (await keys.create({ name: "second" })) as unknown as { id: string; value: string };
    expect(made.value).toMatch(/^sk-admin-/);
    const listed = await keys.list();
    expect(listed.data.map((key) => key.id)).toEqual(expect.arrayContaining([adminKey.id, made.id]));
    expect(JSON.stringify(listed.data)).not.toContain(made.value);
    expect(await keys.retrieve(made.id)).toMatchObject({ id: made.id, name: "second" });
    expect(await keys.delete(made.id)).toMatchObject({ id: made.id, deleted: true });
    expect((await raw("/v1/organization/audit_logs", made.value)).status).toBe(401);
    await expect(keys.retrieve(made.id)).rejects.toMatchObject({ status: 404 });
    const revoked = await allLogs({ event_types: ["admin_api_key.revoked"], resource_ids: [made.id] });
    expect(revoked).toHaveLength(1);
    // Another organisation's admin key sees none of this organisation's log.
    const services = platform.server.platform;
    const { organization } = await services.tenancy.createOrganization("Other", "test");
    const other = await services.compliance.adminKeys.create({
      organizationId: organization.id,
      actor: "test",
    });
    const theirs = await raw("/v1/organization/audit_logs?limit=100", other.key);
    expect(theirs.status).toBe(200);
    expect(theirs.text).not.toContain(adminKey.id);
    expect(theirs.text).not.toContain(owner.userId);
  });

  it("[CTL-4] no audit-log answer carries conversation content", async () => {
    // Positive control: the canary is in the conversation, read by its author through the workspace API.
    expect(await (await owner.fetch(`/api/conversations/${conversation}`)).text()).toContain(canary);
    const texts: string[] = [];
    let after: string | null = null;
    do {
      const page = await raw(
        `/v1/organization/audit_logs?limit=25${after ? `&after=${after}` : ""}`,
        adminKey.key,
      );
      expect(page.status).toBe(200);
      texts.push(page.text);
      const body = JSON.parse(page.text) as { has_more: boolean; last_id: string | null };
      after = body.has_more ? body.last_id : null;
    } while (after);
    texts.push((await raw(`/v1/organization/audit_logs?resource_ids[]=${conversation}`, adminKey.key)).text);
    // The walk reached the oldest entry, so it read the whole log.
    expect(texts.join("\n")).toContain('"type":"organization.created"');
    for (const text of texts) {
      expect(text).not.toContain(canary);
      expect(text).not.toContain("secret plans");
    }
  });

  it("[SEC-4] wrong admin keys are throttled per address; the right key still works", async () => {
    const answers = [];
    for (let attempt = 0; attempt < 25; attempt += 1)
      answers.push(await raw("/v1/organization/audit_logs", `sk-admin-guess${attempt}`));
    const first = answers.findIndex((answer) => answer.status === 429);
    expect(first).toBeGreaterThan(0);
    expect(answers.slice(0, first).every((answer) => answer.status === 401)).toBe(true);
    expect(JSON.parse(answers.at(-1)!.text)).toMatchObject({ error: { type: "rate_limit_error" } });
    expect((await raw("/v1/organization/audit_logs?limit=1", adminKey.key)).status).toBe(200);
  });
});
