// Users of an organisation, its workspaces and memberships: the local bootstrap owner and SSO users
// provisioned just in time. Every query is scoped by organisation here.
import { randomToken } from "../core/ids.ts";
import { errors } from "../core/errors.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import { ssoProviders, SsoLinkRefused } from "./identity-errors.ts";
import type { UserStatus } from "./identity-tables.ts";
import { decoyPasswordHash, hashPassword, verifyPassword } from "./password-hash.ts";

export interface User {
  id: string;
  organizationId: string;
  email: string;
  displayName: string;
  status: UserStatus;
  hasPassword: boolean;
}

export interface Workspace {
  id: string;
  organizationId: string;
  name: string;
}

/** The roles this domain hands out itself; the access domain defines what they may do. */
export const ownerRole = "owner";
export const memberRole = "member";

const maxText = 320;

export function normalizeEmail(email: string): string {
  const trimmed = email.trim().toLowerCase();
  if (trimmed.length < 3 || trimmed.length > maxText || !/^[^\s@]+@[^\s@]+$/.test(trimmed)) {
    throw errors.invalidRequest("'email' must be an email address.", "email");
  }
  return trimmed;
}

function cleanName(name: string | undefined, fallback: string): string {
  const trimmed = (name ?? "").trim().slice(0, 200);
  return trimmed.length > 0 ? trimmed : fallback;
}

type UserRow = {
  id: string;
  organization_id: string;
  email: string;
  display_name: string;
  status: UserStatus;
  password_hash: string | null;
};

function toUser(row: UserRow): User {
  return {
    id: row.id,
    organizationId: row.organization_id,
    email: row.email,
    displayName: row.display_name,
    status: row.status,
    hasPassword: row.password_hash !== null,
  };
}

export class UserService {
  readonly #db: Db;
  readonly #audit: AuditLog;

  constructor(dependencies: { db: Db; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
  }

  #users(organizationId: string) {
    return this.#db
      .selectFrom("users")
      .select(["id", "organization_id", "email", "display_name", "status", "password_hash"])
      .where("organization_id", "=", organizationId);
  }

  /** The organisation's default workspace, made on first use (safe when two nodes race). */
  async defaultWorkspace(organizationId: string): Promise<Workspace> {
    const find = () =>
      this.#db
        .selectFrom("workspaces")
        .select(["id", "organization_id", "name"])
        .where("organization_id", "=", organizationId)
        .where("is_default", "=", true)
        .executeTakeFirst();
    let row = await find();
    if (!row) {
      await this.#db
        .insertInto("workspaces")
        .values({
          id: `ws_${randomToken(24)}`,
          organization_id: organizationId,
          name: "Default workspace",
          is_default: true,
        })
        .onConflict((conflict) => conflict.doNothing())
        .execute();
      row = await find();
    }
    if (!row) throw errors.notFound("default workspace of organization", organizationId);
    return { id: row.id, organizationId: row.organization_id, name: row.name };
  }

  async get(organizationId: string, userId: string): Promise<User> {
    const row = await this.#users(organizationId).where("id", "=", userId).executeTakeFirst();
    if (!row) throw errors.notFound("user", userId);
    return toUser(row);
  }

  async roleIn(organizationId: string, workspaceId: string, userId: string): Promise<string | null> {
    const row = await this.#db
      .selectFrom("memberships")
      .select("role")
      .where("organization_id", "=", organizationId)
      .where("workspace_id", "=", workspaceId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row?.role ?? null;
  }

  /** The organisation's workspace with this id; one of another organisation is "not found". */
  async getWorkspace(organizationId: string, workspaceId: string): Promise<Workspace> {
    const row = await this.#db
      .selectFrom("workspaces")
      .select(["id", "organization_id", "name"])
      .where("organization_id", "=", organizationId)
      .where("id", "=", workspaceId)
      .executeTakeFirst();
    if (!row) throw errors.notFound("workspace", workspaceId);
    return { id: row.id, organizationId: row.organization_id, name: row.name };
  }

  async listWorkspaces(organizationId: string): Promise<Workspace[]> {
    const rows = await this.#db
      .selectFrom("workspaces")
      .select(["id", "organization_id", "name"])
      .where("organization_id", "=", organizationId)
      .orderBy("created_at")
      .execute();
    return rows.map((row) => ({ id: row.id, organizationId: row.organization_id, name: row.name }));
  }

  /** The user's roles across the organisation's workspaces. */
  async rolesOf(organizationId: string, userId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom("memberships")
      .select("role")
      .where("organization_id", "=", organizationId)
      .where("user_id", "=", userId)
      .execute();
    return rows.map((row) => row.role);
  }

  /** Every member of a workspace with their role, for the admin console. */
  async listMembers(
    organizationId: string,
    workspaceId: string,
  ): Promise<Array<User & { role: string; workspaceId: string }>> {
    const rows = await this.#db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .select([
        "users.id",
        "users.organization_id",
        "users.email",
        "users.display_name",
        "users.status",
        "users.password_hash",
        "memberships.role",
        "memberships.workspace_id",
      ])
      .where("memberships.organization_id", "=", organizationId)
      .where("users.organization_id", "=", organizationId)
      .where("memberships.workspace_id", "=", workspaceId)
      .orderBy("users.email")
      .execute();
    return rows.map((row) => ({ ...toUser(row), role: row.role, workspaceId: row.workspace_id }));
  }

  /** How many memberships of the organisation carry this role. */
  async countRole(organizationId: string, role: string): Promise<number> {
    const row = await this.#db
      .selectFrom("memberships")
      .select((builder) => builder.fn.countAll<string>().as("count"))
      .where("organization_id", "=", organizationId)
      .where("role", "=", role)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Give a member of a workspace another role; the caller has checked that the role exists. */
  async setRole(input: {
    organizationId: string;
    workspaceId: string;
    userId: string;
    role: string;
    actor: string;
  }): Promise<{ previous: string }> {
    const previous = await this.roleIn(input.organizationId, input.workspaceId, input.userId);
    if (previous === null) throw errors.notFound("member", input.userId);
    await this.#db
      .updateTable("memberships")
      .set({ role: input.role })
      .where("organization_id", "=", input.organizationId)
      .where("workspace_id", "=", input.workspaceId)
      .where("user_id", "=", input.userId)
      .execute();
    await this.#audit.append({
      actor: input.actor,
      action: "member.role_changed",
      target: input.userId,
      organizationId: input.organizationId,
      metadata: { workspace: input.workspaceId, from: previous, to: input.role },
    });
    return { previous };
  }

  /** The local bootstrap owner: a password account with the owner role in the default workspace. */
  async createLocalOwner(input: {
    organizationId: string;
    email: string;
    displayName?: string;
    password: string;
    actor: string;
  }): Promise<User> {
    if (input.password.length < 12 || input.password.length > 1024) {
      throw errors.invalidRequest("'password' must be 12 to 1024 characters.", "password");
    }
    const email = normalizeEmail(input.email);
    const workspace = await this.defaultWorkspace(input.organizationId);
    const row = {
      id: `user_${randomToken(24)}`,
      organization_id: input.organizationId,
      email,
      display_name: cleanName(input.displayName, email),
      password_hash: await hashPassword(input.password),
    };
    await this.#db.transaction().execute(async (transaction) => {
      await transaction.insertInto("users").values(row).execute();
      await transaction
        .insertInto("memberships")
        .values({
          workspace_id: workspace.id,
          user_id: row.id,
          organization_id: input.organizationId,
          role: ownerRole,
        })
        .execute();
    });
    await this.#audit.append({
      actor: input.actor,
      action: "user.created",
      target: row.id,
      organizationId: input.organizationId,
      metadata: { source: "local", role: ownerRole, workspace: workspace.id },
    });
    return toUser({ ...row, status: "active" });
  }

  /** The active user with this email and password, or null; as slow for unknown emails as for known ones. */
  async checkPassword(organizationId: string, email: string, password: string): Promise<User | null> {
    let normalized: string;
    try {
      normalized = normalizeEmail(email);
    } catch {
      await verifyPassword(password, decoyPasswordHash);
      return null;
    }
    const row = await this.#users(organizationId).where("email", "=", normalized).executeTakeFirst();
    const matches = await verifyPassword(password, row?.password_hash ?? decoyPasswordHash);
    if (!row || !matches || row.password_hash === null || row.status !== "active") return null;
    return toUser(row);
  }

  /** Remove every local password in the organisation: from now on its users sign in through SSO only. */
  async disablePasswords(organizationId: string, actor: string): Promise<string[]> {
    const rows = await this.#db
      .updateTable("users")
      .set({ password_hash: null, updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("password_hash", "is not", null)
      .returning("id")
      .execute();
    for (const row of rows) {
      await this.#audit.append({ actor, action: "user.password_disabled", target: row.id, organizationId });
    }
    return rows.map((row) => row.id);
  }

  async setStatus(organizationId: string, userId: string, status: UserStatus, actor: string): Promise<void> {
    const result = await this.#db
      .updateTable("users")
      .set({ status, updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", userId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw errors.notFound("user", userId);
    await this.#audit.append({
      actor,
      action: `user.${status === "active" ? "enabled" : "disabled"}`,
      target: userId,
      organizationId,
    });
  }

  /**
   * The user an SSO identity stands for, made on first sign-in (member of the default workspace). An
   * identity stays bound to its (provider, subject) and never moves by email (CTL-1, CTL-4): an unseen
   * identity is linked by email only to a user who has no password and no other sign-in identity (one
   * provisioned by SCIM, say); any other user with that email is reached only by an admin's link.
   */
  async provisionFromSso(input: {
    organizationId: string;
    provider: string;
    externalId: string;
    email: string;
    displayName?: string;
  }): Promise<{ user: User; created: boolean }> {
    const email = normalizeEmail(input.email);
    const linked = await this.#db
      .selectFrom("user_external_ids")
      .select("user_id")
      .where("organization_id", "=", input.organizationId)
      .where("provider", "=", input.provider)
      .where("external_id", "=", input.externalId)
      .executeTakeFirst();
    const existing = linked
      ? await this.#users(input.organizationId).where("id", "=", linked.user_id).executeTakeFirst()
      : await this.#users(input.organizationId).where("email", "=", email).executeTakeFirst();
    if (existing) {
      if (!linked) {
        const otherIdentity = await this.#db
          .selectFrom("user_external_ids")
          .select("provider")
          .where("organization_id", "=", input.organizationId)
          .where("user_id", "=", existing.id)
          .where("provider", "in", ssoProviders)
          .executeTakeFirst();
        if (existing.password_hash !== null || otherIdentity) throw new SsoLinkRefused();
        await this.#db
          .insertInto("user_external_ids")
          .values({
            organization_id: input.organizationId,
            provider: input.provider,
            external_id: input.externalId,
            user_id: existing.id,
          })
          .onConflict((conflict) => conflict.doNothing())
          .execute();
      }
      return { user: toUser(existing), created: false };
    }
    const workspace = await this.defaultWorkspace(input.organizationId);
    const row = {
      id: `user_${randomToken(24)}`,
      organization_id: input.organizationId,
      email,
      display_name: cleanName(input.displayName, email),
      password_hash: null,
    };
    await this.#db.transaction().execute(async (transaction) => {
      await transaction.insertInto("users").values(row).execute();
      await transaction
        .insertInto("user_external_ids")
        .values({
          organization_id: input.organizationId,
          provider: input.provider,
          external_id: input.externalId,
          user_id: row.id,
        })
        .execute();
      await transaction
        .insertInto("memberships")
        .values({
          workspace_id: workspace.id,
          user_id: row.id,
          organization_id: input.organizationId,
          role: memberRole,
        })
        .execute();
    });
    await this.#audit.append({
      actor: "system",
      action: "user.provisioned",
      target: row.id,
      organizationId: input.organizationId,
      metadata: { source: input.provider, role: memberRole, workspace: workspace.id },
    });
    return { user: toUser({ ...row, status: "active" }), created: true };
  }
}
