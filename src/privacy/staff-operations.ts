// The oversight domain's administrative operations: operators (staff), HIPAA mode and the organisation
// export, for the installation's administrator.
import { Type } from "@sinclair/typebox";
import { defineOperation, installationOnly, OrganizationId } from "../core/operation.ts";
import { exportToJsonLines, type OrganizationExport } from "./export-organization.ts";
import type { Oversight } from "./staff-oversight.ts";

const operation = defineOperation<{
  oversight: Oversight;
  tenancy: { getOrganization(organizationId: string): Promise<unknown> };
}>();

export const oversightOperations = {
  createOperator: operation({
    description: "a platform operator (staff); its sign-in token is shown once",
    permission: installationOnly,
    input: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }),
    output: Type.Object({ id: Type.String(), name: Type.String(), token: Type.String() }),
    async run({ oversight }, input, caller) {
      const created = await oversight.operators.create(input.name, caller.actor);
      return { id: created.id, name: created.name, token: created.token };
    },
  }),
  listOperators: operation({
    description: "the platform's operators",
    permission: installationOnly,
    input: Type.Object({}),
    output: Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        created_at: Type.String(),
        disabled: Type.Boolean(),
      }),
    ),
    async run({ oversight }) {
      return (await oversight.operators.list()).map((operator) => ({
        id: operator.id,
        name: operator.name,
        created_at: operator.createdAt.toISOString(),
        disabled: operator.disabled,
      }));
    },
  }),
  setHipaa: operation({
    description: "HIPAA mode: forces ZDR, refuses model backends without baa: true",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId, enabled: Type.Boolean() }),
    output: Type.Object({
      organization: Type.String(),
      hipaa: Type.Boolean(),
      covered_models: Type.Array(Type.String()),
    }),
    async run({ oversight, tenancy }, input, caller) {
      await tenancy.getOrganization(input.organization);
      await oversight.hipaa.set(input.organization, input.enabled, caller.actor);
      return {
        organization: input.organization,
        hipaa: input.enabled,
        covered_models: [...oversight.hipaa.coveredModels].sort(),
      };
    },
  }),
  /** OWN-2: the organisation's export as JSON, or JSON lines with `format: "jsonl"`; files' contents with `includeContent`. */
  exportOrganization: operation({
    description: "the organisation's files, jobs, models' metadata, settings and audit log",
    permission: installationOnly,
    input: Type.Object({
      organization: OrganizationId,
      format: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("jsonl")])),
      /** Files' contents too, not only their metadata. */
      includeContent: Type.Optional(Type.Boolean()),
    }),
    // The export's shape is OrganizationExport (export-organization.ts); JSON lines come as one string.
    output: Type.Unsafe<OrganizationExport | { jsonl: string }>(
      Type.Object({}, { additionalProperties: true }),
    ),
    async run({ oversight, tenancy }, input, caller) {
      await tenancy.getOrganization(input.organization);
      const exported = await oversight.exporter.export(input.organization, caller.actor, {
        includeContent: input.includeContent === true,
      });
      return input.format === "jsonl" ? { jsonl: exportToJsonLines(exported) } : exported;
    },
  }),
};
