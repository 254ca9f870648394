// Zero data retention end to end: canary strings sent through the real API under organisation ZDR,
// project ZDR and `store: false` reach no durable place (tables, the raw database files or a pg_dump,
// logs); without ZDR they are kept, but only as ciphertext.
import { spawnSync } from "node:child_process";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { adminOperations } from "../src/platform/operations.ts";
import { scanSources, useTestPlatformWithUpstream } from "./helpers/platform.ts";
import { foundAnywhere, rawScan, rowsContaining } from "./helpers/raw-scan.ts";

const canaries = {
  organizationZdr: "CANARY-zdr-org-4b7e19",
  projectZdr: "CANARY-zdr-project-4b7e19",
  storeFalse: "CANARY-store-false-4b7e19",
  retained: "CANARY-retained-4b7e19",
};

describe("zero data retention", () => {
  const platform = useTestPlatformWithUpstream();

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

    const all = Object.fromEntries(Object.entries(canaries));
    // Every column of every table: bytea compared as bytes (the organisation's id is found: the
    // positive control).
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public'`.execute(core.db);
    const names = tables.rows.map((row) => row.table_name);
    expect(await rowsContaining(core.db, names, { organization: platform.organization })).toHaveProperty(
      "organization",
    );
    expect(await rowsContaining(core.db, names, all)).toEqual({});

    const databaseUrl = core.config.databaseUrl;
    if (databaseUrl) {
      // PostgreSQL: a full dump of the test database too.
      const dump = spawnSync("pg_dump", ["--no-owner", "--data-only", databaseUrl], {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      });
      expect(dump.status, dump.stderr).toBe(0);
      // The scan can see plaintext: the organisation's id is in the dump.
      expect(dump.stdout).toContain(platform.organization);
      for (const canary of Object.values(canaries)) expect(dump.stdout).not.toContain(canary);
    }

    // The raw bytes: the database's files and its WAL (PGlite's or the server's), the whole data
    // directory (keys, bootstrap file, TLS material, blobs) and the log; the scanner's canaries prove
    // each is read, and the retained records' sealed bytes are found (the scan sees what is stored).
    expect(platform.logs().length).toBeGreaterThan(0);
    const scan = await rawScan(scanSources(platform), {
      ...all,
      sealed: records[0]!.content.subarray(0, 48),
    });
    expect(foundAnywhere(scan)).toEqual({ sealed: expect.any(Array) as unknown });
  });
});
