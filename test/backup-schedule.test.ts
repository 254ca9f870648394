// Scheduled backups (OWN-4): with CUSTODIAN_BACKUP_DIR set, the server takes backups on its own, each
// one in the audit log and each one verifiable, and keeps only the newest CUSTODIAN_BACKUP_KEEP.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.ts";
import { S3BlobStore } from "../src/files/s3-blob-store.ts";
import { startServer, type RunningServer } from "../src/platform/server.ts";
import { cli, environment } from "./helpers/backup-fixture.ts";
import { startLocalS3Server, useAwsCredentials } from "./helpers/s3-server.ts";
import { waitFor } from "./helpers/wait-for.ts";

let server: RunningServer | null = null;
const dataDir = mkdtempSync(path.join(tmpdir(), "custodian-backup-schedule-"));
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** How many backups the audit log says were taken. */
async function taken(running: RunningServer): Promise<number> {
  const result = await sql<{ count: number }>`
    select count(*) as count from audit_entries where action = 'backup.created'`.execute(running.platform.db);
  return Number(result.rows[0]!.count);
}

/**
 * Serves with a backup every 2 s, keeping the newest 2, until three have been taken, then closes (a turn
 * in progress finishes first, its pruning included). Returns the environment it served with.
 */
async function serveUntilThreeBackups(base: Record<string, string>): Promise<Record<string, string>> {
  const env = { ...base, CUSTODIAN_BACKUP_INTERVAL_MS: "2000", CUSTODIAN_BACKUP_KEEP: "2" };
  const running = (server = await startServer(loadConfig(env), pino({ level: "silent" })));
  await waitFor(async () => (await taken(running)) >= 3, { timeoutMs: 300_000, intervalMs: 500 });
  await server.close();
  server = null;
  return env;
}

it("[OWN-4] scheduled backups run as a task, are audited, verify, and only the newest N are kept", async () => {
  const backups = path.join(dataDir, "backups");
  const env = await serveUntilThreeBackups({ ...environment(dataDir, null), CUSTODIAN_BACKUP_DIR: backups });
  const files = readdirSync(backups).filter((name) => name.endsWith(".cbk"));
  expect(files.length).toBe(2);
  const verified = await cli(["backup", "verify", path.join(backups, files.sort().at(-1)!)], env);
  expect(verified.code, verified.output).toBe(0);
}, 600_000);

it("[OWN-4] scheduled backups go to an S3 bucket instead, keeping the newest N there; listed, verified and restored straight from the bucket", async () => {
  const s3 = await startLocalS3Server("custodian-backups");
  const restoreCredentials = useAwsCredentials(s3.credentials);
  const bucket = new S3BlobStore({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: "us-east-1",
    credentials: s3.credentials,
  });
  const bucketData = mkdtempSync(path.join(tmpdir(), "custodian-backup-bucket-"));
  try {
    const env = await serveUntilThreeBackups({
      ...environment(bucketData, null),
      CUSTODIAN_BACKUP_S3_BUCKET: s3.bucket,
      CUSTODIAN_S3_ENDPOINT: s3.endpoint,
    });
    const keys = (await bucket.keys("backups")).sort();
    expect(keys).toHaveLength(2);
    const names = keys.map((key) => key.slice("backups/".length));
    const listed = await cli(["backup", "list"], env);
    expect(listed.code, listed.output).toBe(0);
    for (const name of names) expect(listed.output).toContain(name);
    // Straight from the bucket: the newest, verified, then restored over the data directory.
    const verified = await cli(["backup", "verify", "--scheduled", "latest"], env);
    expect(verified.code, verified.output).toBe(0);
    expect(verified.output).toContain("The backup is intact");
    const missing = await cli(["backup", "restore", "--scheduled", "custodian-1999", "--replace"], env);
    expect(missing.code).toBe(2);
    expect(missing.output).toContain("No scheduled backup named custodian-1999");
    const restored = await cli(["backup", "restore", "--scheduled", names.at(-1)!, "--replace"], env);
    expect(restored.code, restored.output).toBe(0);
    expect(restored.output).toContain("Restored backup");
  } finally {
    bucket.close();
    await s3.close();
    rmSync(bucketData, { recursive: true, force: true });
    restoreCredentials();
  }
}, 600_000);
