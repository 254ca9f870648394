// The documents domain's classifier metadata (migration 1121-document-classifications): no content.
import type { ColumnType } from "kysely";

export interface DocumentClassificationsTable {
  document_id: string;
  organization_id: string;
  collection_id: string;
  classifier: string;
  flagged: boolean;
  /** JSON array of the category names that applied. */
  categories: string;
  /** JSON object of category name to its highest score over the passages. */
  scores: string;
  passages: number;
  flagged_passages: number;
  created_at: ColumnType<Date, Date | undefined, never>;
}

declare module "../db/schema.ts" {
  interface Database {
    document_classifications: DocumentClassificationsTable;
  }
}
