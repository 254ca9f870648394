// The administrative operations the CLI offers, the same code whether the CLI runs them itself or
// asks a running server to (through the admin socket).
import { auditOperations } from "../audit/audit-operations.ts";
import { errors } from "../core/errors.ts";
import { optionalText, requiredText } from "../core/operation-input.ts";
import { parseCustomerKeySettings } from "../crypto/customer-key-settings.ts";
import type { AdminOperations } from "../http/admin-routes.ts";
import { modelRegistryOperations } from "../inference/model-registry-operations.ts";
import { identityOperations } from "../identity/identity-operations.ts";
import { buildTrustReport, repositoryRoot } from "../privacy/trust-report.ts";
import { trustLiveSettings } from "../privacy/trust-live-settings.ts";
import { chainBrokenEvent } from "../notify/security-event-monitor.ts";
import { oversightOperations } from "../privacy/staff-operations.ts";
import { usageOperations } from "../usage/usage-operations.ts";
import type { Platform } from "./platform.ts";

export function adminOperations(platform: Platform, actor = "cli"): AdminOperations {
  const { tenancy, apiKeys, audit } = platform;
  return {
    ...identityOperations(platform.identity, (id) => tenancy.getOrganization(id), actor),
    async createOrganization(input) {
      const { organization, project } = await tenancy.createOrganization(requiredText(input, "name"), actor);
      return { id: organization.id, name: organization.name, project: project.id };
    },
    async listOrganizations() {
      return (await tenancy.listOrganizations()).map((organization) => ({
        id: organization.id,
        name: organization.name,
      }));
    },
    async createKey(input) {
      const organizationId = requiredText(input, "organization");
      await tenancy.getOrganization(organizationId);
      const projectId = optionalText(input, "project");
      const project = projectId
        ? await tenancy.getProject(organizationId, projectId)
        : await tenancy.defaultProject(organizationId);
      const permission = input.readOnly === true ? "read_only" : "all";
      const created = await apiKeys.create({
        organizationId,
        projectId: project.id,
        name: optionalText(input, "name"),
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
      const organizationId = requiredText(input, "organization");
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
      await apiKeys.revoke(requiredText(input, "organization"), requiredText(input, "id"), actor);
      return { id: requiredText(input, "id"), revoked: true };
    },
    async setCustomerKey(input) {
      const organizationId = requiredText(input, "organization");
      await tenancy.getOrganization(organizationId);
      const settings = input.kind === "local" ? null : parseCustomerKeySettings(input);
      await platform.keyring.setCustomerKey(organizationId, settings);
      // The kind and key id are facts for the audit trail; credentials are never recorded.
      await audit.append({
        actor,
        action: "organization.customer_key_set",
        target: organizationId,
        organizationId,
        metadata: {
          kind: settings?.kind ?? "local",
          key: settings?.kind === "aws-kms" ? settings.keyId : (settings?.keyName ?? null),
        },
      });
      return { organization: organizationId, kind: settings?.kind ?? "local" };
    },
    async setPrivacy(input) {
      const organizationId = requiredText(input, "organization");
      await tenancy.getOrganization(organizationId);
      const projectId = optionalText(input, "project");
      if (projectId) await tenancy.getProject(organizationId, projectId);
      const { retentionDays, zdr } = input;
      if (retentionDays !== undefined && typeof retentionDays !== "number")
        throw errors.invalidRequest("'retentionDays' must be a number.", "retentionDays");
      if (zdr !== undefined && typeof zdr !== "boolean")
        throw errors.invalidRequest("'zdr' must be true or false.", "zdr");
      const saved = await platform.privacy.settings.set({
        organizationId,
        projectId: projectId ?? null,
        ...(retentionDays !== undefined ? { retentionDays } : {}),
        ...(zdr !== undefined ? { zdr } : {}),
        actor,
      });
      const effective = await platform.privacy.settings.effective(
        organizationId,
        projectId ?? (await tenancy.defaultProject(organizationId)).id,
      );
      return {
        organization: organizationId,
        project: saved.projectId,
        retention_days: saved.retentionDays,
        zdr: saved.zdr,
        effective: { retention_days: effective.retentionDays, zdr: effective.zdr },
      };
    },
    async showPrivacy(input) {
      const organizationId = requiredText(input, "organization");
      await tenancy.getOrganization(organizationId);
      return (await platform.privacy.settings.list(organizationId)).map((setting) => ({
        project: setting.projectId,
        retention_days: setting.retentionDays,
        zdr: setting.zdr,
        updated_at: setting.updatedAt.toISOString(),
      }));
    },
    async trustReport() {
      const live = await trustLiveSettings({
        config: platform.config,
        audit,
        settings: platform.privacy.settings,
        hipaa: platform.oversight.hipaa,
      });
      return buildTrustReport(repositoryRoot, live);
    },
    async verifyAudit() {
      const result = await audit.verify();
      // SEC-4: a broken chain found by `custodian audit verify` pages as well as failing the command.
      if (!result.ok) await platform.security.events.raise(chainBrokenEvent(result, "audit verify"));
      return result;
    },
    // Export, inclusion proofs and the public key of the audit log (the audit domain's own file).
    ...auditOperations(audit),
    // Operators, HIPAA mode, the organisation export (the privacy oversight's own file).
    ...oversightOperations(platform.oversight, (id) => tenancy.getOrganization(id), actor),
    // `models pull` registers here; `models list` reads here (the inference domain's own file).
    ...modelRegistryOperations(platform.modelRegistry, actor),
    // Rate limits, token budgets and the usage report (the usage domain's own file).
    ...usageOperations({ usage: platform.usage, tenancy, apiKeys, identity: platform.identity }, actor),
  };
}
