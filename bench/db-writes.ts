// The rows each API request leaves in the database (its sealed retention record, its classification and
// its usage event), written as the privacy layer and the usage recorder write them: batches of
// completions in one transaction per table group, through src/db/batch-insert.ts, on embedded PGlite.
// CPU per request (every thread of this process: the database's thread, V8's helpers) is measured in
// windows as the tables grow, once with random keys (every id before this benchmark) and once with the
// time-ordered ids of src/core/ids.ts, each on a fresh database, so the two are compared in one run.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { batchInsert } from "../src/db/batch-insert.ts";
import { openDatabase } from "../src/db/database.ts";
import { publicToken, timeOrderedId } from "../src/core/ids.ts";
import { readNumber } from "./settings.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("db-writes");

/** Completions per batch: what the traffic observer gathers in its 100 ms at about 1,700 requests/s. */
const batchSize = 170;

type KeyScheme = "random" | "time_ordered";

const makeId: Record<KeyScheme, (prefix: string) => string> = {
  random: (prefix) => `${prefix}_${publicToken(24)}`,
  time_ordered: (prefix) => timeOrderedId(prefix),
};

/** A sealed chat exchange of a few hundred bytes, as small completions leave. */
const content = randomBytes(400);

function batchOf(scheme: KeyScheme, now: Date) {
  const records = [];
  const classifications = [];
  const events = [];
  for (let index = 0; index < batchSize; index += 1) {
    const requestId = makeId[scheme]("req");
    const recordId = makeId[scheme]("apirec");
    const owner = { organization_id: "org_bench", project_id: "proj_bench" };
    records.push({
      id: recordId,
      ...owner,
      key_id: "key_bench",
      request_id: requestId,
      endpoint: "chat.completions",
      model: "bench-model",
      status: "completed",
      prompt_tokens: 12,
      completion_tokens: 24,
      content,
      flagged: false,
      review_status: "none",
      created_at: now,
      expires_at: new Date(now.getTime() + 30 * 86_400_000),
    });
    classifications.push({
      id: makeId[scheme]("cls"),
      ...owner,
      request_id: requestId,
      record_id: recordId,
      classifier: "builtin",
      flagged: false,
      categories: '{"harassment":false,"violence":false}',
      scores: '{"harassment":0.01,"violence":0.02}',
      created_at: now,
    });
    events.push({
      request_id: requestId,
      ...owner,
      api_key_id: "key_bench",
      user_id: null,
      model: "bench-model",
      endpoint: "chat.completions",
      status: "completed",
      input_tokens: 12,
      output_tokens: 24,
      input_cached_tokens: 0,
      started_at: now,
    });
  }
  return { records, classifications, events };
}

const columnsOf = (rows: ReadonlyArray<object>): string[] => Object.keys(rows[0] ?? {});

interface Window {
  requests_before: number;
  cpu_us_per_request: number;
}

/** Writes `count` windows of `window` completions' rows on a fresh database, measuring each window. */
async function measure(scheme: KeyScheme, window: number, count: number): Promise<Window[]> {
  const directory = await mkdtemp(path.join(tmpdir(), "custodian-db-writes-"));
  const db = await openDatabase({ url: null, pgliteDir: path.join(directory, "pgdata") });
  try {
    await sql`insert into organizations (id, name) values ('org_bench', 'Bench')`.execute(db);
    const windows: Window[] = [];
    let written = 0;
    while (windows.length < count) {
      const before = written;
      const cpu = process.cpuUsage();
      while (written < before + window) {
        const { records, classifications, events } = batchOf(scheme, new Date());
        await db.transaction().execute(async (transaction) => {
          await batchInsert(transaction, "api_records", columnsOf(records), records);
          await batchInsert(transaction, "api_classifications", columnsOf(classifications), classifications);
        });
        await db.transaction().execute(async (transaction) => {
          await batchInsert(
            transaction,
            "usage_events",
            columnsOf(events),
            events,
            'on conflict ("request_id") do nothing returning "organization_id"',
          );
        });
        written += batchSize;
      }
      const used = process.cpuUsage(cpu);
      windows.push({
        requests_before: before,
        cpu_us_per_request: round((used.user + used.system) / (written - before), 1),
      });
      progress(
        `${scheme}: ${written} requests written, ${windows.at(-1)?.cpu_us_per_request} µs of CPU per request in the last window`,
      );
    }
    return windows;
  } finally {
    await db.destroy();
    await rm(directory, { recursive: true, force: true });
  }
}

export async function run(): Promise<number> {
  const requests = readNumber(
    "BENCH_DB_WRITES_REQUESTS",
    200_000,
    (value) => value >= batchSize,
    `at least ${batchSize}`,
  );
  // Five windows of whole batches.
  const window = Math.max(batchSize, Math.round(requests / 5 / batchSize) * batchSize);
  // A throwaway database first: V8 compiles PostgreSQL's WebAssembly as it gets hot (seconds of CPU on
  // its helper threads), and the compiled code serves every database this process opens after it.
  await measure("time_ordered", batchSize * 60, 3);
  const result: Record<KeyScheme, Window[]> = { random: [], time_ordered: [] };
  for (const scheme of ["random", "time_ordered"] as const) result[scheme] = await measure(scheme, window, 5);
  // The last window is the tables at their largest.
  const last = (scheme: KeyScheme) => result[scheme].at(-1)?.cpu_us_per_request ?? Number.NaN;
  printTable(
    `Rows of one request (record, classification, usage event), batches of ${batchSize}, PGlite: CPU µs per request`,
    ["requests already written", "random keys", "time-ordered keys"],
    result.random.map((entry, index) => [
      String(entry.requests_before),
      String(entry.cpu_us_per_request),
      String(result.time_ordered[index]?.cpu_us_per_request ?? ""),
    ]),
  );
  console.log(
    JSON.stringify({
      batch_size: batchSize,
      requests,
      ...result,
      last_window_time_ordered_vs_random: round(last("time_ordered") / last("random"), 3),
    }),
  );
  return 0;
}
