import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { Keyring } from "../crypto/keyring.ts";
import { AuditLog } from "./audit-log.ts";

describe("AuditLog", () => {
  let database: TestDatabase;
  let audit: AuditLog;

  beforeEach(async () => {
    database = await testDatabase();
    audit = new AuditLog(database.db, new Keyring(database.db, randomBytes(32)), { checkpointEvery: 4 });
    for (let index = 1; index <= 10; index += 1) {
      await audit.append({ actor: "cli", action: "test.event", target: `obj_${index}`, metadata: { index } });
    }
  });
  afterEach(() => database.close());

  it("[SEC-4] an untouched chain verifies, with signed checkpoints", async () => {
    const result = await audit.verify();
    expect(result).toEqual({ ok: true, entries: 10, checkpoints: 2 });
  });

  it("[SEC-4] changing one byte of one stored entry is detected at that entry", async () => {
    // Flip one character of entry 6's action straight in the table, as an intruder with SQL access would.
    await sql`update audit_entries set action = 'test.evenu' where seq = 6`.execute(database.db);
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, seq: 6, problem: "its content does not match its hash" });
  });

  it("[SEC-4] rewriting an entry and its hash breaks the next link", async () => {
    await sql`update audit_entries set hash = repeat('a', 64) where seq = 3`.execute(database.db);
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 3 });
  });

  it("[SEC-4] deleting an entry or the signed tail is detected", async () => {
    await sql`delete from audit_entries where seq >= 7`.execute(database.db);
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 7 });
    await sql`delete from audit_entries where seq = 2`.execute(database.db);
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 2, problem: "entry 2 is missing" });
  });

  it("[SEC-4] a forged checkpoint signature is detected", async () => {
    await sql`update audit_checkpoints set signature = ${randomBytes(64).toString("base64")} where seq = 4`.execute(
      database.db,
    );
    expect(await audit.verify()).toMatchObject({
      ok: false,
      seq: 4,
      problem: "its checkpoint signature is invalid",
    });
  });

  it("refuses long free text in metadata, which is how content would leak in", async () => {
    await expect(
      audit.append({ actor: "cli", action: "x", metadata: { note: "y".repeat(500) } }),
    ).rejects.toThrow(/too long/);
  });
});
