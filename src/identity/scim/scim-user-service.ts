// SCIM Users of one organisation, mapped onto Custodian's users: userName is the email, externalId
// the IdP's own id, active the user's status. Deactivating or deleting a user ends its sessions and
// disables its personal API keys at once; a new userName ends its sessions. An owner's userName,
// emails and status are not SCIM's to change, nor is an owner SCIM's to delete (CTL-1, CTL-4). Every
// query is scoped by organisation here.
import { randomToken } from "../../core/ids.ts";
import type { AuditLog } from "../../audit/audit-log.ts";
import type { Db } from "../../db/database.ts";
import type { ApiKeyService } from "../api-key-service.ts";
import type { IdentityErasure } from "../identity-erasure.ts";
import type { SessionService } from "../session-service.ts";
import { memberRole, normalizeEmail, ownerRole, type UserService } from "../user-service.ts";
import { scimErrors } from "./scim-errors.ts";
import { parseScimFilter } from "./scim-filter.ts";
import { readScimPage, type ScimPage } from "./scim-paging.ts";
import { readBoolean, readPatchOperations, readText } from "./scim-patch.ts";
import "../identity-tables.ts";
import "./scim-tables.ts";

export const scimProvider = "scim";

export interface ScimUser {
  id: string;
  userName: string;
  displayName: string;
  externalId: string | null;
  active: boolean;
  created: Date;
  lastModified: Date;
}

/** The writable attributes, as one IdP request leaves them. */
interface UserDraft {
  email: string;
  displayName: string;
  externalId: string | null;
  active: boolean;
}

export const userFilterAttributes = ["username", "externalid", "displayname", "emails.value", "id"] as const;

function primaryEmail(emails: unknown): string | undefined {
  if (!Array.isArray(emails)) return undefined;
  const list = emails as Array<{ value?: unknown; primary?: unknown }>;
  const chosen = list.find((email) => email?.primary === true) ?? list[0];
  return typeof chosen?.value === "string" ? chosen.value : undefined;
}

function email(value: string, attribute: string): string {
  try {
    return normalizeEmail(value);
  } catch {
    throw scimErrors.invalidValue(`'${attribute}' must be an email address.`);
  }
}

/** A display name from the parts IdPs send: displayName, name.formatted, or given and family names. */
function displayNameOf(resource: Record<string, unknown>, fallback: string): string {
  const name = (resource.name ?? {}) as Record<string, unknown>;
  const candidates = [
    resource.displayName,
    name.formatted,
    [name.givenName, name.familyName].filter((part) => typeof part === "string" && part).join(" "),
  ];
  const found = candidates.find((candidate) => typeof candidate === "string" && candidate.trim() !== "");
  return (typeof found === "string" ? found : fallback).trim().slice(0, 200);
}

/** Erases what another domain keeps of a user (their conversations, say) when the user is deleted. */
export type UserDeletionHook = (organizationId: string, userId: string, actor: string) => Promise<void>;

export class ScimUserService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #users: UserService;
  readonly #sessions: SessionService;
  readonly #apiKeys: ApiKeyService;
  readonly #onUserDeleted: readonly UserDeletionHook[];
  readonly #erasure: IdentityErasure | null;

  constructor(dependencies: {
    db: Db;
    audit: AuditLog;
    users: UserService;
    sessions: SessionService;
    apiKeys: ApiKeyService;
    onUserDeleted?: readonly UserDeletionHook[];
    /** Told once a user's rows are deleted, so the old bytes are rewritten away too. */
    erasure?: IdentityErasure;
  }) {
    this.#onUserDeleted = dependencies.onUserDeleted ?? [];
    this.#erasure = dependencies.erasure ?? null;
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#users = dependencies.users;
    this.#sessions = dependencies.sessions;
    this.#apiKeys = dependencies.apiKeys;
  }

  #query(organizationId: string) {
    return this.#db
      .selectFrom("users")
      .leftJoin("user_external_ids", (join) =>
        join
          .onRef("user_external_ids.user_id", "=", "users.id")
          .onRef("user_external_ids.organization_id", "=", "users.organization_id")
          .on("user_external_ids.provider", "=", scimProvider),
      )
      .select([
        "users.id",
        "users.email",
        "users.display_name",
        "users.status",
        "users.created_at",
        "users.updated_at",
        "user_external_ids.external_id",
      ])
      .where("users.organization_id", "=", organizationId);
  }

  async get(organizationId: string, userId: string): Promise<ScimUser> {
    const row = await this.#query(organizationId).where("users.id", "=", userId).executeTakeFirst();
    if (!row) throw scimErrors.notFound("User", userId);
    return {
      id: row.id,
      userName: row.email,
      displayName: row.display_name,
      externalId: row.external_id,
      active: row.status === "active",
      created: row.created_at,
      lastModified: row.updated_at,
    };
  }

  async list(
    organizationId: string,
    options: { filter?: string; startIndex?: number; count?: number },
  ): Promise<ScimPage<ScimUser>> {
    const filter = parseScimFilter(options.filter, userFilterAttributes);
    let query = this.#query(organizationId);
    if (filter) {
      if (filter.attribute === "username" || filter.attribute === "emails.value") {
        query = query.where("users.email", "=", filter.value.trim().toLowerCase());
      } else if (filter.attribute === "externalid") {
        query = query.where("user_external_ids.external_id", "=", filter.value);
      } else if (filter.attribute === "displayname") {
        query = query.where("users.display_name", "=", filter.value);
      } else query = query.where("users.id", "=", filter.value);
    }
    const page = await readScimPage(
      query,
      (rows) => rows.orderBy("users.created_at").orderBy("users.id"),
      options,
    );
    return {
      ...page,
      resources: page.resources.map((row) => ({
        id: row.id,
        userName: row.email,
        displayName: row.display_name,
        externalId: row.external_id,
        active: row.status === "active",
        created: row.created_at,
        lastModified: row.updated_at,
      })),
    };
  }

  #draft(resource: Record<string, unknown>): UserDraft {
    const userName = typeof resource.userName === "string" ? resource.userName : undefined;
    const address = userName?.includes("@") ? userName : (primaryEmail(resource.emails) ?? userName);
    if (!address) throw scimErrors.invalidValue("'userName' is required.");
    const normalized = email(readText(address, "userName"), "userName");
    return {
      email: normalized,
      displayName: displayNameOf(resource, normalized),
      externalId:
        resource.externalId === undefined || resource.externalId === null
          ? null
          : readText(resource.externalId, "externalId", 1000),
      active: resource.active === undefined ? true : readBoolean(resource.active, "active"),
    };
  }

  async create(organizationId: string, resource: Record<string, unknown>, actor: string): Promise<ScimUser> {
    const draft = this.#draft(resource);
    const taken = await this.#query(organizationId).where("users.email", "=", draft.email).executeTakeFirst();
    if (taken) throw scimErrors.uniqueness("A user with this userName already exists.");
    const workspace = await this.#users.defaultWorkspace(organizationId);
    const id = `user_${randomToken(24)}`;
    await this.#db.transaction().execute(async (transaction) => {
      await transaction
        .insertInto("users")
        .values({
          id,
          organization_id: organizationId,
          email: draft.email,
          display_name: draft.displayName,
          status: draft.active ? "active" : "disabled",
          password_hash: null,
        })
        .execute();
      if (draft.externalId !== null) {
        await transaction
          .insertInto("user_external_ids")
          .values({
            organization_id: organizationId,
            provider: scimProvider,
            external_id: draft.externalId,
            user_id: id,
          })
          .execute();
      }
      await transaction
        .insertInto("memberships")
        .values({
          workspace_id: workspace.id,
          user_id: id,
          organization_id: organizationId,
          role: memberRole,
        })
        .execute();
    });
    await this.#audit.append({
      actor,
      action: "user.provisioned",
      target: id,
      organizationId,
      metadata: { source: scimProvider, role: memberRole, workspace: workspace.id, active: draft.active },
    });
    return this.get(organizationId, id);
  }

  /** PUT: the resource as sent replaces the writable attributes. */
  async replace(
    organizationId: string,
    userId: string,
    resource: Record<string, unknown>,
    actor: string,
  ): Promise<ScimUser> {
    const current = await this.get(organizationId, userId);
    return this.#apply(organizationId, current, this.#draft(resource), actor);
  }

  async patch(organizationId: string, userId: string, body: unknown, actor: string): Promise<ScimUser> {
    const current = await this.get(organizationId, userId);
    const draft: UserDraft = {
      email: current.userName,
      displayName: current.displayName,
      externalId: current.externalId,
      active: current.active,
    };
    for (const operation of readPatchOperations(body)) {
      const { path, value } = operation;
      const removing = operation.op === "remove";
      if (path === "active") draft.active = removing ? false : readBoolean(value, "active");
      else if (path === "username") draft.email = email(readText(value, "userName"), "userName");
      else if (path === "externalid")
        draft.externalId = removing ? null : readText(value, "externalId", 1000);
      else if (path === "displayname" || path === "name.formatted") {
        if (!removing) draft.displayName = readText(value, "displayName", 200).trim() || draft.email;
      } else if (path === "emails" && !removing) {
        const address = primaryEmail(Array.isArray(value) ? value : [value]);
        if (address) draft.email = email(address, "emails");
      } else if (/^emails\[.*\]\.value$/.test(path) && !removing) {
        draft.email = email(readText(value, "emails.value"), "emails");
      } else if (path === "members" || path === "id") {
        throw scimErrors.invalidPath(path);
      }
      // Other attributes (title, phone numbers, the enterprise extension) are accepted and not kept:
      // Entra ID sends them with every change, and refusing them would stop provisioning.
    }
    return this.#apply(organizationId, current, draft, actor);
  }

  async #apply(
    organizationId: string,
    current: ScimUser,
    draft: UserDraft,
    actor: string,
  ): Promise<ScimUser> {
    if (draft.email !== current.userName || draft.active !== current.active)
      await this.#refuseOwner(organizationId, current.id);
    if (draft.email !== current.userName) {
      const taken = await this.#query(organizationId)
        .where("users.email", "=", draft.email)
        .executeTakeFirst();
      if (taken) throw scimErrors.uniqueness("A user with this userName already exists.");
    }
    await this.#db.transaction().execute(async (transaction) => {
      await transaction
        .updateTable("users")
        .set({ email: draft.email, display_name: draft.displayName, updated_at: new Date() })
        .where("organization_id", "=", organizationId)
        .where("id", "=", current.id)
        .execute();
      if (draft.externalId !== current.externalId) {
        await transaction
          .deleteFrom("user_external_ids")
          .where("organization_id", "=", organizationId)
          .where("provider", "=", scimProvider)
          .where("user_id", "=", current.id)
          .execute();
        if (draft.externalId !== null) {
          await transaction
            .insertInto("user_external_ids")
            .values({
              organization_id: organizationId,
              provider: scimProvider,
              external_id: draft.externalId,
              user_id: current.id,
            })
            .execute();
        }
      }
    });
    const changed = [
      draft.email !== current.userName ? "userName" : null,
      draft.displayName !== current.displayName ? "displayName" : null,
      draft.externalId !== current.externalId ? "externalId" : null,
    ].filter((name) => name !== null);
    if (changed.length > 0) {
      await this.#audit.append({
        actor,
        action: "user.updated",
        target: current.id,
        organizationId,
        metadata: { source: scimProvider, attributes: changed.join(",") },
      });
    }
    if (draft.active !== current.active) {
      if (draft.active) await this.#users.setStatus(organizationId, current.id, "active", actor);
      else await this.#deactivate(organizationId, current.id, actor);
    }
    // Whoever signed in as the old address does not stay signed in as the new one.
    if (draft.email !== current.userName)
      await this.#sessions.revokeAllForUser(organizationId, current.id, actor);
    return this.get(organizationId, current.id);
  }

  async #refuseOwner(organizationId: string, userId: string): Promise<void> {
    if ((await this.#users.rolesOf(organizationId, userId)).includes(ownerRole))
      throw scimErrors.ownerProtected();
  }

  /** Disabled at once: the status stops every session at its next request, and both are revoked too. */
  async #deactivate(organizationId: string, userId: string, actor: string): Promise<void> {
    await this.#users.setStatus(organizationId, userId, "disabled", actor);
    await this.#sessions.revokeAllForUser(organizationId, userId, actor);
    await this.#apiKeys.revokeAllForUser(organizationId, userId, actor);
  }

  async delete(organizationId: string, userId: string, actor: string): Promise<void> {
    const current = await this.get(organizationId, userId);
    await this.#refuseOwner(organizationId, userId);
    if (current.active) await this.#deactivate(organizationId, userId, actor);
    else {
      await this.#sessions.revokeAllForUser(organizationId, userId, actor);
      await this.#apiKeys.revokeAllForUser(organizationId, userId, actor);
    }
    for (const erase of this.#onUserDeleted) await erase(organizationId, userId, actor);
    // Keys keep their revocation; their owner column empties with the row.
    await this.#db
      .deleteFrom("users")
      .where("organization_id", "=", organizationId)
      .where("id", "=", userId)
      .execute();
    this.#erasure?.deleted();
    await this.#audit.append({
      actor,
      action: "user.deleted",
      target: userId,
      organizationId,
      metadata: { source: scimProvider },
    });
  }
}
