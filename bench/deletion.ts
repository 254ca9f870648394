// The deletion benchmark (OWN-4): how long from a user's delete until the conversation is physically
// gone from the database's files (its rows purged, the tables rewritten, the WAL that held them
// retired: src/workspace/workspace-purge.ts, src/db/physical-erasure.ts), and how fast a purge removes
// many deleted conversations. On embedded PGlite in a temporary directory, and on PostgreSQL when a
// server answers (CUSTODIAN_BENCH_DATABASE_URL or the local one). On PGlite each sample is checked:
// the deleted conversation's wrapped key must be in no file of the data directory afterwards.
// The latency measured is the purge turn's; the schedule adds up to one CUSTODIAN_PURGE_INTERVAL_MS.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AuditLog } from "../src/audit/audit-log.ts";
import { Keyring } from "../src/crypto/keyring.ts";
import { openDatabase, type Db } from "../src/db/database.ts";
import { ConversationService, type Member } from "../src/workspace/conversation-service.ts";
import { WorkspacePurge } from "../src/workspace/workspace-purge.ts";
import { WorkspaceRetention } from "../src/workspace/workspace-retention.ts";
import { createBenchDatabase } from "./bench-database.ts";
import { percentile } from "./load.ts";
import { durationSeconds, readNumber } from "./settings.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("deletion");
const ORGANIZATION = "org_bench_deletion";
const MESSAGES = 4;

interface Result {
  database: string;
  conversations: number;
  samples: number;
  latencyP50Ms: number;
  latencyMaxMs: number;
  purged: number;
  purgeSeconds: number;
  conversationsPerSecond: number;
  messagesPerSecond: number;
  /** Deleted wrapped keys still found in the data directory's files (PGlite only; must be 0). */
  foundAfter: number | null;
}

function filesHolding(directory: string, needle: Buffer): number {
  let count = 0;
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && readFileSync(full).indexOf(needle) !== -1) count += 1;
    }
  };
  walk(directory);
  return count;
}

async function measure(
  db: Db,
  label: string,
  pgdata: string | null,
  settings: { conversations: number; samples: number },
): Promise<Result> {
  const keyring = new Keyring(db, randomBytes(32));
  const audit = new AuditLog(db, keyring, { checkpointEvery: 100_000 });
  await db.insertInto("organizations").values({ id: ORGANIZATION, name: "Bench" }).execute();
  await keyring.createOrganizationKey(ORGANIZATION);
  const conversations = new ConversationService({ db, keyring, audit });
  const retention = new WorkspaceRetention({ db, audit });
  const purge = new WorkspacePurge({ db, retention, shares: conversations.shares, deletionWindowMs: 0 });
  const users = Math.max(2, Math.round(settings.conversations / 50));
  const member = (user: number): Member => ({
    organizationId: ORGANIZATION,
    workspaceId: "ws_bench",
    userId: `user_${user}`,
  });
  const ids: Array<{ id: string; user: number }> = [];
  for (let index = 0; index < settings.conversations; index += 1) {
    const user = index % users;
    const created = await conversations.create(member(user), { model: "m", title: `Plan ${index}` });
    for (let message = 0; message < MESSAGES; message += 1) {
      await conversations.append(member(user), created.id, {
        role: message % 2 === 0 ? "user" : "assistant",
        content: `Message ${message} of conversation ${index}: ${"quarterly figures ".repeat(20)}`,
      });
    }
    ids.push({ id: created.id, user });
    if ((index + 1) % 200 === 0) progress(`${label}: ${index + 1} conversations written`);
  }
  await purge.run(); // The first turn of a process always erases: not part of what is measured.

  const latencies: number[] = [];
  let foundAfter = pgdata === null ? null : 0;
  for (let sample = 0; sample < settings.samples; sample += 1) {
    const { id, user } = ids.pop()!;
    const row = await db
      .selectFrom("conversations")
      .select("wrapped_key")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const started = performance.now();
    await conversations.delete(member(user), id);
    await purge.run();
    latencies.push(performance.now() - started);
    if (pgdata !== null && foundAfter !== null) foundAfter += filesHolding(pgdata, row.wrapped_key!);
  }
  progress(`${label}: ${settings.samples} deletion samples`);

  // Throughput: half the users delete everything, then one purge turn removes and erases it all.
  let purged = 0;
  for (let user = 0; user < users; user += 2) {
    purged += await conversations.deleteAllOf(ORGANIZATION, `user_${user}`, "bench");
  }
  const started = performance.now();
  const turn = await purge.run();
  const purgeSeconds = (performance.now() - started) / 1000;
  if (turn.removed !== purged) throw new Error(`purge removed ${turn.removed} of ${purged} conversations`);
  const sorted = Float64Array.from(latencies).sort();
  return {
    database: label,
    conversations: settings.conversations,
    samples: settings.samples,
    latencyP50Ms: round(percentile(sorted, 0.5), 1),
    latencyMaxMs: round(sorted[sorted.length - 1] ?? Number.NaN, 1),
    purged,
    purgeSeconds: round(purgeSeconds, 2),
    conversationsPerSecond: round(purged / purgeSeconds, 1),
    messagesPerSecond: round((purged * MESSAGES) / purgeSeconds, 1),
    foundAfter,
  };
}

export async function run(): Promise<number> {
  const scale = durationSeconds(60) / 60;
  const settings = {
    conversations: readNumber(
      "BENCH_DELETION_CONVERSATIONS",
      Math.max(100, Math.round(500 * scale)),
      (value) => Number.isInteger(value) && value >= 20,
      "a whole number of at least 20",
    ),
    samples: readNumber(
      "BENCH_DELETION_SAMPLES",
      10,
      (value) => Number.isInteger(value) && value >= 1 && value <= 100,
      "a whole number from 1 to 100",
    ),
  };
  const results: Result[] = [];
  const directory = mkdtempSync(path.join(tmpdir(), "custodian-bench-deletion-"));
  try {
    const pgdata = path.join(directory, "pgdata");
    const db = await openDatabase({ url: null, pgliteDir: pgdata });
    try {
      results.push(await measure(db, "PGlite", pgdata, settings));
    } finally {
      await db.destroy();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const server = await createBenchDatabase();
  if (server) {
    const db = await openDatabase({ url: server.url, pgliteDir: "memory://" });
    try {
      results.push(await measure(db, `PostgreSQL (${server.server})`, null, settings));
    } finally {
      await db.destroy();
      await server.drop();
    }
  } else {
    progress("no PostgreSQL server answers: PGlite only");
  }
  printTable(
    "Deletion: delete → physically gone (one purge turn), and purge throughput",
    ["database", "conversations", "p50 ms", "max ms", "purged", "purge s", "conv/s", "msg/s", "found after"],
    results.map((result) => [
      result.database,
      String(result.conversations),
      String(result.latencyP50Ms),
      String(result.latencyMaxMs),
      String(result.purged),
      String(result.purgeSeconds),
      String(result.conversationsPerSecond),
      String(result.messagesPerSecond),
      result.foundAfter === null ? "n/a" : String(result.foundAfter),
    ]),
  );
  console.log(JSON.stringify({ benchmark: "deletion", results }));
  return results.some((result) => (result.foundAfter ?? 0) > 0) ? 1 : 0;
}
