// The audit log in OpenAI's Admin API shape (SEC-4, CTL-4): `GET /v1/organization/audit_logs`'s query
// parameters read into an audit search, and entries rendered as OpenAI's audit-log objects. Entries hold
// ids and facts only, never content, so nothing rendered here can carry a conversation.
import type { AuditEntry } from "../audit/audit-entry.ts";
import type { AuditSearch } from "../audit/audit-search.ts";
import { errors } from "../core/errors.ts";

const idPrefix = "audit_log-";

export function auditLogId(seq: number): string {
  return `${idPrefix}${seq}`;
}

function cursor(value: string, param: string): number {
  const match = /^audit_log-([0-9]{1,15})$/.exec(value);
  if (!match) throw errors.invalidRequest(`'${param}' must be an audit log id such as audit_log-1.`, param);
  return Number(match[1]);
}

/** Query values as Fastify's parser gives them: a string, or an array for a repeated name. */
export type RawQuery = Record<string, string | string[] | undefined>;

/** One parameter's values, whether sent as `name[]=a&name[]=b`, `name=a&name=b` or `name=a,b`. */
function many(query: RawQuery, name: string): string[] {
  const values = [query[`${name}[]`], query[name]].flatMap((value) =>
    value === undefined ? [] : Array.isArray(value) ? value : [value],
  );
  const split = values.flatMap((value) => value.split(",")).map((value) => value.trim());
  const kept = split.filter((value) => value.length > 0);
  if (kept.length > 100 || kept.some((value) => value.length > 300))
    throw errors.invalidRequest(`'${name}' takes at most 100 values of at most 300 characters.`, name);
  return kept;
}

function one(query: RawQuery, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw errors.invalidRequest(`'${name}' may be given once.`, name);
  return value;
}

function time(query: RawQuery, bound: "gt" | "gte" | "lt" | "lte"): Date | undefined {
  const name = `effective_at[${bound}]`;
  const value = one(query, name);
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,12}$/.test(value))
    throw errors.invalidRequest(`'${name}' must be a Unix time in seconds.`, name);
  return new Date(Number(value) * 1000);
}

/** The audit search a request asks for; people are named by id or email, emails resolved by `idsOf`. */
export async function readAuditQuery(
  query: RawQuery,
  idsOf: (emails: string[]) => Promise<string[]>,
): Promise<AuditSearch> {
  const limitText = one(query, "limit");
  const limit = limitText === undefined ? 20 : Number(limitText);
  if (!/^[0-9]{1,3}$/.test(limitText ?? "20") || limit < 1 || limit > 100)
    throw errors.invalidRequest("'limit' must be a whole number from 1 to 100.", "limit");
  const after = one(query, "after");
  const before = one(query, "before");
  const [gt, gte, lt, lte] = [time(query, "gt"), time(query, "gte"), time(query, "lt"), time(query, "lte")];
  const actorIds = many(query, "actor_ids");
  const emails = many(query, "actor_emails");
  // Emails that name no one still filter: to nothing, not to everything.
  const actors = emails.length > 0 ? [...actorIds, ...(await idsOf(emails)), "none:no-such-email"] : actorIds;
  const lower = gte ?? gt;
  const upper = lte ?? lt;
  return {
    limit,
    ...(after !== undefined ? { olderThan: cursor(after, "after") } : {}),
    ...(before !== undefined ? { newerThan: cursor(before, "before") } : {}),
    ...(lower ? { after: { at: lower, inclusive: gte !== undefined } } : {}),
    ...(upper ? { before: { at: upper, inclusive: lte !== undefined } } : {}),
    actions: many(query, "event_types"),
    actors,
    targets: many(query, "resource_ids"),
    projects: many(query, "project_ids"),
  };
}

/** Who did it, as OpenAI names actors; Custodian's own processes (the CLI, the system) as `system`. */
export type AuditActor =
  | { type: "session"; session: { user: { id: string; email: string | null } } }
  | { type: "api_key"; api_key: { id: string; type: "admin_key" | "project_key" } }
  | { type: "system"; system: { id: string } };

export interface ActorFacts {
  /** The email of a user of the organisation, or null when the id names no user. */
  emailOf(id: string): Promise<string | null>;
  adminKeyIds: ReadonlySet<string>;
}

async function actorOf(id: string, facts: ActorFacts): Promise<AuditActor> {
  if (id.startsWith("user_")) {
    return { type: "session", session: { user: { id, email: await facts.emailOf(id) } } };
  }
  if (id.startsWith("key_")) {
    return {
      type: "api_key",
      api_key: { id, type: facts.adminKeyIds.has(id) ? "admin_key" : "project_key" },
    };
  }
  return { type: "system", system: { id } };
}

/** One entry as an OpenAI audit-log object: the details sit under the event type's own name. */
export async function renderAuditLog(entry: AuditEntry, facts: ActorFacts): Promise<Record<string, unknown>> {
  const project =
    typeof entry.metadata.project === "string"
      ? entry.metadata.project
      : entry.target?.startsWith("proj_")
        ? entry.target
        : null;
  return {
    id: auditLogId(entry.seq),
    type: entry.action,
    effective_at: Math.floor(entry.at.getTime() / 1000),
    actor: await actorOf(entry.actor, facts),
    ...(project ? { project: { id: project } } : {}),
    [entry.action]: { ...(entry.target !== null ? { id: entry.target } : {}), ...entry.metadata },
  };
}

/** A page of entries as OpenAI's list object. */
export async function renderAuditPage(
  page: { entries: AuditEntry[]; hasMore: boolean },
  facts: ActorFacts,
): Promise<Record<string, unknown>> {
  const data = [];
  for (const entry of page.entries) data.push(await renderAuditLog(entry, facts));
  const first = page.entries.at(0);
  const last = page.entries.at(-1);
  return {
    object: "list",
    data,
    first_id: first ? auditLogId(first.seq) : null,
    last_id: last ? auditLogId(last.seq) : null,
    has_more: page.hasMore,
  };
}
