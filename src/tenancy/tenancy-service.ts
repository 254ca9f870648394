// Organisations and their projects. Making an organisation also makes its first data key.
import { errors } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import type { Db } from "../db/database.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { AuditLog } from "../audit/audit-log.ts";

export interface Organization {
  id: string;
  name: string;
  createdAt: Date;
}

export interface Project {
  id: string;
  organizationId: string;
  name: string;
  createdAt: Date;
}

const maxName = 200;

function checkName(name: string, param: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > maxName) {
    throw errors.invalidRequest(`'${param}' must be 1 to ${maxName} characters.`, param);
  }
  return trimmed;
}

export class TenancyService {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #audit: AuditLog;

  constructor(dependencies: { db: Db; keyring: Keyring; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#keyring = dependencies.keyring;
    this.#audit = dependencies.audit;
  }

  /** A new organisation with its data key and a default project. */
  async createOrganization(
    name: string,
    actor: string,
    options: { internal?: boolean } = {},
  ): Promise<{ organization: Organization; project: Project }> {
    const organization = {
      id: newId("org"),
      name: checkName(name, "name"),
      internal: options.internal === true,
    };
    const project = { id: newId("proj"), organization_id: organization.id, name: "Default project" };
    await this.#db.transaction().execute(async (transaction) => {
      await transaction.insertInto("organizations").values(organization).execute();
      await transaction.insertInto("projects").values(project).execute();
      await this.#keyring.createOrganizationKey(organization.id, transaction);
    });
    await this.#audit.append({
      actor,
      action: "organization.created",
      target: organization.id,
      organizationId: organization.id,
      metadata: { project: project.id, ...(organization.internal ? { internal: true } : {}) },
    });
    const now = new Date();
    return {
      organization: { id: organization.id, name: organization.name, createdAt: now },
      project: { id: project.id, organizationId: organization.id, name: project.name, createdAt: now },
    };
  }

  async createProject(organizationId: string, name: string, actor: string): Promise<Project> {
    await this.getOrganization(organizationId);
    const project = { id: newId("proj"), organization_id: organizationId, name: checkName(name, "name") };
    await this.#db.insertInto("projects").values(project).execute();
    await this.#audit.append({ actor, action: "project.created", target: project.id, organizationId });
    return { id: project.id, organizationId, name: project.name, createdAt: new Date() };
  }

  async getOrganization(id: string): Promise<Organization> {
    const row = await this.#db
      .selectFrom("organizations")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw errors.notFound("organization", id);
    return { id: row.id, name: row.name, createdAt: row.created_at };
  }

  /** Every customer organisation; the installation's own (the trust probes') are never listed. */
  async listOrganizations(): Promise<Organization[]> {
    const rows = await this.#db
      .selectFrom("organizations")
      .selectAll()
      .where("internal", "=", false)
      .orderBy("created_at")
      .execute();
    return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at }));
  }

  /** The installation's own organisation with this name (PLAT-2's probes), made on first use. */
  async internalOrganization(name: string): Promise<{ organization: Organization; project: Project }> {
    const row = await this.#db
      .selectFrom("organizations")
      .selectAll()
      .where("internal", "=", true)
      .where("name", "=", name)
      .orderBy("created_at")
      .executeTakeFirst();
    if (!row) return this.createOrganization(name, "system", { internal: true });
    return {
      organization: { id: row.id, name: row.name, createdAt: row.created_at },
      project: await this.defaultProject(row.id),
    };
  }

  /** Whether this organisation is one of the installation's own (never shown to customers). */
  async isInternal(organizationId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom("organizations")
      .select("internal")
      .where("id", "=", organizationId)
      .executeTakeFirst();
    return row?.internal === true;
  }

  /** The organisation's project with this id; a project of another organisation is "not found". */
  async getProject(organizationId: string, projectId: string): Promise<Project> {
    const row = await this.#db
      .selectFrom("projects")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("id", "=", projectId)
      .executeTakeFirst();
    if (!row) throw errors.notFound("project", projectId);
    return { id: row.id, organizationId: row.organization_id, name: row.name, createdAt: row.created_at };
  }

  async listProjects(organizationId: string): Promise<Project[]> {
    const rows = await this.#db
      .selectFrom("projects")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .orderBy("created_at")
      .execute();
    return rows.map((row) => ({
      id: row.id,
      organizationId: row.organization_id,
      name: row.name,
      createdAt: row.created_at,
    }));
  }

  async defaultProject(organizationId: string): Promise<Project> {
    const row = await this.#db
      .selectFrom("projects")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .orderBy("created_at")
      .limit(1)
      .executeTakeFirst();
    if (!row) throw errors.notFound("project of organization", organizationId);
    return { id: row.id, organizationId: row.organization_id, name: row.name, createdAt: row.created_at };
  }

  /** No customer organisation yet (the probes' own do not count). */
  async isEmpty(): Promise<boolean> {
    const row = await this.#db
      .selectFrom("organizations")
      .select("id")
      .where("internal", "=", false)
      .limit(1)
      .executeTakeFirst();
    return row === undefined;
  }
}
