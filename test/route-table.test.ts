// The route table, walked: every /api route declares the permission it needs (CTL-2); roles, custom
// roles and feature switches decide what a signed-in member may do, in the workspace and on /v1, and
// each switch closes every route it concerns (found in the table). The CTL-4 walk of every route
// is route-table-content.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPermission } from "../src/access/permissions.ts";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";
import { exampleCall, placeholderIds, routeKey, type OrganizationIds } from "./route-table-examples.ts";

type Route = { method: string; url: string };
/**
 * The routes each switch closes, picked out of the route table by what they do, so that a new route
 * of the same kind is closed or fails this test: uploads, everything under /v1/fine_tuning, and making
 * a share (an existing share then opens for no one: 404, as for no share at all).
 */
const switchedRoutes = {
  file_upload: (route: Route) =>
    route.method === "POST" && /\/(files|uploads|attachments|file_batches)$/.test(route.url),
  fine_tuning: (route: Route) => route.url.startsWith("/v1/fine_tuning/"),
  sharing: (route: Route) => route.method === "POST" && route.url.endsWith("/shares"),
} as const;

/** /api routes reached before sign-in, or that act on the caller's own session only. */
const publicApiRoutes = new Set([
  "POST /api/session",
  "GET /api/session",
  "DELETE /api/session",
  "GET /api/trust",
  "POST /api/links/preview",
  "POST /api/links/redeem",
]);
const isPublicSso = (url: string) => url.startsWith("/api/sso/");

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe("route table", () => {
  let upstream: FakeUpstream;
  let platform: TestPlatform;
  let owner: BrowserSession;
  let member: BrowserSession;
  let workspace: string;

  async function setRole(userId: string, role: string): Promise<void> {
    const response = await owner.fetch(`/api/admin/members/${userId}/role`, {
      method: "PUT",
      body: JSON.stringify({ role }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  }

  async function signInAs(email: string, role: string): Promise<BrowserSession> {
    const session = await signInOwner(platform, { email });
    await setRole(session.userId, role);
    return session;
  }

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    platform = await startTestPlatform({
      upstreams: [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model", "other-model"] }],
    });
    owner = await signInOwner(platform, { email: "owner@example.com" });
    member = await signInAs("member@example.com", "member");
    workspace = (await platform.server.platform.identity.users.defaultWorkspace(platform.organization)).id;
  });
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
  });

  it("[CTL-2] every /api route declares the permission it needs where it is declared", () => {
    const apiRoutes = platform.server.routes.filter((route) => route.url.startsWith("/api/"));
    const undeclared = apiRoutes
      .filter((route) => !publicApiRoutes.has(routeKey(route)) && !isPublicSso(route.url))
      .filter((route) => route.permission === undefined || route.permission === "public")
      .map(routeKey);
    expect(undeclared).toEqual([]);
    const unknown = apiRoutes
      .filter((route) => route.permission !== undefined && route.permission !== "signedIn")
      .filter(
        (route) =>
          !["public", "staff"].includes(route.permission ?? "") && !isPermission(route.permission ?? ""),
      )
      .map(routeKey);
    expect(unknown).toEqual([]);
    // The walk saw the admin API and the workspace API, so it walked the real table.
    expect(apiRoutes.filter((route) => route.url.startsWith("/api/admin/")).length).toBeGreaterThanOrEqual(
      24,
    );
    expect(apiRoutes.some((route) => route.url === "/api/conversations")).toBe(true);
  });

  it("[CTL-2] a member is refused every admin route that needs a permission; an auditor reads but changes nothing", async () => {
    const adminRoutes = platform.server.routes.filter(
      (route) => route.url.startsWith("/api/admin/") && route.permission !== "signedIn",
    );
    for (const route of adminRoutes) {
      const { path, body } = exampleCall(route, placeholderIds);
      const response = await member.fetch(path, { method: route.method, body });
      expect(response.status, routeKey(route)).toBe(403);
    }
    const auditor = await signInAs("auditor@example.com", "auditor");
    expect((await auditor.fetch("/api/admin/audit")).status).toBe(200);
    expect((await auditor.fetch("/api/admin/members")).status).toBe(200);
    expect((await auditor.fetch("/api/admin/privacy")).status).toBe(200);
    const refused = await auditor.fetch("/api/admin/privacy", {
      method: "PUT",
      body: JSON.stringify({ zdr: true }),
    });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: { code: "permission_denied" } });
    // The member's own view of their permissions.
    expect(await json(await member.fetch("/api/admin/me"))).toMatchObject({
      roles: ["member"],
      permissions: ["conversations.use"],
    });
  });

  it("[CTL-2] custom roles are made of named permissions; in use they cannot be deleted; only an owner hands out owner", async () => {
    const created = await owner.fetch("/api/admin/roles", {
      method: "POST",
      body: JSON.stringify({ name: "usage-viewer", permissions: ["usage.read", "projects.read"] }),
    });
    expect(created.status).toBe(201);
    const bad = await owner.fetch("/api/admin/roles", {
      method: "POST",
      body: JSON.stringify({ name: "broken", permissions: ["conversations.read_all"] }),
    });
    expect(bad.status).toBe(400);
    const viewer = await signInAs("viewer@example.com", "usage-viewer");
    expect((await viewer.fetch("/api/admin/usage")).status).toBe(200);
    expect((await viewer.fetch("/api/admin/members")).status).toBe(403);
    expect((await owner.fetch("/api/admin/roles/usage-viewer", { method: "DELETE" })).status).toBe(409);

    // An admin may manage members, but not make anyone an owner.
    const admin = await signInAs("admin@example.com", "admin");
    const promote = await admin.fetch(`/api/admin/members/${viewer.userId}/role`, {
      method: "PUT",
      body: JSON.stringify({ role: "owner" }),
    });
    expect(promote.status).toBe(403);
    expect(await json(promote)).toMatchObject({ error: { code: "owner_only" } });
    const demoteOwner = await admin.fetch(`/api/admin/members/${owner.userId}/status`, {
      method: "PUT",
      body: JSON.stringify({ status: "disabled" }),
    });
    expect(demoteOwner.status).toBe(403);
  });

  it("[CTL-2] the workspace's model allow-list limits /api/models and chat; the api_keys and export switches stop key creation and export", async () => {
    const before = await json(await member.fetch("/api/models"));
    expect((before.data as Array<{ id: string }>).map((model) => model.id).sort()).toEqual([
      "fake-model",
      "other-model",
    ]);
    const conversation = await json(
      await member.fetch("/api/conversations", {
        method: "POST",
        body: JSON.stringify({ model: "other-model" }),
      }),
    );
    const allowList = await owner.fetch(`/api/admin/workspaces/${workspace}/switches/models`, {
      method: "PUT",
      body: JSON.stringify({ enabled: true, models: ["fake-model"] }),
    });
    expect(allowList.status).toBe(200);
    const after = await json(await member.fetch("/api/models"));
    expect((after.data as Array<{ id: string }>).map((model) => model.id)).toEqual(["fake-model"]);
    const refused = await member.fetch(`/api/conversations/${String(conversation.id)}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: "hello" }),
    });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: { code: "model_not_allowed" } });
    const allowed = await member.fetch(`/api/conversations/${String(conversation.id)}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: "hello", model: "fake-model" }),
    });
    expect(allowed.status).toBe(200);
    await allowed.text();

    const keysOff = await owner.fetch(`/api/admin/workspaces/${workspace}/switches/api_keys`, {
      method: "PUT",
      body: JSON.stringify({ enabled: false }),
    });
    expect(keysOff.status).toBe(200);
    const key = await owner.fetch(`/api/admin/projects/${platform.project}/keys`, {
      method: "POST",
      body: JSON.stringify({ name: "refused" }),
    });
    expect(key.status).toBe(403);
    expect(await json(key)).toMatchObject({ error: { code: "feature_disabled" } });
    const exportOff = await owner.fetch(`/api/admin/workspaces/${workspace}/switches/export`, {
      method: "PUT",
      body: JSON.stringify({ enabled: false }),
    });
    expect(exportOff.status).toBe(200);
    expect((await member.fetch("/api/export")).status).toBe(403);
    for (const feature of ["models", "api_keys", "export"]) {
      const cleared = await owner.fetch(`/api/admin/workspaces/${workspace}/switches/${feature}`, {
        method: "DELETE",
      });
      expect(cleared.status).toBe(204);
    }
    expect((await member.fetch("/api/export")).status).toBe(200);
  });

  it("[CTL-2] a group's switches apply to the members of that SCIM group, and to no one else", async () => {
    const group = await platform.server.platform.identity.scimGroups.create(
      platform.organization,
      {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        displayName: "Contractors",
        members: [{ value: member.userId }],
      },
      "test",
    );
    const listed = await json(await owner.fetch("/api/admin/groups"));
    expect(listed.data).toContainEqual(
      expect.objectContaining({
        id: group.id,
        display_name: "Contractors",
        members: [{ id: member.userId, email: "member@example.com" }],
      }),
    );
    const off = await owner.fetch(`/api/admin/groups/${group.id}/switches/export`, {
      method: "PUT",
      body: JSON.stringify({ enabled: false }),
    });
    expect(off.status).toBe(200);
    expect(await json(off)).toMatchObject({ scope: "group", scope_id: group.id, enabled: false });
    expect((await member.fetch("/api/export")).status).toBe(403);
    expect((await owner.fetch("/api/export")).status).toBe(200);
    const cleared = await owner.fetch(`/api/admin/groups/${group.id}/switches/export`, { method: "DELETE" });
    expect(cleared.status).toBe(204);
    expect((await member.fetch("/api/export")).status).toBe(200);
    const unknown = await owner.fetch("/api/admin/groups/grp_unknown/switches/export", {
      method: "PUT",
      body: JSON.stringify({ enabled: false }),
    });
    expect(unknown.status).toBe(404);
  });

  it("[CTL-1] a SCIM token made in the console is shown once, works on /scim/v2, and stops when revoked", async () => {
    const created = await owner.fetch("/api/admin/scim-tokens", { method: "POST" });
    expect(created.status).toBe(201);
    const { id, token } = (await json(created)) as { id: string; token: string };
    const listed = await owner.fetch("/api/admin/scim-tokens");
    const listedText = await listed.text();
    expect(listedText).toContain(id);
    expect(listedText).not.toContain(token);
    const scim = (bearer: string) =>
      fetch(`${platform.server.url}/scim/v2/Groups`, { headers: { authorization: `Bearer ${bearer}` } });
    expect((await scim(token)).status).toBe(200);
    expect((await owner.fetch(`/api/admin/scim-tokens/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await scim(token)).status).toBe(401);
  });

  it("[CTL-2] a project's model allow-list refuses other models on /v1", async () => {
    const set = await owner.fetch(`/api/admin/projects/${platform.project}/models`, {
      method: "PUT",
      body: JSON.stringify({ models: ["fake-model"] }),
    });
    expect(await json(set)).toMatchObject({ allowed_models: ["fake-model"] });
    const client = platform.client();
    const answer = await client.chat.completions.create({
      model: "fake-model",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: hi");
    await expect(
      client.chat.completions.create({ model: "other-model", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({ status: 403, code: "model_not_allowed" });
    await owner.fetch(`/api/admin/projects/${platform.project}/models`, {
      method: "PUT",
      body: JSON.stringify({ models: null }),
    });
  });

  it("[SEC-4] admin changes are audit events, and the chain verifies", async () => {
    const audit = await json(await owner.fetch("/api/admin/audit?limit=200"));
    const actions = new Set((audit.data as Array<{ action: string }>).map((entry) => entry.action));
    for (const action of [
      "member.role_changed",
      "role.created",
      "feature_switch.set",
      "feature_switch.cleared",
      "project.models_set",
    ])
      expect(actions, action).toContain(action);
    const filtered = await json(await owner.fetch("/api/admin/audit?action=role."));
    expect(
      (filtered.data as Array<{ action: string }>).every((entry) => entry.action.startsWith("role.")),
    ).toBe(true);
    const verified = await owner.fetch("/api/admin/audit/verify", { method: "POST" });
    expect(await json(verified)).toMatchObject({ ok: true });
  });

  it("[CTL-2] each of the file_upload, fine_tuning and sharing switches closes every route it concerns, with feature_disabled", async () => {
    const made = await json(
      await member.fetch("/api/conversations", {
        method: "POST",
        body: JSON.stringify({ model: "fake-model" }),
      }),
    );
    const share = await json(
      await member.fetch(`/api/conversations/${String(made.id)}/shares`, {
        method: "POST",
        body: JSON.stringify({ expires_in_days: 1 }),
      }),
    );
    const ids: OrganizationIds = {
      ...placeholderIds,
      conversation: String(made.id),
      share: String(share.id),
    };
    const viewer = await signInAs("viewer-of-shares@example.com", "member");
    const call = async (route: Route) => {
      const { path, body } = exampleCall(route, ids);
      if (!route.url.startsWith("/v1/")) return member.fetch(path, { method: route.method, body });
      return fetch(`${platform.server.url}${path}`, {
        method: route.method,
        headers: {
          authorization: `Bearer ${platform.apiKey}`,
          ...(body ? { "content-type": "application/json" } : {}),
        },
        body,
      });
    };
    const switchPath = (feature: string) => `/api/admin/workspaces/${workspace}/switches/${feature}`;
    for (const [feature, concerns] of Object.entries(switchedRoutes)) {
      const routes = platform.server.routes.filter(concerns);
      expect(routes.length, feature).toBeGreaterThan(0);
      const off = await owner.fetch(switchPath(feature), {
        method: "PUT",
        body: JSON.stringify({ enabled: false }),
      });
      expect(off.status).toBe(200);
      expect(
        ((await json(await member.fetch("/api/admin/me"))).features as Record<string, boolean>)[feature],
      ).toBe(false);
      for (const route of routes) {
        const response = await call(route);
        const answer = await json(response);
        expect(response.status, `${feature}: ${routeKey(route)}`).toBe(403);
        expect(answer, `${feature}: ${routeKey(route)}`).toMatchObject({
          error: { type: "permission_error", code: "feature_disabled" },
        });
      }
      if (feature === "sharing")
        expect((await viewer.fetch(`/api/shares/${String(share.id)}`)).status).toBe(404);
      expect((await owner.fetch(switchPath(feature), { method: "DELETE" })).status).toBe(204);
      // Positive control: switched back on, the same calls pass the switch.
      for (const route of routes) {
        const response = await call(route);
        const text = await response.text();
        expect(text, `${feature} on: ${routeKey(route)}`).not.toContain("feature_disabled");
      }
      if (feature === "sharing")
        expect((await viewer.fetch(`/api/shares/${String(share.id)}`)).status).toBe(200);
    }
    // Through the official client too, in OpenAI's error shape.
    await owner.fetch(switchPath("file_upload"), { method: "PUT", body: JSON.stringify({ enabled: false }) });
    await owner.fetch(switchPath("fine_tuning"), { method: "PUT", body: JSON.stringify({ enabled: false }) });
    const client = platform.client();
    await expect(
      client.files.create({ file: new File(["data\n"], "data.txt"), purpose: "user_data" }),
    ).rejects.toMatchObject({ status: 403, code: "feature_disabled" });
    await expect(client.fineTuning.jobs.list()).rejects.toMatchObject({
      status: 403,
      code: "feature_disabled",
    });
    // Reading and deleting what was uploaded stays open: the switch stops uploads, not the organisation's own files.
    expect((await client.files.list()).data).toBeDefined();
    for (const feature of ["file_upload", "fine_tuning"])
      expect((await owner.fetch(switchPath(feature), { method: "DELETE" })).status).toBe(204);
    const uploaded = await client.files.create({
      file: new File(["data\n"], "data.txt"),
      purpose: "user_data",
    });
    expect(uploaded.bytes).toBe(5);
  });
});
