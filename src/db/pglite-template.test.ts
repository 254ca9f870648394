// New embedded databases start from saved copies of an empty one (after initdb, and after this build's
// migrations); a bad copy is replaced, never trusted.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { embeddedDialect, knownSchemaVersions, openDatabase } from "./database.ts";
import { createPGlite } from "./pglite-template.ts";
import { templateFiles } from "./template-files.ts";

const temporary = () => mkdtempSync(path.join(tmpdir(), "custodian-template-"));

describe("the template of a new embedded database", () => {
  it("is saved by the first fresh database, and later ones start from it and work", async () => {
    const directory = temporary();
    const templates = { initdb: path.join(directory, "template.tar"), migrated: null };
    const first = await createPGlite(path.join(directory, "one"), {}, templates);
    expect(first.origin).toBe("initdb");
    await first.pglite.close();
    expect(statSync(templates.initdb).size).toBeGreaterThan(1_000_000);
    const saved = readFileSync(templates.initdb);

    const second = await createPGlite(path.join(directory, "two"), {}, templates);
    expect(second.origin).toBe("initdb-template");
    await second.pglite.query("create table probe (id int)");
    await second.pglite.query("insert into probe values (7)");
    expect((await second.pglite.query<{ id: number }>("select id from probe")).rows).toEqual([{ id: 7 }]);
    await second.pglite.close();
    // Started from the template, it left the template as it was: what it wrote went to its own directory.
    expect(readFileSync(templates.initdb).equals(saved)).toBe(true);

    // Reopened, the database is its own, with what was written to it.
    const reopened = await createPGlite(path.join(directory, "two"), {}, templates);
    expect(reopened.origin).toBe("existing");
    expect((await reopened.pglite.query<{ id: number }>("select id from probe")).rows).toEqual([{ id: 7 }]);
    await reopened.pglite.close();
  });

  it("replaces a damaged template and still opens the database", async () => {
    const directory = temporary();
    const templates = { initdb: path.join(directory, "template.tar"), migrated: null };
    writeFileSync(templates.initdb, "not a tar archive at all");
    const database = await createPGlite(path.join(directory, "db"), {}, templates);
    expect(database.origin).toBe("initdb");
    expect((await database.pglite.query<{ one: number }>("select 1 as one")).rows).toEqual([{ one: 1 }]);
    await database.pglite.close();
    expect(existsSync(templates.initdb)).toBe(true);
    expect(statSync(templates.initdb).size).toBeGreaterThan(1_000_000);
  });

  it("after the migrations: saved by the first migrated database, loaded by the next, on disk and in memory", async () => {
    const templateDirectory = temporary();
    const open = async (pgliteDir: string) => {
      const db = await openDatabase({ url: null, pgliteDir, templateDirectory });
      return { db, origin: embeddedDialect(db)!.driver!.origin };
    };
    const applied = async (db: Awaited<ReturnType<typeof open>>["db"]) =>
      (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map(
        (row) => row.name,
      );
    const first = await open(path.join(templateDirectory, "one"));
    expect(first.origin).toBe("initdb");
    await first.db.destroy();
    const saved = readdirSync(templateDirectory).filter((name) => /^migrated-.+\.tar$/.test(name));
    expect(saved).toHaveLength(1);

    for (const pgliteDir of [path.join(templateDirectory, "two"), "memory://"]) {
      const next = await open(pgliteDir);
      expect(next.origin).toBe("migrated-template");
      expect(await applied(next.db)).toEqual(await knownSchemaVersions());
      // A working database of its own: it takes writes.
      await sql`insert into organizations (id, name, created_at) values ('org_probe', 'probe', now())`.execute(
        next.db,
      );
      await next.db.destroy();
    }

    // A restore opens a new database unmigrated: from the initdb template, with no migration applied.
    const unmigrated = await openDatabase(
      { url: null, pgliteDir: path.join(templateDirectory, "three"), templateDirectory },
      { migrate: false },
    );
    const table = await sql<{
      name: string | null;
    }>`select to_regclass('kysely_migration')::text as name`.execute(unmigrated);
    expect(table.rows[0]!.name).toBeNull();
    // Kysely opens the database at its first query.
    expect(embeddedDialect(unmigrated)!.driver!.origin).toBe("initdb-template");
    await unmigrated.destroy();
    expect(templateFiles(templateDirectory, null).migrated).toBeNull();
  });
});
