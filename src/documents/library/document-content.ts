// A document's extracted text, opened under its collection's key (issue 20): what a vector store file's
// `content` shows, block by block in reading order.
import type { Db } from "../../db/database.ts";
import type { ExtractedDocument } from "../document-types.ts";
import { fieldBinding } from "./document-rows.ts";
import { libraryErrors } from "./library-errors.ts";
import { openJson } from "./sealed-passages.ts";

export async function readExtracted(
  db: Db,
  key: Buffer,
  collectionId: string,
  documentId: string,
): Promise<ExtractedDocument> {
  const document = await db
    .selectFrom("documents")
    .select(["id", "organization_id", "extracted"])
    .where("collection_id", "=", collectionId)
    .where("id", "=", documentId)
    .executeTakeFirst();
  if (!document) throw libraryErrors.documentNotFound(documentId);
  return openJson<ExtractedDocument>(key, fieldBinding("extracted", document), document.extracted);
}
