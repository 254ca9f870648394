// SCIM Groups of one organisation and their members (the `groups` and `group_members` tables, to
// which the access domain attaches roles and feature switches). Membership changes are audited one
// by one; every query is scoped by organisation here.
import { randomToken } from "../../core/ids.ts";
import type { AuditLog } from "../../audit/audit-log.ts";
import type { Db } from "../../db/database.ts";
import { scimErrors } from "./scim-errors.ts";
import { parseScimFilter } from "./scim-filter.ts";
import { readScimPage, type ScimPage } from "./scim-paging.ts";
import { readMemberIds, readPatchOperations, readText } from "./scim-patch.ts";
import "../identity-tables.ts";
import "./scim-tables.ts";

export interface ScimGroupMember {
  id: string;
  display: string;
}

export interface ScimGroup {
  id: string;
  displayName: string;
  externalId: string | null;
  /** Null when the caller asked to leave members out. */
  members: ScimGroupMember[] | null;
  created: Date;
  lastModified: Date;
}

export const groupFilterAttributes = ["displayname", "externalid", "id"] as const;

interface GroupDraft {
  displayName: string;
  externalId: string | null;
}

export class ScimGroupService {
  readonly #db: Db;
  readonly #audit: AuditLog;

  constructor(dependencies: { db: Db; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
  }

  #groups(organizationId: string) {
    return this.#db
      .selectFrom("groups")
      .select(["id", "display_name", "external_id", "created_at", "updated_at"])
      .where("organization_id", "=", organizationId);
  }

  async #members(organizationId: string, groupIds: string[]): Promise<Map<string, ScimGroupMember[]>> {
    const members = new Map<string, ScimGroupMember[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return members;
    const rows = await this.#db
      .selectFrom("group_members")
      .innerJoin("users", "users.id", "group_members.user_id")
      .select(["group_members.group_id", "users.id", "users.email"])
      .where("group_members.organization_id", "=", organizationId)
      .where("users.organization_id", "=", organizationId)
      .where("group_members.group_id", "in", groupIds)
      .orderBy("group_members.created_at")
      .execute();
    for (const row of rows) members.get(row.group_id)?.push({ id: row.id, display: row.email });
    return members;
  }

  async get(organizationId: string, groupId: string, withMembers = true): Promise<ScimGroup> {
    const row = await this.#groups(organizationId).where("id", "=", groupId).executeTakeFirst();
    if (!row) throw scimErrors.notFound("Group", groupId);
    const members = withMembers ? ((await this.#members(organizationId, [row.id])).get(row.id) ?? []) : null;
    return {
      id: row.id,
      displayName: row.display_name,
      externalId: row.external_id,
      members,
      created: row.created_at,
      lastModified: row.updated_at,
    };
  }

  async list(
    organizationId: string,
    options: { filter?: string; startIndex?: number; count?: number; withMembers?: boolean },
  ): Promise<ScimPage<ScimGroup>> {
    const filter = parseScimFilter(options.filter, groupFilterAttributes);
    let query = this.#groups(organizationId);
    if (filter?.attribute === "displayname") query = query.where("display_name", "=", filter.value);
    else if (filter?.attribute === "externalid") query = query.where("external_id", "=", filter.value);
    else if (filter?.attribute === "id") query = query.where("id", "=", filter.value);
    const page = await readScimPage(query, (rows) => rows.orderBy("created_at").orderBy("id"), options);
    const rows = page.resources;
    const members =
      options.withMembers === false
        ? null
        : await this.#members(
            organizationId,
            rows.map((row) => row.id),
          );
    return {
      ...page,
      resources: rows.map((row) => ({
        id: row.id,
        displayName: row.display_name,
        externalId: row.external_id,
        members: members ? (members.get(row.id) ?? []) : null,
        created: row.created_at,
        lastModified: row.updated_at,
      })),
    };
  }

  #draft(resource: Record<string, unknown>): GroupDraft {
    const displayName = readText(resource.displayName, "displayName", 200).trim();
    if (displayName === "") throw scimErrors.invalidValue("'displayName' is required.");
    return {
      displayName,
      externalId:
        resource.externalId === undefined || resource.externalId === null
          ? null
          : readText(resource.externalId, "externalId", 1000),
    };
  }

  async #checkName(organizationId: string, displayName: string, except: string | null): Promise<void> {
    let query = this.#groups(organizationId).where("display_name", "=", displayName);
    if (except) query = query.where("id", "<>", except);
    if (await query.executeTakeFirst())
      throw scimErrors.uniqueness("A group with this displayName already exists.");
  }

  /** Only users of this organisation can be members: an id from elsewhere is refused as unknown. */
  async #checkUsers(organizationId: string, userIds: string[]): Promise<void> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return;
    const found = await this.#db
      .selectFrom("users")
      .select("id")
      .where("organization_id", "=", organizationId)
      .where("id", "in", unique)
      .execute();
    if (found.length !== unique.length)
      throw scimErrors.invalidValue("A member names no user of this organization.");
  }

  async create(organizationId: string, resource: Record<string, unknown>, actor: string): Promise<ScimGroup> {
    const draft = this.#draft(resource);
    await this.#checkName(organizationId, draft.displayName, null);
    const memberIds = readMemberIds(resource.members);
    await this.#checkUsers(organizationId, memberIds);
    const id = `grp_${randomToken(24)}`;
    await this.#db
      .insertInto("groups")
      .values({
        id,
        organization_id: organizationId,
        display_name: draft.displayName,
        external_id: draft.externalId,
      })
      .execute();
    await this.#audit.append({ actor, action: "group.created", target: id, organizationId });
    await this.#addMembers(organizationId, id, memberIds, actor);
    return this.get(organizationId, id);
  }

  async replace(
    organizationId: string,
    groupId: string,
    resource: Record<string, unknown>,
    actor: string,
  ): Promise<ScimGroup> {
    const current = await this.get(organizationId, groupId);
    const draft = this.#draft(resource);
    const memberIds = readMemberIds(resource.members);
    await this.#checkUsers(organizationId, memberIds);
    await this.#update(organizationId, current, draft, actor);
    const wanted = new Set(memberIds);
    const present = new Set((current.members ?? []).map((member) => member.id));
    await this.#removeMembers(
      organizationId,
      groupId,
      [...present].filter((id) => !wanted.has(id)),
      actor,
    );
    await this.#addMembers(
      organizationId,
      groupId,
      [...wanted].filter((id) => !present.has(id)),
      actor,
    );
    return this.get(organizationId, groupId);
  }

  async patch(organizationId: string, groupId: string, body: unknown, actor: string): Promise<ScimGroup> {
    const current = await this.get(organizationId, groupId);
    const draft: GroupDraft = { displayName: current.displayName, externalId: current.externalId };
    for (const operation of readPatchOperations(body)) {
      const { op, path, value } = operation;
      if (path === "members") {
        if (operation.selectedMember !== null) {
          if (op !== "remove") throw scimErrors.invalidPath("members[value eq ...]");
          await this.#removeMembers(organizationId, groupId, [operation.selectedMember], actor);
          continue;
        }
        const ids = readMemberIds(value);
        if (op === "remove") {
          // Without a value, remove means every member (RFC 7644 3.5.2.2).
          const targets = value === undefined ? await this.#memberIds(organizationId, groupId) : ids;
          await this.#removeMembers(organizationId, groupId, targets, actor);
          continue;
        }
        await this.#checkUsers(organizationId, ids);
        if (op === "replace") {
          const wanted = new Set(ids);
          const present = await this.#memberIds(organizationId, groupId);
          await this.#removeMembers(
            organizationId,
            groupId,
            present.filter((id) => !wanted.has(id)),
            actor,
          );
        }
        await this.#addMembers(organizationId, groupId, ids, actor);
      } else if (path === "displayname") {
        if (op === "remove") throw scimErrors.invalidValue("'displayName' is required.");
        draft.displayName = readText(value, "displayName", 200).trim();
        if (draft.displayName === "") throw scimErrors.invalidValue("'displayName' is required.");
      } else if (path === "externalid") {
        draft.externalId = op === "remove" ? null : readText(value, "externalId", 1000);
      } else if (path !== "id") {
        throw scimErrors.invalidPath(path);
      }
    }
    await this.#update(organizationId, current, draft, actor);
    return this.get(organizationId, groupId);
  }

  async #update(organizationId: string, current: ScimGroup, draft: GroupDraft, actor: string): Promise<void> {
    if (draft.displayName === current.displayName && draft.externalId === current.externalId) return;
    await this.#checkName(organizationId, draft.displayName, current.id);
    await this.#db
      .updateTable("groups")
      .set({ display_name: draft.displayName, external_id: draft.externalId, updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", current.id)
      .execute();
    await this.#audit.append({ actor, action: "group.updated", target: current.id, organizationId });
  }

  /** The ids of the groups a user belongs to, for group feature switches (the access domain's GroupLookup). */
  async groupsOf(organizationId: string, userId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom("group_members")
      .select("group_id")
      .where("organization_id", "=", organizationId)
      .where("user_id", "=", userId)
      .orderBy("group_id")
      .execute();
    return rows.map((row) => row.group_id);
  }

  async #memberIds(organizationId: string, groupId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom("group_members")
      .select("user_id")
      .where("organization_id", "=", organizationId)
      .where("group_id", "=", groupId)
      .execute();
    return rows.map((row) => row.user_id);
  }

  async #addMembers(
    organizationId: string,
    groupId: string,
    userIds: string[],
    actor: string,
  ): Promise<void> {
    for (const userId of new Set(userIds)) {
      const added = await this.#db
        .insertInto("group_members")
        .values({ group_id: groupId, user_id: userId, organization_id: organizationId })
        .onConflict((conflict) => conflict.columns(["group_id", "user_id"]).doNothing())
        .returning("user_id")
        .executeTakeFirst();
      if (added) {
        await this.#audit.append({
          actor,
          action: "group.member_added",
          target: groupId,
          organizationId,
          metadata: { user: userId },
        });
      }
    }
    await this.#touch(organizationId, groupId);
  }

  async #removeMembers(
    organizationId: string,
    groupId: string,
    userIds: string[],
    actor: string,
  ): Promise<void> {
    for (const userId of new Set(userIds)) {
      const removed = await this.#db
        .deleteFrom("group_members")
        .where("organization_id", "=", organizationId)
        .where("group_id", "=", groupId)
        .where("user_id", "=", userId)
        .returning("user_id")
        .executeTakeFirst();
      if (removed) {
        await this.#audit.append({
          actor,
          action: "group.member_removed",
          target: groupId,
          organizationId,
          metadata: { user: userId },
        });
      }
    }
    await this.#touch(organizationId, groupId);
  }

  async #touch(organizationId: string, groupId: string): Promise<void> {
    await this.#db
      .updateTable("groups")
      .set({ updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", groupId)
      .execute();
  }

  async delete(organizationId: string, groupId: string, actor: string): Promise<void> {
    const result = await this.#db
      .deleteFrom("groups")
      .where("organization_id", "=", organizationId)
      .where("id", "=", groupId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw scimErrors.notFound("Group", groupId);
    await this.#audit.append({ actor, action: "group.deleted", target: groupId, organizationId });
  }
}
