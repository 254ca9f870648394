// Roles and feature switches against a real database: permissions add up across a member's roles,
// custom roles grant only what they name, and switches from the workspace and the member's groups
// combine so the most restrictive wins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { Keyring } from "../crypto/keyring.ts";
import { UserService } from "../identity/user-service.ts";
import { TenancyService } from "../tenancy/tenancy-service.ts";
import { createAccessModule, type AccessModule } from "./access-module.ts";
import { randomBytes } from "node:crypto";

describe("access module", () => {
  let database: TestDatabase;
  let access: AccessModule;
  let users: UserService;
  let organizationId: string;
  let workspaceId: string;
  let userId: string;
  /** An owner who stays one, to make and edit custom roles (no one grants what they do not hold). */
  let ownerId: string;
  const groups = new Map<string, string[]>();

  beforeAll(async () => {
    database = await testDatabase();
    const { db } = database;
    const keyring = new Keyring(db, randomBytes(32));
    const audit = new AuditLog(db, keyring, { checkpointEvery: 1000 });
    users = new UserService({ db, audit });
    organizationId = (await new TenancyService({ db, keyring, audit }).createOrganization("Access", "test"))
      .organization.id;
    workspaceId = (await users.defaultWorkspace(organizationId)).id;
    userId = (
      await users.createLocalOwner({
        organizationId,
        email: "someone@example.com",
        password: "correct horse battery staple",
        actor: "test",
      })
    ).id;
    ownerId = (
      await users.createLocalOwner({
        organizationId,
        email: "owner@example.com",
        password: "correct horse battery staple",
        actor: "test",
      })
    ).id;
    access = createAccessModule({
      db,
      audit,
      users,
      groupsOf: async (_organization, user) => groups.get(user) ?? [],
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  it("[CTL-2] built-in roles: owners manage but never review flagged records; members only chat", async () => {
    const owner = await access.roles.permissionsOf(organizationId, userId);
    expect(owner.has("members.write")).toBe(true);
    expect(owner.has("organization.export")).toBe(true);
    expect(owner.has("review.read")).toBe(false);
    await users.setRole({ organizationId, workspaceId, userId, role: "member", actor: "test" });
    expect([...(await access.roles.permissionsOf(organizationId, userId))]).toEqual(["conversations.use"]);
    await expect(access.requirePermission(organizationId, userId, "audit.read")).rejects.toMatchObject({
      status: 403,
      code: "permission_denied",
    });
  });

  it("[CTL-2] a custom role grants exactly the permissions it names", async () => {
    await access.roles.create({
      organizationId,
      name: "auditing",
      permissions: ["audit.read"],
      actor: ownerId,
    });
    await expect(
      access.roles.create({ organizationId, name: "admin", permissions: [], actor: ownerId }),
    ).rejects.toMatchObject({ status: 400 });
    await users.setRole({ organizationId, workspaceId, userId, role: "auditing", actor: "test" });
    expect(await access.allowed(organizationId, userId, "audit.read")).toBe(true);
    expect(await access.allowed(organizationId, userId, "audit.verify")).toBe(false);
    await access.roles.update({
      organizationId,
      name: "auditing",
      permissions: ["audit.verify"],
      actor: ownerId,
    });
    expect(await access.allowed(organizationId, userId, "audit.read")).toBe(false);
    expect(await access.allowed(organizationId, userId, "audit.verify")).toBe(true);
  });

  it("[CTL-2] switches from the workspace and the member's groups combine: any 'off' wins, allow-lists intersect", async () => {
    const member = { organizationId, workspaceId, userId };
    expect((await access.models.allowedFor(member))("any-model")).toBe(true);
    await access.switches.set({
      organizationId,
      scope: "workspace",
      scopeId: workspaceId,
      feature: "models",
      enabled: true,
      models: ["a", "b"],
      actor: "test",
    });
    await access.switches.set({
      organizationId,
      scope: "group",
      scopeId: "group-1",
      feature: "models",
      enabled: true,
      models: ["b", "c"],
      actor: "test",
    });
    await access.switches.set({
      organizationId,
      scope: "group",
      scopeId: "group-1",
      feature: "export",
      enabled: false,
      actor: "test",
    });
    // Not in the group yet: the workspace's list alone applies.
    expect((await access.models.allowedFor(member))("a")).toBe(true);
    await access.requireFeature(member, "export");
    groups.set(userId, ["group-1"]);
    const allowed = await access.models.allowedFor(member);
    expect(["a", "b", "c"].filter(allowed)).toEqual(["b"]);
    await expect(access.models.gate(member, "a")).rejects.toMatchObject({
      status: 403,
      code: "model_not_allowed",
    });
    await expect(access.requireFeature(member, "export")).rejects.toMatchObject({ code: "feature_disabled" });
    await expect(
      access.switches.set({
        organizationId,
        scope: "workspace",
        scopeId: workspaceId,
        feature: "teleport",
        enabled: true,
        actor: "test",
      }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
