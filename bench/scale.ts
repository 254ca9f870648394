// The data-growth benchmark: many sealed conversations across many users on PostgreSQL; listing a user's
// conversations (src/workspace/conversation-service.ts), the purge (src/workspace/workspace-retention.ts),
// and a key rotation of the organisation with its conversation keys re-wrapped while listing continues.
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { AuditLog } from "../src/audit/audit-log.ts";
import { randomToken } from "../src/core/ids.ts";
import { newDataKey, sealWithDataKey } from "../src/crypto/data-key.ts";
import { Keyring } from "../src/crypto/keyring.ts";
import { openDatabase, type Db } from "../src/db/database.ts";
import { ConversationService, type Member } from "../src/workspace/conversation-service.ts";
import { WorkspaceRetention } from "../src/workspace/workspace-retention.ts";
import { createBenchDatabase } from "./bench-database.ts";
import { percentile } from "./load.ts";
import { durationSeconds, readNumber } from "./settings.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("scale");
const ORGANIZATION = "org_bench_scale";
const WORKSPACES = 10;
const INSERT_BATCH = 1000;
const day = 24 * 3600 * 1000;

interface Settings {
  conversations: number;
  users: number;
  listSeconds: number;
}

function readSettings(onPostgres: boolean): Settings {
  const seconds = durationSeconds(60);
  // Scaled so a default run ends in about a minute on a busy two-core machine; PGlite is slower to fill.
  const scale = seconds / 60;
  const conversations = readNumber(
    "BENCH_SCALE_CONVERSATIONS",
    Math.max(1000, Math.round((onPostgres ? 50_000 : 10_000) * scale)),
    (value) => Number.isInteger(value) && value >= 100,
    "a whole number of at least 100",
  );
  return {
    conversations,
    users: readNumber(
      "BENCH_SCALE_USERS",
      Math.max(10, Math.round(conversations / 100)),
      (value) => Number.isInteger(value) && value >= 1,
      "a whole number of at least 1",
    ),
    listSeconds: Math.max(1, seconds / 12),
  };
}

function memberOf(user: number): Member {
  return { organizationId: ORGANIZATION, workspaceId: `ws_${user % WORKSPACES}`, userId: `user_${user}` };
}

/** Inserts conversations in bulk with the same columns and sealing as ConversationService.create. */
async function fill(db: Db, keyring: Keyring, settings: Settings): Promise<number> {
  const now = Date.now();
  let inserted = 0;
  const started = performance.now();
  while (inserted < settings.conversations) {
    const count = Math.min(INSERT_BATCH, settings.conversations - inserted);
    const rows = await Promise.all(
      Array.from({ length: count }, async (_, offset) => {
        const index = inserted + offset;
        const member = memberOf(index % settings.users);
        const id = `conv_${randomToken(24)}`;
        const { key, wrapped } = await newDataKey(keyring, ORGANIZATION, { table: "conversations", row: id });
        // Spread over the last 90 days, so retention and ordering have something to work on.
        const updated = new Date(now - (index % 90) * day - (index % 997) * 1000);
        return {
          id,
          organization_id: ORGANIZATION,
          workspace_id: member.workspaceId,
          user_id: member.userId,
          wrapped_key: wrapped,
          title: sealWithDataKey(
            key,
            { table: "conversations.title", row: id, organization: ORGANIZATION },
            `Conversation ${index} about the quarterly plan`,
          ),
          model: "bench-model",
          created_at: updated,
          updated_at: updated,
        };
      }),
    );
    await db.insertInto("conversations").values(rows).execute();
    inserted += count;
    if (inserted % (INSERT_BATCH * 10) === 0) progress(`${inserted} conversations inserted`);
  }
  return (performance.now() - started) / 1000;
}

interface ListStats {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function statsOf(latencies: number[]): ListStats {
  const sorted = Float64Array.from(latencies).sort();
  return {
    count: latencies.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length > 0 ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
  };
}

/** Lists the first page of random users' conversations, one call at a time, until `until` says stop. */
async function listLoop(
  service: ConversationService,
  users: number,
  until: () => boolean,
): Promise<number[]> {
  const latencies: number[] = [];
  let user = 0;
  while (!until()) {
    user = (user * 7 + 13) % users;
    const started = performance.now();
    const page = await service.list(memberOf(user), { limit: 20 });
    latencies.push(performance.now() - started);
    if (page.data.length === 0) throw new Error(`user_${user} has no conversations to list`);
  }
  return latencies;
}

/**
 * Rotation: a new organisation key version (Keyring.rotate), then every conversation key of the
 * organisation re-wrapped under it in batches. Keyring.rotate alone re-encrypts nothing (old versions
 * stay readable); the re-wrap is what a rotation that retires the old version would have to do.
 */
async function rotate(
  db: Db,
  keyring: Keyring,
): Promise<{ rotateMs: number; rewrapped: number; seconds: number }> {
  const started = performance.now();
  await keyring.rotate(ORGANIZATION);
  const rotateMs = performance.now() - started;
  let after = "";
  let rewrapped = 0;
  for (;;) {
    const rows = await db
      .selectFrom("conversations")
      .select(["id", "wrapped_key"])
      .where("organization_id", "=", ORGANIZATION)
      .where("wrapped_key", "is not", null)
      .where("id", ">", after)
      .orderBy("id")
      .limit(INSERT_BATCH)
      .execute();
    if (rows.length === 0) break;
    const updates = await Promise.all(
      rows.map(async (row) => {
        const place = { table: "conversations", row: row.id };
        const key = await keyring.open(ORGANIZATION, place, row.wrapped_key!);
        return { id: row.id, wrapped: await keyring.seal(ORGANIZATION, place, key) };
      }),
    );
    await sql`
      update conversations set wrapped_key = v.wrapped
      from (values ${sql.join(updates.map((update) => sql`(${update.id}, ${update.wrapped}::bytea)`))}) as v(id, wrapped)
      where conversations.id = v.id and conversations.organization_id = ${ORGANIZATION}`.execute(db);
    rewrapped += rows.length;
    after = rows.at(-1)!.id;
  }
  return { rotateMs, rewrapped, seconds: (performance.now() - started) / 1000 };
}

export async function run(): Promise<number> {
  const server = await createBenchDatabase();
  const settings = readSettings(server !== null);
  progress(
    server
      ? `PostgreSQL at ${server.server}, fresh database; ${settings.conversations} conversations, ${settings.users} users`
      : `no PostgreSQL reachable: in-memory PGlite; ${settings.conversations} conversations, ${settings.users} users`,
  );
  const db = await openDatabase({ url: server?.url ?? null, pgliteDir: "memory://" });
  try {
    const keyring = new Keyring(db, randomBytes(32));
    const audit = new AuditLog(db, keyring, { checkpointEvery: 1000 });
    const service = new ConversationService({ db, keyring, audit });
    const retention = new WorkspaceRetention({ db, audit });
    await db.insertInto("organizations").values({ id: ORGANIZATION, name: "Bench scale" }).execute();
    await keyring.createOrganizationKey(ORGANIZATION);

    const fillSeconds = await fill(db, keyring, settings);
    await sql`analyze conversations`.execute(db);
    progress(`filled in ${fillSeconds.toFixed(1)} s; listing for ${settings.listSeconds.toFixed(1)} s`);

    const listDeadline = performance.now() + settings.listSeconds * 1000;
    const idleList = statsOf(await listLoop(service, settings.users, () => performance.now() > listDeadline));

    progress("rotating the organisation key and re-wrapping every conversation key while listing");
    let rotating = true;
    const [rotation, duringLatencies] = await Promise.all([
      rotate(db, keyring).finally(() => {
        rotating = false;
      }),
      listLoop(service, settings.users, () => !rotating),
    ]);
    const duringList = statsOf(duringLatencies);

    // A fifth of the rows deleted by their users two hours ago (key and title gone, as a delete does),
    // and workspace ws_0 keeping conversations for 30 days, so older ones expire.
    progress("marking a fifth of the conversations deleted and setting a 30-day retention on one workspace");
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    await sql`
      update conversations set wrapped_key = null, title = null, deleted_at = ${twoHoursAgo}
      where organization_id = ${ORGANIZATION} and workspace_id <> 'ws_0' and abs(hashtext(id)) % 5 = 0`.execute(
      db,
    );
    await retention.setRetention(ORGANIZATION, "ws_0", 30, "bench");
    const purgeStarted = performance.now();
    const purged = await retention.purge();
    const purgeSeconds = (performance.now() - purgeStarted) / 1000;
    const purgeRate = (purged.expired + purged.removed) / purgeSeconds;

    printTable(
      `Scale: ${settings.conversations} conversations, ${settings.users} users, ${WORKSPACES} workspaces, one ` +
        `organisation, on ${server ? `PostgreSQL (${server.server})` : "PGlite in memory"}, Node ${process.version}`,
      ["measure", "value"],
      [
        ["bulk insert, sealed (conversations/s)", (settings.conversations / fillSeconds).toFixed(0)],
        [
          "list first page, idle: p50 / p99 / max ms",
          `${idleList.p50Ms.toFixed(2)} / ${idleList.p99Ms.toFixed(2)} / ${idleList.maxMs.toFixed(2)} (${idleList.count} calls)`,
        ],
        [
          "list during rotation: p50 / p99 / max ms",
          `${duringList.p50Ms.toFixed(2)} / ${duringList.p99Ms.toFixed(2)} / ${duringList.maxMs.toFixed(2)} (${duringList.count} calls)`,
        ],
        ["Keyring.rotate ms", rotation.rotateMs.toFixed(2)],
        [
          "conversation keys re-wrapped",
          `${rotation.rewrapped} in ${rotation.seconds.toFixed(1)} s (${(rotation.rewrapped / rotation.seconds).toFixed(0)}/s)`,
        ],
        [
          "purge: expired + removed rows",
          `${purged.expired} + ${purged.removed} in ${purgeSeconds.toFixed(2)} s`,
        ],
        ["purge rows/s", purgeRate.toFixed(0)],
      ],
    );
    console.log(
      JSON.stringify({
        database: server ? "postgresql" : "pglite",
        conversations: settings.conversations,
        users: settings.users,
        insert_per_s: round(settings.conversations / fillSeconds, 0),
        list_p50_ms: round(idleList.p50Ms, 2),
        list_p99_ms: round(idleList.p99Ms, 2),
        list_calls: idleList.count,
        list_during_rotation_p50_ms: round(duringList.p50Ms, 2),
        list_during_rotation_p99_ms: round(duringList.p99Ms, 2),
        list_during_rotation_max_ms: round(duringList.maxMs, 2),
        list_during_rotation_calls: duringList.count,
        rotate_ms: round(rotation.rotateMs, 2),
        rewrapped: rotation.rewrapped,
        rewrap_s: round(rotation.seconds, 2),
        purge_expired: purged.expired,
        purge_removed: purged.removed,
        purge_s: round(purgeSeconds, 3),
        purge_rows_per_s: round(purgeRate, 0),
      }),
    );
    return 0;
  } finally {
    await db.destroy();
    await server?.drop();
  }
}
