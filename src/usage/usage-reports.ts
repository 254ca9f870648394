// Usage reports in the shape of OpenAI's usage API (`/v1/organization/usage/completions`): time
// buckets of token and request totals, optionally grouped by model, project, API key or user, one
// organisation at a time. Workspace chat is metered too: its rows carry the user and, as project, the
// workspace.
import { sql } from "kysely";
import { errors } from "../core/errors.ts";
import type { Db } from "../db/database.ts";

export type BucketWidth = "1m" | "1h" | "1d";
export type GroupField = "model" | "project_id" | "api_key_id" | "user_id";

const bucketSeconds: Record<BucketWidth, number> = { "1m": 60, "1h": 3_600, "1d": 86_400 };
/** OpenAI's defaults and maxima for `limit` (buckets per page) by bucket width. */
const bucketLimits: Record<BucketWidth, { default: number; max: number }> = {
  "1m": { default: 60, max: 1_440 },
  "1h": { default: 24, max: 168 },
  "1d": { default: 7, max: 31 },
};
const groupFields: readonly GroupField[] = ["model", "project_id", "api_key_id", "user_id"];
/** Accepted and ignored: there are no such rows here, so grouping by them changes nothing. */
const emptyGroupFields = ["batch"];

export interface CompletionsUsageQuery {
  /** Unix seconds, inclusive. */
  startTime: number;
  /** Unix seconds, exclusive. */
  endTime: number;
  bucketWidth: BucketWidth;
  groupBy: GroupField[];
  projectIds: string[];
  apiKeyIds: string[];
  userIds: string[];
  models: string[];
  /** Buckets per page. */
  limit: number;
  /** Where this page starts (a bucket's start), from a previous page's `next_page`. */
  pageStart: number;
}

export interface CompletionsUsageResult {
  object: "organization.usage.completions.result";
  input_tokens: number;
  output_tokens: number;
  input_cached_tokens: number;
  input_audio_tokens: number;
  output_audio_tokens: number;
  num_model_requests: number;
  project_id: string | null;
  user_id: string | null;
  api_key_id: string | null;
  model: string | null;
  batch: boolean | null;
}

export interface UsageBucket {
  object: "bucket";
  start_time: number;
  end_time: number;
  results: CompletionsUsageResult[];
}

export interface UsagePage {
  object: "page";
  data: UsageBucket[];
  has_more: boolean;
  next_page: string | null;
}

function list(query: Record<string, unknown>, name: string): string[] {
  // The openai client sends arrays as `name[]=a&name[]=b`; curl users often write `name=a&name=b`.
  const raw = [query[name], query[`${name}[]`]].flatMap((value) =>
    value === undefined ? [] : Array.isArray(value) ? value : [value],
  );
  return raw.map((value) => {
    if (typeof value !== "string" || value.length === 0 || value.length > 200)
      throw errors.invalidRequest(`Invalid value for '${name}'.`, name, "invalid_value");
    return value;
  });
}

function seconds(query: Record<string, unknown>, name: string): number | null {
  const raw = query[name];
  if (raw === undefined) return null;
  if (typeof raw !== "string" || !/^\d{1,12}$/.test(raw))
    throw errors.invalidRequest(`'${name}' must be a Unix time in seconds.`, name, "invalid_value");
  return Number(raw);
}

function encodePage(start: number): string {
  return `page_${Buffer.from(String(start)).toString("base64url")}`;
}

function decodePage(page: string): number | null {
  if (!page.startsWith("page_")) return null;
  const text = Buffer.from(page.slice(5), "base64url").toString();
  return /^\d{1,12}$/.test(text) ? Number(text) : null;
}

/** Validate the query string of a usage request; `now` ends the range when `end_time` is absent. */
export function parseCompletionsUsageQuery(
  query: Record<string, unknown>,
  now = new Date(),
): CompletionsUsageQuery {
  const startTime = seconds(query, "start_time");
  if (startTime === null)
    throw errors.invalidRequest("Missing required parameter: 'start_time'.", "start_time");
  const endTime = seconds(query, "end_time") ?? Math.ceil(now.getTime() / 1_000);
  if (endTime <= startTime)
    throw errors.invalidRequest("'end_time' must be after 'start_time'.", "end_time", "invalid_value");
  const width = query.bucket_width ?? "1d";
  if (width !== "1m" && width !== "1h" && width !== "1d")
    throw errors.invalidRequest("'bucket_width' must be one of 1m, 1h, 1d.", "bucket_width", "invalid_value");
  const groupBy: GroupField[] = [];
  for (const field of list(query, "group_by")) {
    if ((groupFields as readonly string[]).includes(field)) {
      if (!groupBy.includes(field as GroupField)) groupBy.push(field as GroupField);
    } else if (!emptyGroupFields.includes(field)) {
      throw errors.invalidRequest(
        `'group_by' accepts ${[...groupFields, ...emptyGroupFields].join(", ")}.`,
        "group_by",
        "invalid_value",
      );
    }
  }
  const bounds = bucketLimits[width];
  let limit = bounds.default;
  if (query.limit !== undefined) {
    const raw = query.limit;
    if (typeof raw !== "string" || !/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > bounds.max)
      throw errors.invalidRequest(
        `'limit' must be 1 to ${bounds.max} for bucket_width ${width}.`,
        "limit",
        "invalid_value",
      );
    limit = Number(raw);
  }
  let pageStart = startTime;
  if (query.page !== undefined) {
    const decoded = typeof query.page === "string" ? decodePage(query.page) : null;
    const aligned = decoded !== null && (decoded - startTime) % bucketSeconds[width] === 0;
    if (decoded === null || !aligned || decoded < startTime || decoded >= endTime)
      throw errors.invalidRequest("'page' is not a cursor from this query.", "page", "invalid_value");
    pageStart = decoded;
  }
  return {
    startTime,
    endTime,
    bucketWidth: width,
    groupBy,
    projectIds: list(query, "project_ids"),
    apiKeyIds: list(query, "api_key_ids"),
    userIds: list(query, "user_ids"),
    models: list(query, "models"),
    limit,
    pageStart,
  };
}

interface AggregateRow {
  bucket: number;
  model: string | null;
  project_id: string | null;
  api_key_id: string | null;
  user_id: string | null;
  input_tokens: number;
  output_tokens: number;
  input_cached_tokens: number;
  requests: number;
}

export class UsageReports {
  readonly #db: Db;

  constructor(dependencies: { db: Db }) {
    this.#db = dependencies.db;
  }

  /** Every tenant query of the usage events starts here, scoped to one organisation. */
  #scoped(organizationId: string) {
    return this.#db.selectFrom("usage_events").where("organization_id", "=", organizationId);
  }

  /** One page of buckets of the organisation's completions usage. */
  async completions(organizationId: string, query: CompletionsUsageQuery): Promise<UsagePage> {
    const width = bucketSeconds[query.bucketWidth];
    const starts: number[] = [];
    for (let start = query.pageStart; start < query.endTime && starts.length < query.limit; start += width)
      starts.push(start);
    const pageEnd = Math.min(query.endTime, (starts.at(-1) ?? query.pageStart) + width);
    // Buckets count from start_time, as OpenAI's do, so a day is the caller's day, not UTC's.
    const bucket = sql<number>`floor((extract(epoch from started_at) - ${query.startTime}) / ${width})::bigint`;
    let select = this.#scoped(organizationId)
      .where("started_at", ">=", new Date(query.pageStart * 1_000))
      .where("started_at", "<", new Date(pageEnd * 1_000))
      .select([
        bucket.as("bucket"),
        sql<number>`sum(input_tokens)::bigint`.as("input_tokens"),
        sql<number>`sum(output_tokens)::bigint`.as("output_tokens"),
        sql<number>`sum(input_cached_tokens)::bigint`.as("input_cached_tokens"),
        sql<number>`count(*)::bigint`.as("requests"),
      ])
      .groupBy(sql`1`);
    for (const field of query.groupBy) select = select.select(field).groupBy(field);
    if (query.projectIds.length > 0) select = select.where("project_id", "in", query.projectIds);
    if (query.apiKeyIds.length > 0) select = select.where("api_key_id", "in", query.apiKeyIds);
    if (query.userIds.length > 0) select = select.where("user_id", "in", query.userIds);
    if (query.models.length > 0) select = select.where("model", "in", query.models);
    const rows = (await select.execute()) as unknown as AggregateRow[];

    const byBucket = new Map<number, CompletionsUsageResult[]>();
    for (const row of rows) {
      const start = query.startTime + Number(row.bucket) * width;
      const results = byBucket.get(start) ?? [];
      results.push({
        object: "organization.usage.completions.result",
        input_tokens: Number(row.input_tokens),
        output_tokens: Number(row.output_tokens),
        input_cached_tokens: Number(row.input_cached_tokens),
        input_audio_tokens: 0,
        output_audio_tokens: 0,
        num_model_requests: Number(row.requests),
        project_id: query.groupBy.includes("project_id") ? row.project_id : null,
        user_id: query.groupBy.includes("user_id") ? row.user_id : null,
        api_key_id: query.groupBy.includes("api_key_id") ? row.api_key_id : null,
        model: query.groupBy.includes("model") ? row.model : null,
        batch: null,
      });
      byBucket.set(start, results);
    }
    const next = (starts.at(-1) ?? query.pageStart) + width;
    const hasMore = next < query.endTime;
    return {
      object: "page",
      data: starts.map((start) => ({
        object: "bucket",
        start_time: start,
        end_time: start + width,
        results: byBucket.get(start) ?? [],
      })),
      has_more: hasMore,
      next_page: hasMore ? encodePage(next) : null,
    };
  }
}
