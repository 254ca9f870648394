// The documents domain's organisation settings (migration 1120-document-settings).
import type { ColumnType } from "kysely";

export interface DocumentSettingsTable {
  organization_id: string;
  /** The embedding model of new collections; null: keyword search only. */
  embedding_model: string | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

declare module "../db/schema.ts" {
  interface Database {
    document_settings: DocumentSettingsTable;
  }
}
