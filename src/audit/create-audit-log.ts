// The audit log as an installation runs it: the signing key beside the master key (or in the data
// directory), the witness file in the data directory, and the S3 bucket and the security webhook as
// more witnesses when they are configured.
import type { Logger } from "pino";
import type { Config } from "../config/config.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import { AuditLog } from "./audit-log.ts";
import { auditKeyFile } from "./audit-signing-key.ts";
import type { CheckpointWitness } from "./checkpoint-witness.ts";
import { ObjectStoreWitness, type WitnessObjectStore } from "./object-store-witness.ts";
import { WebhookWitness, type WitnessWebhook } from "./webhook-witness.ts";

export function createAuditLog(dependencies: {
  config: Pick<Config, "dataDir" | "masterKey" | "checkpointEvery">;
  db: Db;
  keyring: Keyring;
  logger: Logger;
  /** The blob store when it is an S3 bucket; null for a local directory (the witness file is local already). */
  objectStore: WitnessObjectStore | null;
  /** A sender to the security webhook, when one is configured. */
  webhook: WitnessWebhook | null;
}): AuditLog {
  const { config } = dependencies;
  const witnesses: CheckpointWitness[] = [];
  if (dependencies.objectStore) witnesses.push(new ObjectStoreWitness(dependencies.objectStore));
  if (dependencies.webhook) witnesses.push(new WebhookWitness(dependencies.webhook));
  return new AuditLog(dependencies.db, dependencies.keyring, {
    checkpointEvery: config.checkpointEvery,
    checkpoints: {
      keyFile: auditKeyFile({
        dataDir: config.dataDir,
        masterKeyFile: config.masterKey.kind === "file" ? config.masterKey.path : null,
      }),
      dataDir: config.dataDir,
      witnesses,
      logger: dependencies.logger,
    },
  });
}
