// An interrupted restore is never served (OWN-4, PLAT-3): `custodian backup restore --replace` runs as
// its own process and is killed with SIGKILL once it has started writing (its mark, the table
// restoreMarkerTable, is committed in the target); the platform then refuses to start on that target and
// names the mark, and a second restore with --replace completes, after which what was kept reads back
// byte for byte and what was deleted after the backup stays deleted. On embedded PGlite, and on
// PostgreSQL when CUSTODIAN_TEST_DATABASE_URL names a server.
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { toFile } from "openai";
import { describe, expect, it } from "vitest";
import { restoreMarkerTable } from "../src/db/database.ts";
import {
  cli,
  environment,
  freshDatabase,
  query,
  scratch,
  startCli,
  startOn,
  writeContent,
  type Content,
  type Running,
} from "./helpers/backup-fixture.ts";
import { waitFor } from "./helpers/wait-for.ts";

const { temporary, drops } = scratch();

/** Files big enough that restoring them takes a moment after the mark is written. */
const bulkFiles = 16;
const bulkBytes = 768 * 1024;

/**
 * Whether the restore's mark is committed in the target: on PostgreSQL the table exists (asked on a
 * connection of the test's); on PGlite, which admits one process, its creation is in the write-ahead
 * log's files (PGlite writes the log at each commit).
 */
async function markCommitted(dataDir: string, url: string | null): Promise<boolean> {
  if (url) {
    const rows = await query<{ marker: string | null }>(url, "select to_regclass($1)::text as marker", [
      restoreMarkerTable,
    ]);
    return rows[0]?.marker != null;
  }
  const wal = path.join(dataDir, "pgdata", "pg_wal");
  if (!existsSync(wal)) return false;
  const needle = Buffer.from(restoreMarkerTable);
  return readdirSync(wal, { withFileTypes: true }).some(
    (entry) => entry.isFile() && readFileSync(path.join(wal, entry.name)).includes(needle),
  );
}

async function checkKept(running: Running, kept: Content[], bulk: Map<string, Buffer>): Promise<void> {
  const { workspace } = running.server.platform;
  for (const content of kept) {
    const conversation = await workspace.conversations.get(running.member, content.conversation);
    expect(conversation.messages.map((message) => message.content)).toEqual(content.messages);
    expect(conversation.summary.title).toBe(`title ${content.canary}`);
    const bytes = Buffer.from(await (await running.client.files.content(content.file)).arrayBuffer());
    expect(bytes.equals(content.fileBytes)).toBe(true);
  }
  for (const [id, expected] of bulk) {
    const bytes = Buffer.from(await (await running.client.files.content(id)).arrayBuffer());
    expect(bytes.equals(expected), id).toBe(true);
  }
}

describe.each(["pglite", "postgresql"] as const)("a restore killed midway on %s", (kind) => {
  it.skipIf(kind === "postgresql" && !process.env.CUSTODIAN_TEST_DATABASE_URL)(
    `[OWN-4] [PLAT-3] a ${kind} restore killed with SIGKILL leaves the target marked and refused, and a second restore with --replace completes byte-identical`,
    async () => {
      const dataDir = temporary("custodian-restore-kill-");
      const source = kind === "postgresql" ? await freshDatabase() : null;
      if (source) drops.push(source.drop);
      const url = source?.url ?? null;
      const env = environment(dataDir, url);
      let running = await startOn(dataDir, url);
      const kept = [await writeContent(running, "kept0"), await writeContent(running, "kept1")];
      const bulk = new Map<string, Buffer>();
      for (let index = 0; index < bulkFiles; index += 1) {
        const bytes = randomBytes(bulkBytes);
        const file = await running.client.files.create({
          file: await toFile(bytes, `bulk-${index}.bin`),
          purpose: "user_data",
        });
        bulk.set(file.id, bytes);
      }
      const doomed = await writeContent(running, "doomed");
      const archive = path.join(temporary("custodian-restore-kill-archive-"), "backup.cbk");
      const created = await cli(["backup", "create", "--out", archive], env);
      expect(created.code, created.output).toBe(0);
      // Deleted after the backup: it must stay deleted through the interrupted restore and the second one.
      await running.server.platform.workspace.conversations.delete(running.member, doomed.conversation);
      await running.client.files.delete(doomed.file);
      await running.close();

      // The mark is not there before the restore (so seeing it below means the restore wrote it).
      expect(await markCommitted(dataDir, url)).toBe(false);
      const restore = startCli(["backup", "restore", "--from", archive, "--replace"], env);
      await waitFor(
        async () => {
          if (restore.child.exitCode !== null)
            throw new Error(`the restore ended before it was seen writing: ${restore.output()}`);
          return markCommitted(dataDir, url);
        },
        { timeoutMs: 300_000, intervalMs: 50 },
      );
      restore.child.kill("SIGKILL");
      const killed = await restore.exited;
      expect(killed.signal, killed.output).toBe("SIGKILL");
      expect(killed.output).not.toContain("Restored backup");
      if (url) expect(await markCommitted(dataDir, url)).toBe(true);

      // The platform refuses the half-restored target, naming the mark and the way out.
      const refused = await startOn(dataDir, url).then(
        async (server) => {
          await server.close();
          return "the platform started on the half-restored target";
        },
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(refused).toContain("marked unusable: a restore into it did not finish");
      expect(refused).toContain("--replace");

      const again = await cli(["backup", "restore", "--from", archive, "--replace"], env);
      expect(again.code, again.output).toBe(0);
      expect(again.output).toContain("Restored backup");
      running = await startOn(dataDir, url);
      try {
        await checkKept(running, kept, bulk);
        await expect(
          running.server.platform.workspace.conversations.get(running.member, doomed.conversation),
        ).rejects.toMatchObject({ status: 404 });
        await expect(running.client.files.content(doomed.file)).rejects.toMatchObject({ status: 404 });
      } finally {
        await running.close();
      }
    },
    900_000,
  );
});
