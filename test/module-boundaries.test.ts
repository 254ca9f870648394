// The module contract, checked over the code: every migration belongs to a module, and no domain
// queries a table that another module's migrations make (a module reaches another only through what
// that module exports).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { platformModules } from "../src/platform/platform.ts";

const src = path.resolve(import.meta.dirname, "../src");
const migrations = path.join(src, "db/migrations");

/** Which modules' tables each domain folder's code may query; the foundation (keys, audit) is below all. */
const folderModules: Record<string, string[]> = {
  tenancy: ["tenancy"],
  crypto: ["tenancy", "customer-keys"],
  audit: ["tenancy"],
  identity: ["identity"],
  inference: ["local-models"],
  files: ["files"],
  finetune: ["finetune"],
  privacy: ["privacy", "oversight"],
  responses: ["responses"],
  batches: ["batches"],
  access: ["access"],
  usage: ["usage"],
  workspace: ["workspace"],
  notify: ["security"],
  trust: ["trust"],
  compliance: ["compliance"],
};

function tablesOf(migration: string): string[] {
  const text = readFileSync(path.join(migrations, `${migration}.ts`), "utf8");
  return [...text.matchAll(/createTable\("([a-z_]+)"\)/g)].map((match) => match[1]!);
}

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const file = path.join(folder, name);
    if (statSync(file).isDirectory()) return sources(file);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [file] : [];
  });
}

/** Tables code queries through Kysely or names in raw SQL after from/join/into/update. */
function queriedTables(text: string): string[] {
  const builder = [...text.matchAll(/(?:selectFrom|insertInto|updateTable|deleteFrom|Join)\("([a-z_]+)/g)];
  const raw = [...text.matchAll(/\b(?:from|join|into|update)\s+([a-z_]+)\b/g)];
  return [...builder, ...raw].map((match) => match[1]!);
}

describe("module boundaries", () => {
  const allTables = new Set(
    readdirSync(migrations)
      .filter((file) => !file.endsWith(".test.ts"))
      .flatMap((file) => tablesOf(file.replace(/\.ts$/, ""))),
  );

  it("every migration is claimed by a module", () => {
    const claimed = new Set(platformModules.flatMap((module) => module.migrations));
    // The migrations the database applies: every .ts file there but tests (src/db/database.ts).
    const files = readdirSync(migrations)
      .filter((file) => !file.endsWith(".test.ts"))
      .map((file) => file.replace(/\.ts$/, ""));
    expect(files.filter((file) => !claimed.has(file))).toEqual([]);
    expect([...claimed].filter((name) => !files.includes(name))).toEqual([]);
  });

  it("no domain queries another module's tables", () => {
    const byName = new Map<string, (typeof platformModules)[number]>(
      platformModules.map((module) => [module.name, module]),
    );
    const strays: string[] = [];
    for (const [folder, modules] of Object.entries(folderModules)) {
      const own = new Set(modules.flatMap((name) => byName.get(name)!.migrations.flatMap(tablesOf)));
      for (const file of sources(path.join(src, folder))) {
        for (const table of queriedTables(readFileSync(file, "utf8"))) {
          if (allTables.has(table) && !own.has(table)) strays.push(`${path.relative(src, file)} -> ${table}`);
        }
      }
    }
    expect(strays).toEqual([]);
  });

  it("the check finds a stray query (positive control)", () => {
    // The query the platform made before identity offered `ownerOf`: the usage domain reading api_keys.
    const stray = 'await db.selectFrom("api_keys").select("user_id").where("id", "=", keyId)';
    const usageTables = new Set(
      platformModules.find((module) => module.name === "usage")!.migrations.flatMap(tablesOf),
    );
    expect(queriedTables(stray).filter((table) => allTables.has(table) && !usageTables.has(table))).toEqual([
      "api_keys",
    ]);
  });
});
