// Where a new embedded database's templates live and what they are called (pglite-template.ts makes and
// reads them). Apart from PGlite itself, so that a process that only names the files, as every start
// does, does not load PGlite's JavaScript on its main thread (about 400 kB; PGlite runs on its own
// thread, pglite-worker.ts, and a PostgreSQL deployment never runs it at all).
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** The template files to start a new database from: either may be missing, or null for none. */
export interface TemplateFiles {
  /** The database right after initdb. */
  initdb: string | null;
  /** The database right after this build's migrations. */
  migrated: string | null;
}

const versions = new Map<string, string>();

/** The installed version of package `name`: its package.json, found upwards from its entry point. */
export function packageVersion(name: string): string {
  let version = versions.get(name);
  if (version === undefined) {
    version = findPackageVersion(name);
    versions.set(name, version);
  }
  return version;
}

function findPackageVersion(name: string): string {
  let directory = path.dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const file = path.join(directory, "package.json");
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (manifest.name === name && manifest.version) return manifest.version;
    }
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`no package.json of ${name} found`);
    directory = parent;
  }
}

/** The templates in `directory` for this PGlite and the migrations whose hash is `migrationsHash`. */
export function templateFiles(directory: string, migrationsHash: string | null): TemplateFiles {
  // PGlite's own version: another version's data directory may not fit.
  const version = packageVersion("@electric-sql/pglite");
  return {
    initdb: path.join(directory, `initdb-${version}.tar`),
    migrated: migrationsHash ? path.join(directory, `migrated-${version}-${migrationsHash}.tar`) : null,
  };
}
