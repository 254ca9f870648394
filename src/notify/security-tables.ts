// The security-event monitor's table (migration 0630-privacy-oversight): how far it has read the audit log.
export interface SecurityEventCursorTable {
  name: string;
  /** The last audit entry already looked at. */
  seq: number;
}

declare module "../db/schema.ts" {
  interface Database {
    security_event_cursor: SecurityEventCursorTable;
  }
}
