import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { Keyring } from "../crypto/keyring.ts";
import { localModelEntries } from "./llama/local-model-entries.ts";
import { ModelRegistry } from "./model-registry.ts";

describe("ModelRegistry", () => {
  let database: TestDatabase;
  let registry: ModelRegistry;

  beforeAll(async () => {
    database = await testDatabase();
    const audit = new AuditLog(database.db, new Keyring(database.db, randomBytes(32)), {
      checkpointEvery: 100,
    });
    registry = new ModelRegistry({ db: database.db, audit });
  });
  afterAll(async () => {
    await database?.close();
  });

  it("[SEC-4] registers, re-registers and lists models, and audits each registration", async () => {
    const base = { path: "/models/a.gguf", source: "hf:o/r/a.gguf", sha256: "a".repeat(64), sizeBytes: 10 };
    await registry.register({ id: "a", ...base, actor: "cli" });
    await registry.register({ id: "b", ...base, path: "/models/b.gguf", sha256: null, actor: "cli" });
    const again = await registry.register({
      id: "a",
      ...base,
      path: "/models/a2.gguf",
      sizeBytes: 12,
      actor: "cli",
    });
    expect(again).toMatchObject({ id: "a", path: "/models/a2.gguf", sizeBytes: 12 });
    expect((await registry.list()).map((model) => [model.id, model.path])).toEqual([
      ["a", "/models/a2.gguf"],
      ["b", "/models/b.gguf"],
    ]);
    expect(await registry.get("b")).toMatchObject({ sha256: null, source: "hf:o/r/a.gguf" });
    await expect(registry.get("c")).rejects.toMatchObject({ status: 404 });
    await expect(registry.register({ id: "bad id", ...base, actor: "cli" })).rejects.toMatchObject({
      status: 400,
    });
    const entries = await database.db
      .selectFrom("audit_entries")
      .select(["action", "target"])
      .where("action", "=", "model.registered")
      .orderBy("seq")
      .execute();
    expect(entries).toEqual([
      { action: "model.registered", target: "a" },
      { action: "model.registered", target: "b" },
      { action: "model.registered", target: "a" },
    ]);
  });

  it("serves configured models first and skips registered ones whose id is taken", async () => {
    const entries = await localModelEntries(
      {
        models: [{ id: "a", path: "/configured/a.gguf" }],
        upstreams: [{ name: "u", baseURL: "http://x", apiKey: null, models: [{ id: "b", upstreamId: "b" }] }],
      },
      registry,
      pino({ level: "silent" }),
    );
    expect(entries).toEqual([{ id: "a", path: "/configured/a.gguf" }]);
  });
});
