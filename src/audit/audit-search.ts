// One organisation's audit entries with the filters compliance tools use (time, event types, actors,
// resources, projects) and cursor pagination by sequence number: the query behind the audit-log API.
import type { Db } from "../db/database.ts";
import { toAuditEntry, type AuditEntry } from "./audit-entry.ts";

export interface AuditSearch {
  /** Entries older than this one (the next page, newest first). */
  olderThan?: number;
  /** Entries newer than this one (the previous page); still answered newest first. */
  newerThan?: number;
  /** Bounds on the entry's time. */
  after?: { at: Date; inclusive: boolean };
  before?: { at: Date; inclusive: boolean };
  actions?: readonly string[];
  actors?: readonly string[];
  /** The entries' targets. */
  targets?: readonly string[];
  /** Entries about a project: the project is their target, or their metadata names it. */
  projects?: readonly string[];
  /** At most this many, and whether more match beyond them. */
  limit: number;
}

const columns = ["seq", "at", "actor", "action", "target", "organization_id", "metadata"] as const;

/** A LIKE pattern matching the exact text, whatever it holds. */
function literal(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

export async function searchAuditEntries(
  db: Db,
  organizationId: string,
  search: AuditSearch,
): Promise<{ entries: AuditEntry[]; hasMore: boolean }> {
  let query = db.selectFrom("audit_entries").select(columns).where("organization_id", "=", organizationId);
  if (search.olderThan !== undefined) query = query.where("seq", "<", search.olderThan);
  if (search.newerThan !== undefined) query = query.where("seq", ">", search.newerThan);
  if (search.after) query = query.where("at", search.after.inclusive ? ">=" : ">", search.after.at);
  if (search.before) query = query.where("at", search.before.inclusive ? "<=" : "<", search.before.at);
  if (search.actions?.length) query = query.where("action", "in", [...search.actions]);
  if (search.actors?.length) query = query.where("actor", "in", [...search.actors]);
  if (search.targets?.length) query = query.where("target", "in", [...search.targets]);
  const projects = search.projects ?? [];
  if (projects.length > 0) {
    // The metadata is JSON.stringify of flat scalars, so a project id appears as exactly this text.
    query = query.where((eb) =>
      eb.or([
        eb("target", "in", [...projects]),
        ...projects.map((project) =>
          eb("metadata", "like", `%${literal(JSON.stringify({ project }).slice(1, -1))}%`),
        ),
      ]),
    );
  }
  // A previous page is the entries just newer than the cursor: read upwards, then show newest first.
  const upwards = search.newerThan !== undefined && search.olderThan === undefined;
  const rows = await query
    .orderBy("seq", upwards ? "asc" : "desc")
    .limit(search.limit + 1)
    .execute();
  const hasMore = rows.length > search.limit;
  const page = rows.slice(0, search.limit).map(toAuditEntry);
  return { entries: upwards ? page.reverse() : page, hasMore };
}
