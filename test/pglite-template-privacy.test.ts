// The template a new embedded database starts from (src/db/pglite-template.ts) is shared by every
// installation of the machine's user: it must hold no organisation's data or keys. A real server on
// PGlite makes it at its first start; an organisation with a canary name and its keys are then made,
// and the same two scans (every table's rows; the raw bytes) must find them in the live database and
// find nothing in the template.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.ts";
import { randomToken } from "../src/core/ids.ts";
import { createPGlite } from "../src/db/pglite-template.ts";
import { createLogger } from "../src/platform/platform.ts";
import { startServer, type RunningServer } from "../src/platform/server.ts";
import { waitFor } from "./helpers/wait-for.ts";

type Query = (text: string) => Promise<Array<Record<string, unknown>>>;

/** Rows per table of the public schema: the first scan. */
async function rowCounts(query: Query): Promise<Record<string, number>> {
  const tables = await query(
    "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
  );
  const counts: Record<string, number> = {};
  for (const { table_name: table } of tables) {
    const [row] = await query(`select count(*)::int as count from "${String(table)}"`);
    counts[String(table)] = Number(row!.count);
  }
  return counts;
}

/** Every file under `directory`, concatenated: the second scan reads raw bytes. */
function allBytes(directory: string): Buffer {
  return Buffer.concat(
    readdirSync(directory, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(path.join(entry.parentPath, entry.name))),
  );
}

describe("the embedded database's template", () => {
  const home = mkdtempSync(path.join(tmpdir(), "custodian-template-home-"));
  const dataDir = mkdtempSync(path.join(tmpdir(), "custodian-template-data-"));
  const previousHome = process.env.HOME;
  const canary = `canary-organisation-${randomToken(16)}`;
  let server: RunningServer;

  beforeAll(async () => {
    // A home of its own: the template this server's first start saves is the one scanned.
    process.env.HOME = home;
    const config = loadConfig({
      CUSTODIAN_DATA_DIR: dataDir,
      CUSTODIAN_PORT: "0",
      CUSTODIAN_HTTP: "1",
      CUSTODIAN_TRUST_PROBE_INTERVAL_MS: "0",
    });
    server = await startServer(config, createLogger({ logLevel: "warn" }));
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    process.env.HOME = previousHome;
    rmSync(home, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("[SEC-1] holds no organisation's data or keys, which the same scans find in a live database", async () => {
    const platform = server.platform;
    const { organization, project } = await platform.tenancy.createOrganization(canary, "system");
    await platform.apiKeys.create({
      organizationId: organization.id,
      projectId: project.id,
      name: canary,
      actor: "system",
    });
    const live: Query = async (text) =>
      (await sql.raw<Record<string, unknown>>(text).execute(platform.db)).rows;
    const [keyRow] = await live(
      `select wrapped_key from organization_keys where organization_id = '${organization.id}'`,
    );
    const wrappedKey = keyRow!.wrapped_key as Buffer;
    expect(wrappedKey.length).toBeGreaterThan(16);

    // Positive control: both scans find the organisation in the live database.
    const liveCounts = await rowCounts(live);
    for (const table of ["organizations", "organization_keys", "projects", "api_keys"])
      expect(liveCounts[table], table).toBeGreaterThan(0);
    await live("checkpoint");
    const pgdata = path.join(dataDir, "pgdata");
    await waitFor(() => {
      const bytes = allBytes(pgdata);
      return bytes.includes(canary) && bytes.includes(wrappedKey);
    });

    // The template this server's first start saved after the migrations.
    const templates = path.join(home, ".cache", "custodian", "pglite");
    const migrated = readdirSync(templates).filter((name) => /^migrated-.+\.tar$/.test(name));
    expect(migrated).toHaveLength(1);
    const templateBytes = readFileSync(path.join(templates, migrated[0]!));
    expect(templateBytes.includes(canary)).toBe(false);
    expect(templateBytes.includes(wrappedKey)).toBe(false);
    expect(templateBytes.includes(organization.id)).toBe(false);

    // Opened as a database (from a copy, so a failure cannot delete it), it has the same tables, all
    // empty but the migrations' own bookkeeping.
    const scratch = mkdtempSync(path.join(tmpdir(), "custodian-template-open-"));
    const copy = path.join(scratch, "template.tar");
    copyFileSync(path.join(templates, migrated[0]!), copy);
    const opened = await createPGlite(path.join(scratch, "pgdata"), {}, { initdb: null, migrated: copy });
    try {
      expect(opened.origin).toBe("migrated-template");
      const templateCounts = await rowCounts(
        async (text) => (await opened.pglite.query<Record<string, unknown>>(text)).rows,
      );
      expect(Object.keys(templateCounts).sort()).toEqual(Object.keys(liveCounts).sort());
      const filled = Object.entries(templateCounts).filter(
        ([table, count]) => count > 0 && !table.startsWith("kysely_migration"),
      );
      expect(filled).toEqual([]);
    } finally {
      await opened.pglite.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
