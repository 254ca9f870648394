// A new embedded database starts from a saved copy of an empty one instead of running initdb and the
// migrations again.
//
// PGlite's initdb takes 4 to 5 s of CPU on a small machine, and the migrations another 1 to 2 s: most
// of a first start's time, and paid again by every test that opens a fresh database. Their result is
// the same every time for one PGlite version and one set of migrations, so the first database made
// on a machine is saved twice: right after initdb (the "initdb" template, for any migrations) and right
// after the migrations, before the platform opens it (the "migrated" template, named by a hash of the
// migrations). Later fresh databases start from the migrated one when it fits, else from the initdb one.
// A template is taken before any organisation exists, so it holds no data, keys or settings of any
// installation; a template that fails to load is deleted and the database is made the slow way.
import {
  existsSync,
  mkdirSync,
  openAsBlob,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import { publicToken } from "../core/ids.ts";
import { extractTar } from "./tar-extract.ts";
import type { TemplateFiles } from "./template-files.ts";

/** How a database was opened: an existing one, or a new one from which template (or none). */
export type DatabaseOrigin = "existing" | "migrated-template" | "initdb-template" | "initdb";

function isFresh(dataDir: string): boolean {
  return dataDir.startsWith("memory://") || !existsSync(path.join(dataDir, "PG_VERSION"));
}

/** Starts `dataDir` from `templateFile`: unpacked onto the disk, or given to PGlite for a memory database. */
async function fromTemplate(dataDir: string, options: PGliteOptions, templateFile: string): Promise<PGlite> {
  // PGlite would unpack it through its WebAssembly file system: the whole archive in memory twice,
  // and about 170 MB of resident memory that the process kept for good. Unpacked here, the database
  // opens as an existing one does on a restart.
  if (dataDir.startsWith("memory://"))
    return PGlite.create(dataDir, { ...options, loadDataDir: await openAsBlob(templateFile) });
  extractTar(templateFile, dataDir);
  return PGlite.create(dataDir, options);
}

/** Opens PGlite on `dataDir`, from the newest fitting template when the directory is new. */
export async function createPGlite(
  dataDir: string,
  options: PGliteOptions,
  templates: TemplateFiles,
): Promise<{ pglite: PGlite; origin: DatabaseOrigin }> {
  if (!isFresh(dataDir)) return { pglite: await PGlite.create(dataDir, options), origin: "existing" };
  const candidates = [
    [templates.migrated, "migrated-template"],
    [templates.initdb, "initdb-template"],
  ] as const;
  for (const [file, origin] of candidates) {
    if (!file || !existsSync(file)) continue;
    try {
      return { pglite: await fromTemplate(dataDir, options, file), origin };
    } catch {
      // A damaged template (a disk full while it was written, another PGlite's format): forget it,
      // clear what the failed load left in the new directory, and try the next way.
      rmSync(file, { force: true });
      if (!dataDir.startsWith("memory://")) {
        rmSync(dataDir, { recursive: true, force: true });
        mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      }
    }
  }
  const pglite = await PGlite.create(dataDir, options);
  if (templates.initdb) await saveTemplate(pglite, templates.initdb).catch(() => undefined);
  return { pglite, origin: "initdb" };
}

/** How many migrated templates are kept: one per recent set of migrations (several checkouts share a cache). */
const keptMigratedTemplates = 4;

/** Writes the database as it is now as the template `templateFile`: whole, or not at all. */
export async function saveTemplate(pglite: PGlite, templateFile: string): Promise<void> {
  const tar = Buffer.from(await (await pglite.dumpDataDir("none")).arrayBuffer());
  const directory = path.dirname(templateFile);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  // Several processes may race to write it (tests start many at once): each writes its own file and
  // renames it into place, so a reader sees a whole template or none.
  const partial = `${templateFile}.${publicToken(8)}.partial`;
  try {
    writeFileSync(partial, tar, { mode: 0o600 });
    renameSync(partial, templateFile);
  } finally {
    rmSync(partial, { force: true });
  }
  if (path.basename(templateFile).startsWith("migrated-")) pruneMigratedTemplates(directory);
}

/** Removes all but the newest few migrated templates: older migrations' templates are never loaded again. */
function pruneMigratedTemplates(directory: string): void {
  const templates = readdirSync(directory)
    .filter((name) => name.startsWith("migrated-") && name.endsWith(".tar"))
    .map((name) => {
      const file = path.join(directory, name);
      return { file, modified: existsSync(file) ? statSync(file).mtimeMs : 0 };
    })
    .sort((left, right) => right.modified - left.modified);
  for (const { file } of templates.slice(keptMigratedTemplates)) rmSync(file, { force: true });
}
