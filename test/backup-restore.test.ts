// Backups that never bring deleted data back (OWN-4, SEC-1, PLAT-3), on embedded PGlite and on
// PostgreSQL, through the `custodian` commands a user runs: files uploaded and conversations written,
// a backup taken while requests run, some of it deleted afterwards, then restored in place and into a
// fresh PostgreSQL database. What was kept is byte-identical; what was deleted after the backup is
// unreadable by every route and its key is gone; the raw scanner (its positive control first) finds
// no plaintext in the archive or the restored store.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { KeyLedger } from "../src/crypto/key-ledger.ts";
import {
  cli,
  environment,
  freshDatabase,
  query,
  scratch,
  startOn,
  writeContent,
  type Content,
  type Running,
} from "./helpers/backup-fixture.ts";
import { foundAnywhere, rawScan, type Needles } from "./helpers/raw-scan.ts";

const { temporary, drops } = scratch();

const needlesOf = (...contents: Content[]): Needles =>
  Object.fromEntries(contents.map((content) => [content.canary, content.canary]));

/** Scans `places` (and the running database's files) for the canaries, after showing it finds them. */
async function scanFindsNothing(running: Running, dataDir: string, places: string[], needles: Needles) {
  const control = temporary("custodian-scan-control-");
  writeFileSync(path.join(control, "plain.txt"), Object.values(needles).join("\n"));
  const scan = (where: string[]) =>
    rawScan(
      { db: running.server.platform.db, pgliteDir: path.join(dataDir, "pgdata"), directories: where },
      needles,
    );
  const positive = await scan([control]);
  for (const needle of Object.keys(needles)) expect(positive.found[needle]?.length ?? 0).toBeGreaterThan(0);
  const result = await scan(places);
  expect(foundAnywhere(result)).toEqual({});
  expect(result.files).toBeGreaterThan(0);
}

/** The kept content reads back byte for byte; the deleted content is gone from every route, key and all. */
async function checkRestored(running: Running, kept: Content, doomed: Content): Promise<void> {
  const { workspace, db } = running.server.platform;
  const conversation = await workspace.conversations.get(running.member, kept.conversation);
  expect(conversation.messages.map((message) => message.content)).toEqual(kept.messages);
  expect(conversation.summary.title).toBe(`title ${kept.canary}`);
  const content = Buffer.from(await (await running.client.files.content(kept.file)).arrayBuffer());
  expect(content.equals(kept.fileBytes)).toBe(true);

  await expect(workspace.conversations.get(running.member, doomed.conversation)).rejects.toMatchObject({
    status: 404,
  });
  const listed = await workspace.conversations.list(running.member, {});
  expect(JSON.stringify(listed)).not.toContain(doomed.conversation);
  await expect(running.client.files.retrieve(doomed.file)).rejects.toMatchObject({ status: 404 });
  await expect(running.client.files.content(doomed.file)).rejects.toMatchObject({ status: 404 });
  const files = await running.client.files.list();
  expect(files.data.map((file) => file.id)).toContain(kept.file);
  expect(files.data.map((file) => file.id)).not.toContain(doomed.file);
  // The keys themselves: no wrapped key of the deleted conversation or file is left in the database.
  const keys = await sql<{ count: number }>`
    select (select count(*) from conversations where id = ${doomed.conversation} and wrapped_key is not null)
         + (select count(*) from files where id = ${doomed.file}) as count`.execute(db);
  expect(Number(keys.rows[0]!.count)).toBe(0);
}

async function auditActions(running: Running): Promise<string[]> {
  const { rows } = await sql<{ action: string }>`
    select action from audit_entries where action like 'backup.%' order by seq`.execute(
    running.server.platform.db,
  );
  return rows.map((row) => row.action);
}

describe.each(["pglite", "postgresql"] as const)("backup and restore from %s", (kind) => {
  it(`[OWN-4] [SEC-1] [PLAT-3] a ${kind} backup taken while serving restores in place and into a fresh PostgreSQL database, never bringing deleted data back`, async () => {
    const dataDir = temporary("custodian-backup-");
    const source = kind === "postgresql" ? await freshDatabase() : null;
    if (source) drops.push(source.drop);
    const env = environment(dataDir, source?.url ?? null);
    let running = await startOn(dataDir, source?.url ?? null);
    const kept = await writeContent(running, "kept");
    const doomed = await writeContent(running, "doomed");

    // Online: requests keep writing while the backup runs (over the server's admin socket).
    let busy = true;
    let written = 0;
    const traffic = (async () => {
      while (busy) {
        await writeContent(running, `busy${written}`);
        written += 1;
      }
    })();
    const archiveDir = temporary("custodian-archive-");
    const archive = path.join(archiveDir, "backup.cbk");
    const created = await cli(["backup", "create", "--out", archive], env).finally(() => (busy = false));
    await traffic;
    expect(created.code, created.output).toBe(0);
    expect(written).toBeGreaterThan(0);

    // Deleted after the backup: by its owner (the conversation) and through /v1 (the file).
    await running.server.platform.workspace.conversations.delete(running.member, doomed.conversation);
    await running.client.files.delete(doomed.file);
    const ledger = new KeyLedger(path.join(dataDir, "key-ledger")).entries().map((entry) => entry.row);
    expect(ledger).toEqual(expect.arrayContaining([doomed.conversation, doomed.file]));

    const verified = await cli(["backup", "verify", archive], env);
    expect(verified.code, verified.output).toBe(0);
    expect(verified.output).toContain("The backup is intact");
    await scanFindsNothing(running, dataDir, [archiveDir], needlesOf(kept, doomed));
    expect(await auditActions(running)).toContain("backup.created");
    await running.close();

    // In place: refused while the target holds data, unless --replace.
    const refused = await cli(["backup", "restore", "--from", archive], env);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain("--replace");
    const restored = await cli(["backup", "restore", "--from", archive, "--replace"], env);
    expect(restored.code, restored.output).toBe(0);
    running = await startOn(dataDir, source?.url ?? null);
    await checkRestored(running, kept, doomed);
    expect(await auditActions(running)).toEqual(expect.arrayContaining(["backup.restored"]));
    // SEC-4: the witness file still holds checkpoints of the longer log from before the restore; the
    // restore's restart checkpoint supersedes them, so the log checkpoints and verifies again, and says so.
    const { audit } = running.server.platform;
    await expect(audit.checkpoint()).resolves.toBeTruthy();
    const log = await audit.verify();
    expect(log.ok, JSON.stringify(log)).toBe(true);
    expect(log.ok && log.restarts?.[0]?.superseded).toBeGreaterThan(0);
    await scanFindsNothing(running, dataDir, [dataDir], needlesOf(kept, doomed));
    await running.close();

    // Onto a fresh PostgreSQL server (the embedded installation's way to outgrow one machine).
    const target = await freshDatabase();
    drops.push(target.drop);
    const moved = await cli(["backup", "restore", "--from", archive, "--database-url", target.url], env);
    expect(moved.code, moved.output).toBe(0);
    running = await startOn(dataDir, target.url);
    await checkRestored(running, kept, doomed);
    await scanFindsNothing(running, dataDir, [dataDir], needlesOf(kept, doomed));
    await running.close();

    // Onto another machine's embedded database (and so, from PostgreSQL, back to PGlite): its own data
    // directory and blobs, with the installation's master key and the ledger brought along.
    const elsewhere = temporary("custodian-backup-elsewhere-");
    const brought = {
      CUSTODIAN_MASTER_KEY_FILE: path.join(dataDir, "master.key"),
      CUSTODIAN_KEY_LEDGER_DIR: path.join(dataDir, "key-ledger"),
    };
    const embedded = await cli(
      ["backup", "restore", "--from", archive],
      environment(elsewhere, null, brought),
    );
    expect(embedded.code, embedded.output).toBe(0);
    running = await startOn(elsewhere, null, { env: brought, home: dataDir });
    await checkRestored(running, kept, doomed);
    await scanFindsNothing(running, elsewhere, [elsewhere], needlesOf(kept, doomed));
    await running.close();
  }, 900_000);
});

describe("archives that must be refused", () => {
  it("[OWN-4] [SEC-1] a corrupt, truncated, foreign or wrongly keyed archive is refused before anything is written", async () => {
    const dataDir = temporary("custodian-backup-refuse-");
    const env = environment(dataDir, null);
    expect((await cli(["migrate"], env)).code).toBe(0);
    expect((await cli(["orgs", "create", "--name", "Kept"], env)).code).toBe(0);
    const archive = path.join(dataDir, "good.cbk");
    const created = await cli(["backup", "create", "--out", archive], env);
    expect(created.code, created.output).toBe(0);
    const bytes = readFileSync(archive);
    const corrupt = Buffer.from(bytes);
    corrupt[Math.floor(bytes.length * 0.6)]! ^= 0x40;
    const otherKeyDir = temporary("custodian-other-key-");
    mkdirSync(otherKeyDir, { recursive: true });
    writeFileSync(path.join(otherKeyDir, "master.key"), Buffer.alloc(32, 7).toString("base64") + "\n", {
      mode: 0o600,
    });
    const cases: Array<{ name: string; bytes: Buffer; env?: Record<string, string>; message: string }> = [
      { name: "corrupt", bytes: corrupt, message: "corrupt" },
      { name: "truncated", bytes: bytes.subarray(0, Math.floor(bytes.length / 2)), message: "truncated" },
      {
        name: "foreign",
        bytes: Buffer.from("PGDMP not a custodian backup at all\n"),
        message: "not a Custodian backup",
      },
      {
        name: "wrong key",
        bytes,
        env: { CUSTODIAN_MASTER_KEY_FILE: path.join(otherKeyDir, "master.key") },
        message: "another master key",
      },
    ];
    for (const bad of cases) {
      const file = path.join(dataDir, `${bad.name.replace(" ", "-")}.cbk`);
      writeFileSync(file, bad.bytes);
      const caseEnv = { ...env, ...bad.env };
      const verified = await cli(["backup", "verify", file], caseEnv);
      expect(verified.code, bad.name).toBe(2);
      expect(verified.output, bad.name).toContain(bad.message);
      const target = await freshDatabase();
      drops.push(target.drop);
      const restored = await cli(
        ["backup", "restore", "--from", file, "--database-url", target.url],
        caseEnv,
      );
      expect(restored.code, bad.name).toBe(2);
      expect(restored.output, bad.name).toContain(bad.message);
      const tables = await query<{ count: string }>(
        target.url,
        "select count(*) as count from pg_tables where schemaname = 'public'",
      );
      expect(Number(tables[0]!.count), `${bad.name}: nothing written`).toBe(0);
      // The embedded target in place is untouched too, and still serves.
      const inPlace = await cli(["backup", "restore", "--from", file, "--replace"], caseEnv);
      expect(inPlace.code, bad.name).toBe(2);
      const listed = await cli(["orgs", "list"], env);
      expect(listed.output, bad.name).toContain("Kept");
    }
  }, 900_000);
});
