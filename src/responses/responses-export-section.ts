// The organisation export's `stored_responses` section (OWN-2): each stored /v1/responses response
// still within retention, its metadata always (id, model, status, usage, times) and, when the export
// asks for content, the response object and its input items as `responses.retrieve` and
// `inputItems.list` return them. Written against the privacy module's section shape.
import type { ExportSection } from "../privacy/export-organization.ts";
import type { ResponseStore } from "./response-store.ts";

export function storedResponsesExportSection(store: Pick<ResponseStore, "list">): ExportSection {
  return {
    name: "stored_responses",
    async records(organizationId, options) {
      return (await store.list(organizationId)).map(({ id, createdAt, stored }) => ({
        id,
        model: stored.response.model,
        status: stored.response.status,
        usage: stored.response.usage ?? null,
        created_at: createdAt.toISOString(),
        ...(options.includeContent ? { response: stored.response, input_items: stored.inputItems } : {}),
      }));
    },
  };
}
