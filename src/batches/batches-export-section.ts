// The organisation export's `batches` section (OWN-2): every batch of every project as `batches.retrieve`
// returns it, with its project; the client's metadata only when the export asks for content. Their
// output and error files are in the `files` section. Written against the privacy module's section shape.
import type { ExportSection } from "../privacy/export-organization.ts";
import type { BatchService } from "./batch-service.ts";

export function batchesExportSection(
  batches: Pick<BatchService, "ofOrganization" | "toObject">,
): ExportSection {
  return {
    name: "batches",
    async records(organizationId, options) {
      const records = [];
      for (const row of await batches.ofOrganization(organizationId)) {
        const { metadata, ...batch } = await batches.toObject(row);
        records.push({
          ...batch,
          project_id: row.project_id,
          ...(options.includeContent ? { metadata } : {}),
        });
      }
      return records;
    },
  };
}
