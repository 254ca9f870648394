// The privacy domain's administrative operations: API retention and zero data retention (also behind the
// admin console's privacy routes).
import { Type } from "@sinclair/typebox";
import { defineOperation, OrganizationId } from "../core/operation.ts";
import type { PrivacySettingsService } from "./privacy-settings-service.ts";

/** What the privacy operations use: the privacy engine, and tenancy for the organisation and project. */
export interface PrivacyOperationServices {
  privacy: { settings: PrivacySettingsService };
  tenancy: {
    getOrganization(organizationId: string): Promise<unknown>;
    getProject(organizationId: string, projectId: string): Promise<{ id: string }>;
    defaultProject(organizationId: string): Promise<{ id: string }>;
  };
}

const operation = defineOperation<PrivacyOperationServices>();

const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.Boolean>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const privacyOperations = {
  setPrivacy: operation({
    description:
      "API content retention (0 to 30 days) and zero data retention, for an organisation or a project",
    permission: "privacy.write",
    input: Type.Object({
      organization: OrganizationId,
      project: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      retentionDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
      zdr: Type.Optional(Type.Boolean()),
    }),
    output: Type.Object({
      organization: Type.String(),
      project: Type.Union([Type.String(), Type.Null()]),
      retention_days: Nullable(Type.Integer()),
      zdr: Nullable(Type.Boolean()),
      updated_at: Type.String(),
      effective: Type.Object({ retention_days: Type.Integer(), zdr: Type.Boolean() }),
    }),
    async run({ privacy, tenancy }, input, caller) {
      const organizationId = input.organization;
      await tenancy.getOrganization(organizationId);
      const project = input.project ? await tenancy.getProject(organizationId, input.project) : null;
      const saved = await privacy.settings.set({
        organizationId,
        projectId: project?.id ?? null,
        ...(input.retentionDays !== undefined ? { retentionDays: input.retentionDays } : {}),
        ...(input.zdr !== undefined ? { zdr: input.zdr } : {}),
        actor: caller.actor,
      });
      const effective = await privacy.settings.effective(
        organizationId,
        project?.id ?? (await tenancy.defaultProject(organizationId)).id,
      );
      return {
        organization: organizationId,
        project: saved.projectId,
        retention_days: saved.retentionDays,
        zdr: saved.zdr,
        updated_at: saved.updatedAt.toISOString(),
        effective: { retention_days: effective.retentionDays, zdr: effective.zdr },
      };
    },
  }),
  showPrivacy: operation({
    description: "an organisation's retention and ZDR settings",
    permission: "privacy.read",
    input: Type.Object({ organization: OrganizationId }),
    output: Type.Array(
      Type.Object({
        project: Type.Union([Type.String(), Type.Null()]),
        retention_days: Nullable(Type.Integer()),
        zdr: Nullable(Type.Boolean()),
        updated_at: Type.String(),
      }),
    ),
    async run({ privacy, tenancy }, input) {
      await tenancy.getOrganization(input.organization);
      return (await privacy.settings.list(input.organization)).map((setting) => ({
        project: setting.projectId,
        retention_days: setting.retentionDays,
        zdr: setting.zdr,
        updated_at: setting.updatedAt.toISOString(),
      }));
    },
  }),
};
