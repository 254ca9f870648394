// SCIM 2.0 provisioning over real HTTP, driven by the request sequences Entra ID and Okta send:
// look up, create, update, deactivate and delete users; create groups and patch their members.
import { beforeAll, describe, expect, it } from "vitest";
import { useTestPlatform } from "../../test/helpers/platform.ts";
import { adminOperations } from "../platform/operations.ts";

const scimJson = "application/scim+json";

describe("SCIM 2.0 provisioning", () => {
  const platform = useTestPlatform();
  let token: string;
  let base: string;

  beforeAll(async () => {
    base = `${platform.server.url}/scim/v2`;
    const created = (await adminOperations(platform.server.platform, "test").createScimToken({
      organization: platform.organization,
    })) as { token: string };
    token = created.token;
  }, 180_000);

  async function scim(method: string, path: string, body?: unknown, bearer = token) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        accept: scimJson,
        ...(body !== undefined ? { "content-type": scimJson } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      body: (text ? JSON.parse(text) : null) as Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- SCIM JSON read loosely in assertions
    };
  }

  async function auditActions(target: string) {
    const rows = await platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["action", "actor"])
      .where("target", "=", target)
      .orderBy("seq")
      .execute();
    return rows.map((row) => row.action);
  }

  /** A signed-in browser session and a personal API key for a user, to watch deprovisioning end them. */
  async function sessionAndKey(userId: string) {
    const { identity, apiKeys } = platform.server.platform;
    const session = await identity.sessions.create({
      organizationId: platform.organization,
      userId,
      method: "saml",
    });
    const key = await apiKeys.create({
      organizationId: platform.organization,
      projectId: platform.project,
      userId,
      actor: "test",
    });
    const sessionWorks = async () =>
      (
        await fetch(`${platform.server.url}/api/session`, {
          headers: { cookie: `custodian_session=${session.token}` },
        })
      ).status === 200;
    const keyWorks = async () => {
      try {
        await platform.client({ apiKey: key.key }).models.list();
        return true;
      } catch (error) {
        if ((error as { status?: number }).status === 401) return false;
        throw error;
      }
    };
    return { sessionWorks, keyWorks };
  }

  it("[CTL-1] publishes ServiceProviderConfig, ResourceTypes and Schemas, and refuses requests without a valid token", async () => {
    const config = await scim("GET", "/ServiceProviderConfig");
    expect(config.status).toBe(200);
    expect(config.type).toContain(scimJson);
    expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true } });
    const types = await scim("GET", "/ResourceTypes");
    expect(types.body.Resources.map((type: { id: string }) => type.id)).toEqual(["User", "Group"]);
    const schemas = await scim("GET", "/Schemas");
    expect(schemas.body.totalResults).toBe(2);
    for (const bearer of ["", "scim-cust-not-a-token"]) {
      const refused = await scim("GET", "/Users", undefined, bearer);
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
        status: "401",
        detail: "A valid SCIM bearer token is required.",
      });
    }
  });

  it("[CTL-1] follows Entra ID's sequence: filter, create, update, deactivate (sessions and keys end at once)", async () => {
    const lookup = await scim(
      "GET",
      `/Users?filter=${encodeURIComponent('userName eq "grace@entra.example.test"')}`,
    );
    expect(lookup.body).toMatchObject({ totalResults: 0, Resources: [] });
    const created = await scim("POST", "/Users", {
      schemas: [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
      ],
      externalId: "8a1b-entra-object-id",
      userName: "Grace@entra.example.test",
      active: true,
      displayName: "Grace Hopper",
      emails: [{ primary: true, type: "work", value: "grace@entra.example.test" }],
      meta: { resourceType: "User" },
      name: { formatted: "Grace Hopper", familyName: "Hopper", givenName: "Grace" },
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "Navy" },
    });
    expect(created.status).toBe(201);
    expect(created.type).toContain(scimJson);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({
      userName: "grace@entra.example.test",
      externalId: "8a1b-entra-object-id",
      active: true,
      displayName: "Grace Hopper",
      meta: { resourceType: "User", location: `${base}/Users/${id}` },
    });
    const byExternalId = await scim(
      "GET",
      `/Users?filter=${encodeURIComponent('externalId eq "8a1b-entra-object-id"')}`,
    );
    expect(byExternalId.body.Resources.map((user: { id: string }) => user.id)).toEqual([id]);

    const renamed = await scim("PATCH", `/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [
        { op: "Replace", path: "displayName", value: "Rear Admiral Hopper" },
        { op: "Add", path: "title", value: "Admiral" },
        { op: "Replace", path: 'emails[type eq "work"].value', value: "grace.hopper@entra.example.test" },
      ],
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      displayName: "Rear Admiral Hopper",
      userName: "grace.hopper@entra.example.test",
    });

    const { sessionWorks, keyWorks } = await sessionAndKey(id);
    expect(await sessionWorks()).toBe(true);
    expect(await keyWorks()).toBe(true);
    const deactivated = await scim("PATCH", `/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "Replace", path: "active", value: "False" }],
    });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.active).toBe(false);
    expect(await sessionWorks()).toBe(false);
    expect(await keyWorks()).toBe(false);
    expect(await auditActions(id)).toEqual(
      expect.arrayContaining([
        "user.provisioned",
        "user.updated",
        "user.disabled",
        "session.revoked_all",
        "api_key.revoked_all",
      ]),
    );
    // Reactivating restores sign-in, not the revoked sessions or keys.
    const reactivated = await scim("PATCH", `/Users/${id}`, {
      Operations: [{ op: "Replace", path: "active", value: "True" }],
    });
    expect(reactivated.body.active).toBe(true);
    expect(await sessionWorks()).toBe(false);
    expect(await keyWorks()).toBe(false);
  });

  it("[CTL-1] follows Entra ID's group sequence: create, add and remove members, read without members", async () => {
    const users = [];
    for (const name of ["alan", "joan"]) {
      users.push(
        (await scim("POST", "/Users", { userName: `${name}@entra.example.test`, active: true })).body.id,
      );
    }
    const lookup = await scim("GET", `/Groups?filter=${encodeURIComponent('displayName eq "Engineers"')}`);
    expect(lookup.body.totalResults).toBe(0);
    const group = await scim("POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      externalId: "entra-group-1",
      displayName: "Engineers",
      members: [],
    });
    expect(group.status).toBe(201);
    const groupId = group.body.id as string;
    const added = await scim("PATCH", `/Groups/${groupId}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "Add", path: "members", value: users.map((value) => ({ value })) }],
    });
    expect(added.body.members.map((member: { value: string }) => member.value).sort()).toEqual(
      [...users].sort(),
    );
    const removed = await scim("PATCH", `/Groups/${groupId}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "Remove", path: "members", value: [{ value: users[0] }] }],
    });
    expect(removed.body.members.map((member: { value: string }) => member.value)).toEqual([users[1]]);
    const bare = await scim("GET", `/Groups/${groupId}?excludedAttributes=members`);
    expect(bare.body.members).toBeUndefined();
    expect(bare.body.displayName).toBe("Engineers");
    const rows = await platform.server.platform.db
      .selectFrom("group_members")
      .select(["user_id", "organization_id"])
      .where("group_id", "=", groupId)
      .execute();
    expect(rows).toEqual([{ user_id: users[1], organization_id: platform.organization }]);
    expect(await auditActions(groupId)).toEqual([
      "group.created",
      "group.member_added",
      "group.member_added",
      "group.member_removed",
    ]);
  });

  it("[CTL-1] follows Okta's sequence: filter with paging, create, replace, deactivate, group patches, delete", async () => {
    const lookup = await scim(
      "GET",
      `/Users?filter=${encodeURIComponent('userName eq "linus@okta.example.test"')}&startIndex=1&count=100`,
    );
    expect(lookup.body).toMatchObject({ totalResults: 0, startIndex: 1, itemsPerPage: 0 });
    const created = await scim("POST", "/Users", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: "linus@okta.example.test",
      name: { givenName: "Linus", familyName: "Pauling" },
      emails: [{ primary: true, value: "linus@okta.example.test", type: "work" }],
      displayName: "Linus Pauling",
      locale: "en-US",
      externalId: "00u1okta",
      groups: [],
      password: "never-stored-1234",
      active: true,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(JSON.stringify(created.body)).not.toContain("never-stored-1234");
    const replaced = await scim("PUT", `/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      id,
      userName: "linus@okta.example.test",
      name: { givenName: "Linus C.", familyName: "Pauling" },
      emails: [{ primary: true, value: "linus@okta.example.test", type: "work" }],
      externalId: "00u1okta",
      active: true,
    });
    expect(replaced.body).toMatchObject({ displayName: "Linus C. Pauling", active: true });

    const group = await scim("POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: "Chemists",
      members: [],
    });
    const groupId = group.body.id as string;
    await scim("PATCH", `/Groups/${groupId}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [
        { op: "add", path: "members", value: [{ value: id, display: "linus@okta.example.test" }] },
      ],
    });
    const renamed = await scim("PATCH", `/Groups/${groupId}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { id: groupId, displayName: "Chemistry" } }],
    });
    expect(renamed.body).toMatchObject({ displayName: "Chemistry", members: [{ value: id }] });
    const emptied = await scim("PATCH", `/Groups/${groupId}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "remove", path: `members[value eq "${id}"]` }],
    });
    expect(emptied.body.members).toEqual([]);

    const { sessionWorks, keyWorks } = await sessionAndKey(id);
    const deactivated = await scim("PATCH", `/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    expect(deactivated.body.active).toBe(false);
    expect(await sessionWorks()).toBe(false);
    expect(await keyWorks()).toBe(false);

    expect((await scim("DELETE", `/Groups/${groupId}`)).status).toBe(204);
    const gone = await scim("GET", `/Groups/${groupId}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "404",
    });
  });

  it("[CTL-1] pages lists with startIndex and count, and filters by displayName", async () => {
    for (const name of ["p1", "p2", "p3"]) {
      await scim("POST", "/Users", { userName: `${name}@paging.example.test`, displayName: `Pager ${name}` });
    }
    const all = await scim("GET", "/Users?count=200");
    const total = all.body.totalResults as number;
    expect(total).toBeGreaterThanOrEqual(3);
    const first = await scim("GET", "/Users?startIndex=1&count=2");
    const second = await scim("GET", "/Users?startIndex=3&count=2");
    expect(first.body).toMatchObject({ totalResults: total, startIndex: 1, itemsPerPage: 2 });
    expect(second.body.startIndex).toBe(3);
    const ids = [...first.body.Resources, ...second.body.Resources].map((user: { id: string }) => user.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(all.body.Resources.slice(0, ids.length).map((user: { id: string }) => user.id));
    const byName = await scim("GET", `/Users?filter=${encodeURIComponent('displayName eq "Pager p2"')}`);
    expect(byName.body.Resources.map((user: { userName: string }) => user.userName)).toEqual([
      "p2@paging.example.test",
    ]);
  });

  it("[CTL-1] [OWN-4] deletes a user: sessions and keys end at once, their conversations become unreadable, the user is gone", async () => {
    const created = await scim("POST", "/Users", {
      userName: "leaving@example.test",
      externalId: "leaving-1",
    });
    const id = created.body.id as string;
    const { sessionWorks, keyWorks } = await sessionAndKey(id);
    expect(await keyWorks()).toBe(true);
    const { workspace, identity, db } = platform.server.platform;
    const member = {
      organizationId: platform.organization,
      workspaceId: (await identity.users.defaultWorkspace(platform.organization)).id,
      userId: id,
    };
    const conversation = await workspace.conversations.create(member, { model: "m", title: "mine" });
    expect((await scim("DELETE", `/Users/${id}`)).status).toBe(204);
    expect(await sessionWorks()).toBe(false);
    expect(await keyWorks()).toBe(false);
    expect((await scim("GET", `/Users/${id}`)).status).toBe(404);
    const stored = await db
      .selectFrom("conversations")
      .select(["wrapped_key", "deleted_at"])
      .where("id", "=", conversation.id)
      .executeTakeFirstOrThrow();
    expect(stored.wrapped_key).toBeNull();
    expect(stored.deleted_at).not.toBeNull();
    expect(await auditActions(id)).toEqual(
      expect.arrayContaining(["api_key.revoked_all", "conversations.deleted_with_user", "user.deleted"]),
    );
  });

  it("[CTL-1] answers SCIM errors: bad filter, duplicate userName, malformed or too deep PATCH, another organisation's ids", async () => {
    const badFilter = await scim("GET", `/Users?filter=${encodeURIComponent('userName co "x"')}`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.scimType).toBe("invalidFilter");
    await scim("POST", "/Users", { userName: "twin@example.test" });
    const duplicate = await scim("POST", "/Users", { userName: "twin@example.test" });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.scimType).toBe("uniqueness");
    const twin = await scim("GET", `/Users?filter=${encodeURIComponent('userName eq "twin@example.test"')}`);
    const twinId = twin.body.Resources[0].id as string;
    const malformed = await scim("PATCH", `/Users/${twinId}`, { Operations: [{ op: "explode" }] });
    expect(malformed.status).toBe(400);
    expect(malformed.body.scimType).toBe("invalidSyntax");
    // A body nested deeper than the JSON bound is refused before it is parsed, in SCIM's shape.
    let deep: unknown = "x";
    for (let level = 0; level < 1000; level += 1) deep = [deep];
    const tooDeep = await scim("PATCH", `/Users/${twinId}`, { Operations: deep });
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.type).toContain(scimJson);
    expect(tooDeep.body.detail).toContain("levels deep");

    const { tenancy } = platform.server.platform;
    const { organization: other } = await tenancy.createOrganization("Elsewhere", "test");
    const theirs = (await adminOperations(platform.server.platform, "test").createScimToken({
      organization: other.id,
    })) as { token: string };
    expect((await scim("GET", `/Users/${twinId}`, undefined, theirs.token)).status).toBe(404);
    expect(
      (
        await scim(
          "PATCH",
          `/Users/${twinId}`,
          { Operations: [{ op: "replace", value: { active: false } }] },
          theirs.token,
        )
      ).status,
    ).toBe(404);
    expect((await scim("DELETE", `/Users/${twinId}`, undefined, theirs.token)).status).toBe(404);
    expect((await scim("GET", "/Users", undefined, theirs.token)).body.totalResults).toBe(0);
    const group = await scim(
      "POST",
      "/Groups",
      { displayName: "Theirs", members: [{ value: twinId }] },
      theirs.token,
    );
    expect(group.status).toBe(400);
    expect((await scim("GET", `/Users/${twinId}`)).body.active).toBe(true);

    const [listed] = await platform.server.platform.identity.scimTokens.list(other.id);
    await adminOperations(platform.server.platform, "test").revokeScimToken({
      organization: other.id,
      id: listed!.id,
    });
    expect((await scim("GET", "/Users", undefined, theirs.token)).status).toBe(401);
  });
});
