// Scheduled backups (OWN-4): with CUSTODIAN_BACKUP_DIR set, the server takes backups on its own, each
// one in the audit log and each one verifiable, and keeps only the newest CUSTODIAN_BACKUP_KEEP.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.ts";
import { startServer, type RunningServer } from "../src/platform/server.ts";
import { cli, environment } from "./helpers/backup-fixture.ts";
import { waitFor } from "./helpers/wait-for.ts";

let server: RunningServer | null = null;
const dataDir = mkdtempSync(path.join(tmpdir(), "custodian-backup-schedule-"));
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it("[OWN-4] scheduled backups run as a task, are audited, verify, and only the newest N are kept", async () => {
  const backups = path.join(dataDir, "backups");
  const env = {
    ...environment(dataDir, null),
    CUSTODIAN_BACKUP_DIR: backups,
    CUSTODIAN_BACKUP_INTERVAL_MS: "2000",
    CUSTODIAN_BACKUP_KEEP: "2",
  };
  server = await startServer(loadConfig(env), pino({ level: "silent" }));
  const db = server.platform.db;
  const taken = async () =>
    Number(
      (
        await sql<{
          count: number;
        }>`select count(*) as count from audit_entries where action = 'backup.created'`.execute(db)
      ).rows[0]!.count,
    );
  await waitFor(async () => (await taken()) >= 3, { timeoutMs: 300_000, intervalMs: 500 });
  await server.close();
  server = null;
  // Closed: a turn in progress has finished, its pruning included.
  const files = readdirSync(backups).filter((name) => name.endsWith(".cbk"));
  expect(files.length).toBe(2);
  const verified = await cli(["backup", "verify", path.join(backups, files.sort().at(-1)!)], env);
  expect(verified.code, verified.output).toBe(0);
}, 600_000);
