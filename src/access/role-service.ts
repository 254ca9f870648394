// Roles: the built-in ones and an organisation's custom roles made of named permissions; what a
// user may do is the union of the permissions of their roles. Every query is scoped by organisation here.
// CTL-4: no one grants what they do not hold, the owner's and reviewers' permissions are never in a
// custom role, and no one raises their own permissions (by a role they give themselves or edit).
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import type { UserService } from "../identity/user-service.ts";
import { accessErrors } from "./access-errors.ts";
import "./access-tables.ts";
import { builtinRoles, isBuiltinRole, reservedPermissions } from "./builtin-roles.ts";
import { isPermission, type Permission } from "./permissions.ts";

export interface Role {
  name: string;
  builtin: boolean;
  permissions: readonly Permission[];
}

const namePattern = /^[a-z][a-z0-9-]{1,39}$/;

function checkPermissions(permissions: readonly string[]): Permission[] {
  if (permissions.length > 100) throw accessErrors.invalid("Too many permissions.", "permissions");
  const checked = new Set<Permission>();
  for (const permission of permissions) {
    if (!isPermission(permission))
      throw accessErrors.invalid(`'${permission.slice(0, 60)}' is not a permission.`, "permissions");
    if (reservedPermissions.includes(permission))
      throw accessErrors.invalid(
        `'${permission}' belongs to the owner or the abuse reviewers and is never in a custom role.`,
        "permissions",
      );
    checked.add(permission);
  }
  return [...checked].sort();
}

function parsePermissions(json: string): Permission[] {
  const parsed = JSON.parse(json) as unknown;
  // Permissions dropped from the statement since the role was saved are simply no longer granted.
  return Array.isArray(parsed) ? parsed.filter((item): item is Permission => isPermission(String(item))) : [];
}

export class RoleService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #users: UserService;

  constructor(dependencies: { db: Db; audit: AuditLog; users: UserService }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#users = dependencies.users;
  }

  #custom(organizationId: string) {
    return this.#db
      .selectFrom("custom_roles")
      .select(["name", "permissions"])
      .where("organization_id", "=", organizationId);
  }

  async list(organizationId: string): Promise<Role[]> {
    const custom = await this.#custom(organizationId).orderBy("name").execute();
    return [
      ...Object.entries(builtinRoles).map(([name, permissions]) => ({ name, builtin: true, permissions })),
      ...custom.map((row) => ({
        name: row.name,
        builtin: false,
        permissions: parsePermissions(row.permissions),
      })),
    ];
  }

  /** The role with this name in the organisation; an unknown name (or another organisation's) is "not found". */
  async get(organizationId: string, name: string): Promise<Role> {
    if (isBuiltinRole(name)) return { name, builtin: true, permissions: builtinRoles[name] };
    const row = await this.#custom(organizationId).where("name", "=", name).executeTakeFirst();
    if (!row) throw accessErrors.roleNotFound(name);
    return { name: row.name, builtin: false, permissions: parsePermissions(row.permissions) };
  }

  async create(input: {
    organizationId: string;
    name: string;
    permissions: readonly string[];
    actor: string;
  }): Promise<Role> {
    if (!namePattern.test(input.name) || isBuiltinRole(input.name)) {
      throw accessErrors.invalid(
        "A role's name is 2 to 40 lower-case letters, digits or dashes, and not a built-in role's.",
        "name",
      );
    }
    const permissions = checkPermissions(input.permissions);
    await this.#checkHeld(input.organizationId, input.actor, permissions);
    const inserted = await this.#db
      .insertInto("custom_roles")
      .values({
        organization_id: input.organizationId,
        name: input.name,
        permissions: JSON.stringify(permissions),
      })
      .onConflict((conflict) => conflict.doNothing())
      .returning("name")
      .executeTakeFirst();
    if (!inserted) throw accessErrors.roleExists(input.name);
    await this.#audit.append({
      actor: input.actor,
      action: "role.created",
      target: input.name,
      organizationId: input.organizationId,
      metadata: { permissions: permissions.join(",").slice(0, 200) },
    });
    return { name: input.name, builtin: false, permissions };
  }

  async update(input: {
    organizationId: string;
    name: string;
    permissions: readonly string[];
    actor: string;
  }): Promise<Role> {
    if (isBuiltinRole(input.name)) throw accessErrors.invalid("Built-in roles cannot be changed.", "name");
    const permissions = checkPermissions(input.permissions);
    await this.get(input.organizationId, input.name);
    if (
      !(await this.isOwner(input.organizationId, input.actor)) &&
      (await this.#users.rolesOf(input.organizationId, input.actor)).includes(input.name)
    )
      throw accessErrors.ownRole(input.name);
    await this.#checkHeld(input.organizationId, input.actor, permissions);
    const result = await this.#db
      .updateTable("custom_roles")
      .set({ permissions: JSON.stringify(permissions), updated_at: new Date() })
      .where("organization_id", "=", input.organizationId)
      .where("name", "=", input.name)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw accessErrors.roleNotFound(input.name);
    await this.#audit.append({
      actor: input.actor,
      action: "role.updated",
      target: input.name,
      organizationId: input.organizationId,
      metadata: { permissions: permissions.join(",").slice(0, 200) },
    });
    return { name: input.name, builtin: false, permissions };
  }

  async remove(organizationId: string, name: string, actor: string): Promise<void> {
    if (isBuiltinRole(name)) throw accessErrors.invalid("Built-in roles cannot be deleted.", "name");
    await this.get(organizationId, name);
    if ((await this.#users.countRole(organizationId, name)) > 0) throw accessErrors.roleInUse(name);
    await this.#db
      .deleteFrom("custom_roles")
      .where("organization_id", "=", organizationId)
      .where("name", "=", name)
      .execute();
    await this.#audit.append({ actor, action: "role.deleted", target: name, organizationId });
  }

  /** Everything a user may do in the organisation: the union of their roles' permissions. */
  async permissionsOf(organizationId: string, userId: string): Promise<Set<Permission>> {
    const names = await this.#users.rolesOf(organizationId, userId);
    const granted = new Set<Permission>();
    const custom = names.filter((name) => !isBuiltinRole(name));
    for (const name of names)
      if (isBuiltinRole(name)) for (const permission of builtinRoles[name]) granted.add(permission);
    if (custom.length > 0) {
      const rows = await this.#custom(organizationId).where("name", "in", custom).execute();
      for (const row of rows)
        for (const permission of parsePermissions(row.permissions)) granted.add(permission);
    }
    return granted;
  }

  /** Refuse a permission the actor's own roles do not grant: no one hands on more than they hold. */
  async #checkHeld(organizationId: string, actor: string, permissions: readonly Permission[]): Promise<void> {
    const held = await this.permissionsOf(organizationId, actor);
    const missing = permissions.find((permission) => !held.has(permission));
    if (missing !== undefined) throw accessErrors.notHeld(missing);
  }

  /** Whether the user holds the owner role anywhere in the organisation. */
  async isOwner(organizationId: string, userId: string): Promise<boolean> {
    return (await this.#users.rolesOf(organizationId, userId)).includes("owner");
  }

  /** Refuse a change to an owner's account unless an owner makes it. */
  async checkOwnerChange(organizationId: string, userId: string, actor: string): Promise<void> {
    if ((await this.isOwner(organizationId, userId)) && !(await this.isOwner(organizationId, actor)))
      throw accessErrors.ownerOnly();
  }

  /**
   * Give a member a role, after checking it exists. Only an owner may give the owner role or take
   * it from someone, so an admin cannot lift themselves above the owner; anyone else gives only a
   * role whose permissions they hold themselves (so the abuse-reviewer role is the owner's to give).
   */
  async assign(input: {
    organizationId: string;
    workspaceId: string;
    userId: string;
    role: string;
    actor: string;
  }): Promise<void> {
    const role = await this.get(input.organizationId, input.role);
    const current = await this.#users.roleIn(input.organizationId, input.workspaceId, input.userId);
    if (current === null) throw accessErrors.memberNotFound(input.userId);
    if (
      (input.role === "owner" || current === "owner") &&
      !(await this.isOwner(input.organizationId, input.actor))
    ) {
      throw accessErrors.ownerOnly();
    }
    if (!(await this.isOwner(input.organizationId, input.actor)))
      await this.#checkHeld(input.organizationId, input.actor, role.permissions);
    await this.#users.setRole(input);
  }
}
