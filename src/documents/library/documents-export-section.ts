// The documents section of the organisation export (OWN-2, issue 20): every live collection with its
// documents' metadata (names opened, sizes, counts, times) and, when content is asked for, each
// document's passages in order. A conversation's attachments are left out, as the conversation is.
import type { Keyring } from "../../crypto/keyring.ts";
import type { Db } from "../../db/database.ts";
import type { ExportSection } from "../../privacy/export-organization.ts";
import { collectionKey, toCollection } from "./collection-rows.ts";
import { documentColumns, fieldBinding, toDocumentRecord } from "./document-rows.ts";
import { openPassages } from "./sealed-passages.ts";

export function documentsExportSection(db: Db, keyring: Keyring): ExportSection {
  return {
    name: "document_collections",
    async records(organizationId, options) {
      const rows = await db
        .selectFrom("document_collections")
        .selectAll()
        .where("organization_id", "=", organizationId)
        .where("wrapped_key", "is not", null)
        // A chat's attachments belong to its conversation, which the export never holds (CTL-4).
        .where("owner_kind", "!=", "conversation")
        .orderBy("seq")
        .execute();
      const records: Array<Record<string, unknown>> = [];
      for (const row of rows) {
        const key = await collectionKey(keyring, row);
        const collection = toCollection(row, key);
        const documents = await db
          .selectFrom("documents")
          .select([...documentColumns, "passages"])
          .where("collection_id", "=", row.id)
          .orderBy("seq")
          .execute();
        records.push({
          id: collection.id,
          owner: collection.owner,
          name: collection.name,
          shared_with: collection.sharedWith,
          embedding_model: collection.embeddingModel || null,
          metadata: collection.metadata,
          created_at: collection.createdAt.toISOString(),
          expires_at: collection.expiresAt?.toISOString() ?? null,
          documents: documents.map((document) => {
            const record = toDocumentRecord(document, key);
            return {
              id: record.id,
              filename: record.filename,
              format: record.format,
              bytes: record.bytes,
              pages: record.pages,
              chunks: record.chunks,
              file_id: record.fileId,
              attributes: record.attributes,
              created_at: record.createdAt.toISOString(),
              ...(options.includeContent
                ? {
                    passages: openPassages(key, fieldBinding("passages", document), document.passages).chunks,
                  }
                : {}),
            };
          }),
        });
      }
      return records;
    },
  };
}
