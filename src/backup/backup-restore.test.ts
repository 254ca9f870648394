// A restore reads its archive once and checks it as it goes (OWN-4): when the fault is found only after
// blobs were written (here a flipped byte near the end of the archive, past the first of two big
// files), the restore is refused, the blobs it added to the store are removed again and the target's
// database is left unmarked and usable. The positive control: the same scan of the store finds the
// blobs a restore of the intact archive writes.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { toFile } from "openai";
import { expect, it } from "vitest";
import { cli, environment, scratch, startOn } from "../../test/helpers/backup-fixture.ts";

const { temporary } = scratch();

/** Every file under `directory` (none when it does not exist). */
function filesUnder(directory: string): string[] {
  try {
    return readdirSync(directory, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}

it("[OWN-4] an archive found corrupt after blobs were written is refused, and the blobs it added are removed", async () => {
  const dataDir = temporary("custodian-restore-late-fault-");
  const running = await startOn(dataDir, null);
  for (const name of ["first", "second"])
    await running.client.files.create({
      file: await toFile(randomBytes(2 * 1024 * 1024), `${name}.bin`),
      purpose: "user_data",
    });
  await running.close();
  const env = environment(dataDir, null);
  const archive = path.join(dataDir, "good.cbk");
  const created = await cli(["backup", "create", "--out", archive], env);
  expect(created.code, created.output).toBe(0);
  // The two files are most of the archive: 90% of the way in is the second one's, past the first.
  const corrupt = readFileSync(archive);
  corrupt[Math.floor(corrupt.length * 0.9)]! ^= 0x40;
  const corruptFile = path.join(dataDir, "corrupt.cbk");
  writeFileSync(corruptFile, corrupt);
  const brought = {
    CUSTODIAN_MASTER_KEY_FILE: path.join(dataDir, "master.key"),
    CUSTODIAN_KEY_LEDGER_DIR: path.join(dataDir, "key-ledger"),
  };

  // The positive control: the intact archive, restored elsewhere, leaves both blobs in that store.
  const control = temporary("custodian-restore-control-");
  const restored = await cli(["backup", "restore", "--from", archive], environment(control, null, brought));
  expect(restored.code, restored.output).toBe(0);
  expect(filesUnder(path.join(control, "blobs")).length).toBeGreaterThanOrEqual(2);

  const target = temporary("custodian-restore-refused-");
  const targetEnv = environment(target, null, brought);
  const refused = await cli(["backup", "restore", "--from", corruptFile], targetEnv);
  expect(refused.code, refused.output).toBe(2);
  expect(refused.output).toContain("corrupt");
  expect(filesUnder(path.join(target, "blobs"))).toEqual([]);
  // Not marked: the target's database opens (and is migrated and listed) as if no restore had run.
  const listed = await cli(["orgs", "list"], targetEnv);
  expect(listed.code, listed.output).toBe(0);
}, 900_000);
