// A document's attributes changed (issue 20, vector store files' `attributes`): checked as at ingestion,
// sealed under the collection's key like its name, and audited without them.
import type { AuditLog } from "../../audit/audit-log.ts";
import type { Db } from "../../db/database.ts";
import type { DocumentRecord } from "../document-types.ts";
import { checkAttributes } from "./document-ingest.ts";
import { documentColumns, fieldBinding, toDocumentRecord, type DocumentSummaryRow } from "./document-rows.ts";
import { libraryErrors } from "./library-errors.ts";
import { sealJson } from "./sealed-passages.ts";

export async function updateDocumentAttributes(
  db: Db,
  audit: AuditLog,
  change: {
    document: DocumentSummaryRow;
    key: Buffer;
    attributes: Record<string, string | number | boolean>;
    actor: string;
  },
): Promise<DocumentRecord> {
  const { document, key } = change;
  const sealed = sealJson(key, fieldBinding("attributes", document), checkAttributes(change.attributes));
  const updated = await db
    .updateTable("documents")
    .set({ attributes: sealed })
    .where("collection_id", "=", document.collection_id)
    .where("id", "=", document.id)
    .returning(documentColumns)
    .executeTakeFirst();
  if (!updated) throw libraryErrors.documentNotFound(document.id);
  await audit.append({
    actor: change.actor,
    action: "document.updated",
    target: document.id,
    organizationId: document.organization_id,
    metadata: { collection: document.collection_id },
  });
  return toDocumentRecord(updated, key);
}
