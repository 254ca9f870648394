// The administrative operations the CLI offers, the same code whether the CLI runs them itself or
// asks a running server to (through the admin socket).
import { errors } from "../core/errors.ts";
import type { AdminOperations } from "../http/admin-routes.ts";
import type { Platform } from "./platform.ts";

function text(input: Record<string, unknown>, name: string, required: true): string;
function text(input: Record<string, unknown>, name: string, required?: false): string | undefined;
function text(input: Record<string, unknown>, name: string, required = false): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) {
    if (required) throw errors.invalidRequest(`Missing required parameter: '${name}'.`, name);
    return undefined;
  }
  if (typeof value !== "string") throw errors.invalidRequest(`'${name}' must be a string.`, name);
  return value;
}

export function adminOperations(platform: Platform, actor = "cli"): AdminOperations {
  const { tenancy, apiKeys, audit } = platform;
  return {
    async createOrganization(input) {
      const { organization, project } = await tenancy.createOrganization(text(input, "name", true), actor);
      return { id: organization.id, name: organization.name, project: project.id };
    },
    async listOrganizations() {
      return (await tenancy.listOrganizations()).map((organization) => ({
        id: organization.id,
        name: organization.name,
      }));
    },
    async createKey(input) {
      const organizationId = text(input, "organization", true);
      await tenancy.getOrganization(organizationId);
      const projectId = text(input, "project");
      const project = projectId
        ? await tenancy.getProject(organizationId, projectId)
        : await tenancy.defaultProject(organizationId);
      const permission = input.readOnly === true ? "read_only" : "all";
      const created = await apiKeys.create({
        organizationId,
        projectId: project.id,
        name: text(input, "name"),
        permission,
        actor,
      });
      return {
        id: created.id,
        key: created.key,
        organization: organizationId,
        project: project.id,
        permission,
      };
    },
    async listKeys(input) {
      const organizationId = text(input, "organization", true);
      return (await apiKeys.list(organizationId)).map((key) => ({
        id: key.id,
        name: key.name,
        project: key.projectId,
        permission: key.permission,
        redacted: key.redacted,
        created_at: key.createdAt.toISOString(),
        last_used_at: key.lastUsedAt?.toISOString() ?? null,
        revoked_at: key.revokedAt?.toISOString() ?? null,
      }));
    },
    async revokeKey(input) {
      await apiKeys.revoke(text(input, "organization", true), text(input, "id", true), actor);
      return { id: text(input, "id", true), revoked: true };
    },
    async verifyAudit() {
      return audit.verify();
    },
  };
}
