// A document row opened under its collection's key (issue 20): name and attributes; its passages are
// opened only by search and `readChunks`.
import type { Selectable } from "kysely";
import { defaultChunkingOptions, type DocumentFormat, type DocumentRecord } from "../document-types.ts";
import type { DocumentsTable } from "./document-tables.ts";
import { documentBinding, openJson } from "./sealed-passages.ts";

export type DocumentRow = Selectable<DocumentsTable>;

export const documentColumns = [
  "id",
  "collection_id",
  "organization_id",
  "filename",
  "format",
  "bytes",
  "pages",
  "chunks",
  "file_id",
  "attributes",
  "chunk_characters",
  "chunk_overlap_characters",
  "created_at",
] as const;

export type DocumentSummaryRow = Pick<DocumentRow, (typeof documentColumns)[number]>;

export const fieldBinding = (
  field: "filename" | "attributes" | "extracted" | "passages",
  row: { id: string; organization_id: string },
) => documentBinding(`documents.${field}`, row.id, row.organization_id);

export function toDocumentRecord(row: DocumentSummaryRow, key: Buffer): DocumentRecord {
  return {
    id: row.id,
    collectionId: row.collection_id,
    filename: openJson<string>(key, fieldBinding("filename", row), row.filename),
    format: row.format as DocumentFormat | null,
    bytes: Number(row.bytes),
    pages: row.pages,
    chunks: row.chunks,
    status: "completed",
    error: null,
    fileId: row.file_id,
    attributes: openJson<DocumentRecord["attributes"]>(key, fieldBinding("attributes", row), row.attributes),
    chunking:
      row.chunk_characters === null
        ? defaultChunkingOptions
        : { maxCharacters: row.chunk_characters, overlapCharacters: row.chunk_overlap_characters ?? 0 },
    createdAt: row.created_at,
  };
}
