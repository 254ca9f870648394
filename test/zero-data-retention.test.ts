// Zero data retention end to end: canary strings sent through the real API under organisation ZDR,
// project ZDR and `store: false` reach no durable place (tables, the raw database files or a pg_dump,
// logs); without ZDR they are kept, but only as ciphertext.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../src/db/database.ts";
import { adminOperations } from "../src/platform/operations.ts";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";

const canaries = {
  organizationZdr: "CANARY-zdr-org-4b7e19",
  projectZdr: "CANARY-zdr-project-4b7e19",
  storeFalse: "CANARY-store-false-4b7e19",
  retained: "CANARY-retained-4b7e19",
};

/**
 * Every file under a directory (changed since `since`, when given), read as bytes: for each needle
 * found, the files that hold it.
 */
function filesContaining(directory: string, needles: string[], since = 0): Map<string, string[]> {
  const hits = new Map<string, string[]>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && statSync(full).mtimeMs >= since) {
        const bytes = readFileSync(full);
        for (const needle of needles) {
          if (bytes.includes(Buffer.from(needle))) hits.set(needle, [...(hits.get(needle) ?? []), full]);
        }
      }
    }
  };
  walk(directory);
  return hits;
}

/**
 * The PostgreSQL server's WAL directory, when this process may read it (the server's own user or
 * root, as in CI); null otherwise, and the dump stands alone. WAL is shared by every database on the
 * server, which is fine: the canaries are unique to this test.
 */
async function writeAheadLog(db: Db): Promise<string | null> {
  try {
    const result = await sql<{ data_directory: string }>`show data_directory`.execute(db);
    const directory = path.join(result.rows[0]!.data_directory, "pg_wal");
    readdirSync(directory);
    return directory;
  } catch {
    return null;
  }
}

describe("zero data retention", () => {
  let upstream: FakeUpstream;
  let platform: TestPlatform;

  let startedAt = 0;

  beforeAll(async () => {
    startedAt = Date.now() - 1_000;
    upstream = await startFakeUpstream();
    platform = await startTestPlatform({
      upstreams: [{ name: "fake", baseURL: upstream.baseURL, models: ["fake-model"] }],
    });
  });
  afterAll(async () => {
    await platform?.close();
    await upstream?.close();
  });

  it("[API-2] content under ZDR or store:false reaches no table, database file, dump or log; [API-1] retained content is ciphertext only", async () => {
    const core = platform.server.platform;
    const operations = adminOperations(core, "test");
    const client = platform.client();
    const ask = async (apiClient: typeof client, canary: string, store?: boolean) => {
      const messages = [{ role: "user" as const, content: `remember ${canary}` }];
      const completion = await apiClient.chat.completions.create({
        model: "fake-model",
        messages,
        ...(store === undefined ? {} : { store }),
      });
      expect(completion.choices[0]?.message.content).toContain(canary);
      const stream = await apiClient.chat.completions.create({
        model: "fake-model",
        messages,
        stream: true,
        ...(store === undefined ? {} : { store }),
      });
      for await (const _chunk of stream) {
        // Drain it.
      }
    };

    await operations.setPrivacy({ organization: platform.organization, zdr: true });
    await ask(client, canaries.organizationZdr);
    await operations.setPrivacy({ organization: platform.organization, zdr: false });

    const project = await core.tenancy.createProject(platform.organization, "ZDR project", "test");
    const projectKey = (await operations.createKey({
      organization: platform.organization,
      project: project.id,
    })) as {
      key: string;
    };
    await operations.setPrivacy({ organization: platform.organization, project: project.id, zdr: true });
    await ask(platform.client({ apiKey: projectKey.key }), canaries.projectZdr);

    await ask(client, canaries.storeFalse, false);
    await ask(client, canaries.retained);
    await core.privacy.traffic.flush();

    // The retained completions (one plain, one streamed) are the only records, sealed; each opens to its canary.
    const records = await core.db.selectFrom("api_records").selectAll().execute();
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record.content.includes(Buffer.from(canaries.retained))).toBe(false);
      const opened = await core.keyring.open(
        platform.organization,
        { table: "api_records", row: record.id },
        record.content,
      );
      expect(opened.toString()).toContain(canaries.retained);
    }
    // Classifier metadata and the settings changes remain for every completion, with no content.
    const classified = await core.db.selectFrom("api_classifications").selectAll().execute();
    expect(classified).toHaveLength(8);
    const changes = await core.db
      .selectFrom("audit_entries")
      .select("metadata")
      .where("action", "=", "privacy.settings_changed")
      .execute();
    expect(changes.map((change) => JSON.parse(change.metadata) as unknown)).toEqual([
      { scope: "organization", zdr: true },
      { scope: "organization", zdr: false },
      { scope: "project", zdr: true },
    ]);

    const all = Object.values(canaries);
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public'`.execute(core.db);
    for (const { table_name: table } of tables.rows) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(core.db);
      const text = JSON.stringify(rows.rows);
      for (const canary of all) expect(text, `table ${table}`).not.toContain(canary);
    }

    const databaseUrl = core.config.databaseUrl;
    if (databaseUrl) {
      // PostgreSQL: a full dump of the test database, then the server's write-ahead log.
      const dump = spawnSync("pg_dump", ["--no-owner", "--data-only", databaseUrl], {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      });
      expect(dump.status, dump.stderr).toBe(0);
      // The scan can see plaintext: the organisation's id is in the dump.
      expect(dump.stdout).toContain(platform.organization);
      for (const canary of all) expect(dump.stdout).not.toContain(canary);
      const wal = await writeAheadLog(core.db);
      if (wal) {
        // Only the segments written since this test began: the server may keep a gigabyte of older ones.
        expect(filesContaining(wal, [platform.organization], startedAt).size, "the WAL scan sees ids").toBe(
          1,
        );
        expect(Object.fromEntries(filesContaining(wal, all, startedAt))).toEqual({});
      }
    }

    // Close the server so PGlite flushes everything to its files, then read every byte of them.
    await platform.server.close();
    expect(platform.logs().length).toBeGreaterThan(0);
    for (const canary of all) expect(platform.logs()).not.toContain(canary);
    if (!databaseUrl) {
      const pgdata = path.join(platform.dataDir, "pgdata");
      const control = filesContaining(pgdata, [platform.organization]);
      expect(control.size, "the scan finds plaintext that is stored").toBe(1);
      expect(Object.fromEntries(filesContaining(pgdata, all))).toEqual({});
    }
    // The whole data directory (keys, bootstrap file, TLS material, database): no canary anywhere.
    expect(Object.fromEntries(filesContaining(platform.dataDir, all))).toEqual({});
  });
});
