// The oversight domain's admin operations (operators, HIPAA mode, the organisation export), shared by
// the CLI and the admin socket through platform/operations.ts.
import { errors } from "../core/errors.ts";
import { optionalFlag, requiredText, type Operation } from "../core/operation-input.ts";
import { exportToJsonLines } from "./export-organization.ts";
import type { Oversight } from "./staff-oversight.ts";

export function oversightOperations(
  oversight: Oversight,
  checkOrganization: (organizationId: string) => Promise<unknown>,
  actor: string,
): Record<string, Operation> {
  return {
    /** A platform operator; its sign-in token is shown once. */
    async createOperator(input) {
      const created = await oversight.operators.create(requiredText(input, "name"), actor);
      return { id: created.id, name: created.name, token: created.token };
    },
    async listOperators() {
      return (await oversight.operators.list()).map((operator) => ({
        id: operator.id,
        name: operator.name,
        created_at: operator.createdAt.toISOString(),
        disabled: operator.disabled,
      }));
    },
    async setHipaa(input) {
      const organizationId = requiredText(input, "organization");
      await checkOrganization(organizationId);
      if (typeof input.enabled !== "boolean")
        throw errors.invalidRequest("'enabled' must be true or false.", "enabled");
      await oversight.hipaa.set(organizationId, input.enabled, actor);
      return {
        organization: organizationId,
        hipaa: input.enabled,
        covered_models: [...oversight.hipaa.coveredModels].sort(),
      };
    },
    /** OWN-2: the organisation's export as JSON, or JSON lines with `format: "jsonl"`; files' contents with `includeContent`. */
    async exportOrganization(input) {
      const organizationId = requiredText(input, "organization");
      await checkOrganization(organizationId);
      const exported = await oversight.exporter.export(organizationId, actor, {
        includeContent: optionalFlag(input, "includeContent") === true,
      });
      return input.format === "jsonl" ? { jsonl: exportToJsonLines(exported) } : exported;
    },
  };
}
