// The security-event monitor against a real database: two nodes scanning the same audit log page each
// entry once, and only what should page does.
import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { Keyring } from "../crypto/keyring.ts";
import { openDatabase, type Db } from "../db/database.ts";
import { SecurityEventMonitor } from "./security-event-monitor.ts";
import type { SecurityEvent, SecurityEvents } from "./security-events.ts";

describe("SecurityEventMonitor", () => {
  let database: TestDatabase;
  /** A second node: its own connection pool on PostgreSQL; on PGlite the one process's database. */
  let otherNode: Db;
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    database = await testDatabase();
    otherNode = database.url
      ? await openDatabase({ url: database.url, pgliteDir: "memory://" })
      : database.db;
  });
  afterAll(async () => {
    if (otherNode !== database?.db) await otherNode?.destroy();
    await database?.close();
  });

  function node(db: Db, raised: SecurityEvent[]) {
    const audit = new AuditLog(db, new Keyring(db, masterKey), { checkpointEvery: 1000 });
    // The webhook is outside this test: a recorder stands in for the sender.
    const events = {
      raise: (event: SecurityEvent) => {
        raised.push(event);
        return Promise.resolve(true);
      },
    } as unknown as SecurityEvents;
    return {
      audit,
      monitor: new SecurityEventMonitor({
        db,
        audit,
        events,
        logger: pino({ level: "silent" }),
        authFailureThreshold: 10,
      }),
    };
  }

  it("[SEC-4] pages each security-relevant audit entry once across two nodes, and nothing else", async () => {
    const raised: SecurityEvent[] = [];
    const first = node(database.db, raised);
    const second = node(otherNode, raised);
    await first.audit.append({ actor: "system", action: "history.before_start" });
    await first.monitor.start();
    await second.monitor.start();
    await first.monitor.stop();
    await second.monitor.stop();
    await first.audit.append({ actor: "system", action: "auth.failures", metadata: { count: 9 } });
    await first.audit.append({ actor: "system", action: "auth.failures", metadata: { count: 10 } });
    await first.audit.append({
      actor: "anonymous",
      action: "sign_in.failed",
      metadata: { method: "saml", reason: "audience_mismatch" },
    });
    await first.audit.append({
      actor: "anonymous",
      action: "sign_in.failed",
      metadata: { method: "saml", reason: "assertion_signature_invalid" },
    });
    await first.audit.append({ actor: "op_1", action: "staff_grant.requested", target: "grant_1" });
    for (let index = 0; index < 20; index += 1) await first.audit.append({ actor: "u", action: "noise" });

    // Two nodes at once; a second call on one node joins the scan already running there.
    const again = first.monitor.scan();
    const counts = await Promise.all([first.monitor.scan(), second.monitor.scan()]);
    expect(await again).toBe(counts[0]);
    expect(counts[0] + counts[1]).toBe(3);
    expect(raised.map((event) => event.type).sort()).toEqual([
      "security.auth_failures",
      "security.sso_signature_failure",
      "security.staff_access",
    ]);
    expect(await second.monitor.scan()).toBe(0);
  });
});
