// Tenant isolation, generated from the route table: every route that takes an id, called by a
// signed-in admin (or an API key) of one organisation with the ids of another's things, answers 404
// and leaves those things as they were. A new route with an id and no example here fails the test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";
import {
  crossOrganizationByDesign,
  examplesToCome,
  fillPath,
  makeOrganization,
  routeExamples,
  routeKey,
  type OrganizationIds,
} from "./route-table-examples.ts";

describe("tenant isolation", () => {
  let upstream: FakeUpstream;
  let platform: TestPlatform;
  let admin: BrowserSession;
  let other: OrganizationIds;
  let scimToken: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    platform = await startTestPlatform({
      upstreams: [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }],
    });
    admin = await signInOwner(platform, { email: "admin@first.example" });
    other = await makeOrganization(platform, "Second", "fake-model");
    scimToken = (await platform.server.platform.identity.scimTokens.create(platform.organization, "test"))
      .token;
  });
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
  });

  it("every route that takes an id answers 404 for another organisation's ids", async () => {
    const routes = platform.server.routes.filter((route) => route.url.includes(":"));
    const missing: string[] = [];
    const answers: string[] = [];
    let called = 0;
    for (const route of routes) {
      const key = routeKey(route);
      if (key in crossOrganizationByDesign || key in examplesToCome) continue;
      const example = routeExamples[key];
      if (!example?.params) {
        missing.push(key);
        continue;
      }
      const path = fillPath(route.url, example.params(other));
      const body = example.body === undefined ? undefined : JSON.stringify(example.body);
      // Each surface with the first organisation's own credential: API key, SCIM token, or session.
      const bearer = route.url.startsWith("/v1/")
        ? { token: platform.apiKey, type: "application/json" }
        : route.url.startsWith("/scim/")
          ? { token: scimToken, type: "application/scim+json" }
          : null;
      const response = bearer
        ? await fetch(`${platform.server.url}${path}`, {
            method: route.method,
            headers: {
              authorization: `Bearer ${bearer.token}`,
              ...(body ? { "content-type": bearer.type } : {}),
            },
            body,
          })
        : await admin.fetch(path, { method: route.method, body });
      await response.arrayBuffer();
      called += 1;
      if (response.status !== 404) answers.push(`${key} answered ${response.status}`);
    }
    expect(missing, "routes with ids and no example in route-table-examples.ts").toEqual([]);
    expect(answers).toEqual([]);
    expect(called).toBeGreaterThanOrEqual(20);

    // And nothing of the other organisation changed.
    const services = platform.server.platform;
    const keys = await services.apiKeys.list(other.organization);
    expect(keys.find((item) => item.id === other.key)?.revokedAt).toBeNull();
    await expect(services.access.roles.get(other.organization, other.role)).resolves.toMatchObject({
      permissions: ["usage.read"],
    });
    const { summary } = await services.workspace.conversations.get(
      { organizationId: other.organization, workspaceId: other.workspace, userId: other.user },
      other.conversation,
    );
    expect(summary.title).toBeNull();
    expect(await services.identity.users.roleIn(other.organization, other.workspace, other.user)).toBe(
      "owner",
    );
    expect(await services.access.switches.list(other.organization)).toEqual([]);
    const file = await platform.client({ apiKey: other.keySecret }).files.retrieve(other.file);
    expect(file.id).toBe(other.file);
    await expect(services.identity.scimGroups.get(other.organization, other.group)).resolves.toMatchObject({
      displayName: "Only here",
    });
    expect((await services.identity.users.get(other.organization, other.user)).status).toBe("active");
  });
});
