// New embedded databases start from a saved copy of an empty one; a bad copy is replaced, never trusted.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createPGlite } from "./pglite-template.ts";

describe("the template of a new embedded database", () => {
  it("is saved by the first fresh database, and later ones start from it and work", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "custodian-template-"));
    const template = path.join(directory, "template.tar");
    const first = await createPGlite(path.join(directory, "one"), {}, template);
    await first.close();
    expect(statSync(template).size).toBeGreaterThan(1_000_000);
    const saved = readFileSync(template);

    const second = await createPGlite(path.join(directory, "two"), {}, template);
    await second.query("create table probe (id int)");
    await second.query("insert into probe values (7)");
    expect((await second.query<{ id: number }>("select id from probe")).rows).toEqual([{ id: 7 }]);
    await second.close();
    // Started from the template, it left the template as it was: what it wrote went to its own directory.
    expect(readFileSync(template).equals(saved)).toBe(true);

    // Reopened, the database is its own, with what was written to it.
    const reopened = await createPGlite(path.join(directory, "two"), {}, template);
    expect((await reopened.query<{ id: number }>("select id from probe")).rows).toEqual([{ id: 7 }]);
    await reopened.close();
  });

  it("replaces a damaged template and still opens the database", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "custodian-template-"));
    const template = path.join(directory, "template.tar");
    writeFileSync(template, "not a tar archive at all");
    const database = await createPGlite(path.join(directory, "db"), {}, template);
    expect((await database.query<{ one: number }>("select 1 as one")).rows).toEqual([{ one: 1 }]);
    await database.close();
    expect(existsSync(template)).toBe(true);
    expect(statSync(template).size).toBeGreaterThan(1_000_000);
  });
});
