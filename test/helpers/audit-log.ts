// An audit log for a test as an installation runs one: its own database, a data directory with the
// signing key and the witness file, a captured logger, and a record of the checkpoint failures raised.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { AuditLog, type CheckpointFailure } from "../../src/audit/audit-log.ts";
import { auditKeyFileName } from "../../src/audit/audit-signing-key.ts";
import type { CheckpointWitness } from "../../src/audit/checkpoint-witness.ts";
import { witnessFileName } from "../../src/audit/witness-file.ts";
import { Keyring } from "../../src/crypto/keyring.ts";
import { testDatabase, type TestDatabase } from "./database.ts";

export interface TestAuditLog {
  database: TestDatabase;
  audit: AuditLog;
  dataDir: string;
  keyFile: string;
  witnessFile: string;
  masterKey: Buffer;
  failures: CheckpointFailure[];
  logs(): string;
  /** Another AuditLog on the same database and files (a restarted process). */
  reopen(options?: { witnesses?: CheckpointWitness[] }): AuditLog;
  close(): Promise<void>;
}

export async function testAuditLog(
  options: { checkpointEvery?: number; intervalMs?: number; witnesses?: CheckpointWitness[] } = {},
): Promise<TestAuditLog> {
  const database = await testDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), "custodian-audit-"));
  const masterKey = randomBytes(32);
  let logged = "";
  const logger = pino(
    { level: "debug" },
    new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    }),
  );
  const failures: CheckpointFailure[] = [];
  const keyFile = path.join(dataDir, auditKeyFileName);
  const open = (witnesses = options.witnesses) => {
    const log = new AuditLog(database.db, new Keyring(database.db, masterKey), {
      checkpointEvery: options.checkpointEvery ?? 4,
      checkpoints: { keyFile, dataDir, witnesses, intervalMs: options.intervalMs ?? 3_600_000, logger },
    });
    log.onCheckpointFailure.push((failure) => failures.push(failure));
    return log;
  };
  const audit = open();
  return {
    database,
    audit,
    dataDir,
    keyFile,
    witnessFile: path.join(dataDir, witnessFileName),
    masterKey,
    failures,
    logs: () => logged,
    reopen: (reopened = {}) => open(reopened.witnesses),
    async close() {
      await audit.close().catch(() => undefined);
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
