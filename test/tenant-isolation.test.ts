// Tenant isolation, generated from the route table: every route that takes an id, called by a
// signed-in admin (or an API key) of one organisation with the ids of another's things, answers 404
// and leaves those things as they were. A new route with an id and no example here fails the test.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLlamaGguf } from "../src/inference/gguf/gguf-writer.ts";
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
  /** The abuse-review routes are the reviewers' alone: an admin is refused them before any lookup. */
  let reviewer: BrowserSession;
  let directory: string;
  let other: OrganizationIds;
  let scimToken: string;
  /** The first organisation's admin API key: the /v1/organization admin routes take no other. */
  let adminKey: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    // A tiny trainable GGUF, served in process, as the base of fine-tuning jobs and models.
    directory = mkdtempSync(path.join(tmpdir(), "custodian-isolation-"));
    const base = { id: "tiny-base", path: path.join(directory, "tiny-base.gguf") };
    await writeLlamaGguf(base.path, {
      seed: 3,
      embeddingLength: 32,
      blockCount: 1,
      headCount: 2,
      contextLength: 256,
    });
    platform = await startTestPlatform({
      upstreams: [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }],
      env: {
        CUSTODIAN_MODELS: JSON.stringify([base]),
        CUSTODIAN_LLAMA_THREADS: "1",
        CUSTODIAN_LLAMA_PARALLEL: "1",
        CUSTODIAN_LLAMA_CONTEXT_SIZE: "256",
      },
    });
    admin = await signInOwner(platform, { email: "admin@first.example" });
    reviewer = await signInOwner(platform, { email: "reviewer@first.example" });
    const services = platform.server.platform;
    await services.access.roles.assign({
      organizationId: platform.organization,
      workspaceId: (await services.identity.users.defaultWorkspace(platform.organization)).id,
      userId: reviewer.userId,
      role: "abuse-reviewer",
      actor: admin.userId,
    });
    other = await makeOrganization(platform, "Second", "fake-model", base);
    scimToken = (await platform.server.platform.identity.scimTokens.create(platform.organization, "test"))
      .token;
    adminKey = (
      await services.compliance.adminKeys.create({ organizationId: platform.organization, actor: "test" })
    ).key;
  });
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
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
      const bearer = route.url.startsWith("/v1/organization/admin_api_keys")
        ? { token: adminKey, type: "application/json" }
        : route.url.startsWith("/v1/")
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
        : await (route.url.startsWith("/api/review/") ? reviewer : admin).fetch(path, {
            method: route.method,
            body,
          });
      await response.arrayBuffer();
      called += 1;
      if (response.status !== 404) answers.push(`${key} answered ${response.status}`);
    }
    expect(missing, "routes with ids and no example in route-table-examples.ts").toEqual([]);
    expect(examplesToCome, "every route with an id has a real example").toEqual({});
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
    const tokens = await services.identity.scimTokens.list(other.organization);
    expect(tokens.find((token) => token.id === other.scimToken)?.revokedAt).toBeNull();
    const otherClient = platform.client({ apiKey: other.keySecret });
    expect((await otherClient.fineTuning.jobs.retrieve(other.fineTuningJob)).status).toBe("cancelled");
    expect((await otherClient.models.retrieve(other.fineTunedModel)).id).toBe(other.fineTunedModel);
    expect(await services.oversight.review.verdicts(other.organization, other.reviewRecord)).toEqual([]);
    expect((await services.oversight.grants.get(other.accessRequest)).status).toBe("pending");
    const adminKeys = await services.compliance.adminKeys.list(other.organization);
    expect(adminKeys.find((key) => key.id === other.adminKey)?.revokedAt).toBeNull();
  });
});
