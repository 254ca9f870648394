// A new embedded database starts from a copy of an empty one instead of running initdb again.
//
// PGlite's initdb takes 4 to 5 s of CPU on a small machine: most of a first start's time, and paid
// again by every test that opens a fresh database. Its result is the same every time for one PGlite
// version, so the first database made on a machine is saved as a template (a tar of the data directory
// right after initdb, before anything is written to it) and later fresh databases load it: about 0.7 s.
// The template holds no data, keys or settings of any installation; a template that fails to load is
// deleted and the database is created the slow way.
import { existsSync, mkdirSync, openAsBlob, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import { publicToken } from "../core/ids.ts";

function isFresh(dataDir: string): boolean {
  return dataDir.startsWith("memory://") || !existsSync(path.join(dataDir, "PG_VERSION"));
}

/** Opens PGlite on `dataDir`, from the template at `templateFile` when the directory is new. */
export async function createPGlite(
  dataDir: string,
  options: PGliteOptions,
  templateFile: string | null,
): Promise<PGlite> {
  if (!templateFile || !isFresh(dataDir)) return PGlite.create(dataDir, options);
  if (existsSync(templateFile)) {
    try {
      return await PGlite.create(dataDir, { ...options, loadDataDir: await openAsBlob(templateFile) });
    } catch {
      // A damaged template (a disk full while it was written, another PGlite's format): forget it,
      // clear what the failed load left in the new directory, and make the database from scratch.
      rmSync(templateFile, { force: true });
      if (!dataDir.startsWith("memory://")) {
        rmSync(dataDir, { recursive: true, force: true });
        mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      }
    }
  }
  const pglite = await PGlite.create(dataDir, options);
  await saveTemplate(pglite, templateFile).catch(() => undefined);
  return pglite;
}

/** Writes the just-created, still empty database as the template: whole, or not at all. */
async function saveTemplate(pglite: PGlite, templateFile: string): Promise<void> {
  const tar = Buffer.from(await (await pglite.dumpDataDir("none")).arrayBuffer());
  mkdirSync(path.dirname(templateFile), { recursive: true, mode: 0o700 });
  // Several processes may race to write it (tests start many at once): each writes its own file and
  // renames it into place, so a reader sees a whole template or none.
  const partial = `${templateFile}.${publicToken(8)}.partial`;
  try {
    writeFileSync(partial, tar, { mode: 0o600 });
    renameSync(partial, templateFile);
  } finally {
    rmSync(partial, { force: true });
  }
}
