import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { Keyring } from "../crypto/keyring.ts";
import { AuthFailureSummary } from "./auth-failure-summary.ts";

describe("AuthFailureSummary", () => {
  let database: TestDatabase;
  let audit: AuditLog;

  beforeEach(async () => {
    database = await testDatabase();
    audit = new AuditLog(database.db, new Keyring(database.db, randomBytes(32)), { checkpointEvery: 100 });
  });
  afterEach(() => database.close());

  it("[SEC-4] writes one summarised audit entry per window, not one per failure", async () => {
    const summary = new AuthFailureSummary(audit, 3_600_000);
    for (let index = 0; index < 50; index += 1) summary.record("invalid_api_key");
    summary.record("missing_api_key");
    await summary.flush();
    await summary.flush(); // nothing new: no entry
    await summary.close();
    const entries = await database.db.selectFrom("audit_entries").selectAll().execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.action).toBe("auth.failures");
    expect(JSON.parse(entries[0]!.metadata)).toMatchObject({
      count: 51,
      invalid_api_key: 50,
      missing_api_key: 1,
    });
  });

  it("[SEC-4] a window whose entry cannot be written is carried into the next one, not lost", async () => {
    let down = true;
    const flaky = {
      append: (entry: Parameters<AuditLog["append"]>[0]) =>
        down ? Promise.reject(new Error("database away")) : audit.append(entry),
    } as AuditLog;
    const summary = new AuthFailureSummary(flaky, 3_600_000);
    for (let index = 0; index < 3; index += 1) summary.record("invalid_api_key");
    await expect(summary.flush()).rejects.toThrow("database away");
    summary.record("missing_api_key");
    down = false;
    await summary.close();
    const entries = await database.db.selectFrom("audit_entries").selectAll().execute();
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]!.metadata)).toMatchObject({
      count: 4,
      invalid_api_key: 3,
      missing_api_key: 1,
    });
  });
});
