// The audit log: append-only entries that form an RFC 6962 Merkle tree, with checkpoints signed by a key
// the database never holds and published outside it, so that it is verifiable offline and no one with
// the database alone can cut, wipe or rewrite it unnoticed. Entries record ids and facts only.
import path from "node:path";
import { sql } from "kysely";
import type { Logger } from "pino";
import type { Metric } from "prom-client";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { Checkpoint } from "./audit-checkpoint.ts";
import { entryBytes, metadataText, toAuditEntry, type AuditEntry, type AuditEvent } from "./audit-entry.ts";
import { auditErrors } from "./audit-errors.ts";
import { searchAuditEntries, type AuditSearch } from "./audit-search.ts";
import { AuditProver, type ExportPage } from "./audit-prover.ts";
import { loadAuditSigningKey, type AuditSigningKey } from "./audit-signing-key.ts";
import "./audit-tables.ts";
import { verifyAuditLog } from "./audit-verifier.ts";
import { CheckpointPublisher, type CheckpointFailure } from "./checkpoint-publisher.ts";
import type { CheckpointWitness } from "./checkpoint-witness.ts";
import type { InclusionProof, OrganizationAuditProofs } from "./inclusion-proof.ts";
import type { VerifyResult } from "./log-checker.ts";
import { MerkleNodeStore } from "./merkle-node-store.ts";
import { leafHash } from "./merkle-tree.ts";
import { WitnessFile, witnessFileName } from "./witness-file.ts";

export type { AuditEntry, AuditEvent, AuditMetadata } from "./audit-entry.ts";
export type { VerifyResult } from "./log-checker.ts";
export type { CheckpointFailure } from "./checkpoint-publisher.ts";

export interface AuditLogOptions {
  /** Sign a checkpoint whenever the entry number is a multiple of this. */
  checkpointEvery: number;
  /**
   * Signing and publishing. Without it the log keeps its tree but signs nothing: for tests of other
   * domains, which construct a bare log.
   */
  checkpoints?: {
    /** The signing key's file (outside the database; see `auditKeyFile`). */
    keyFile: string;
    /** The data directory: the witness file lives there. */
    dataDir: string;
    /** More witnesses: the S3 bucket, the security webhook. */
    witnesses?: readonly CheckpointWitness[];
    /** How often the timer looks for entries not yet checkpointed (default one minute). */
    intervalMs?: number;
    logger?: Logger;
  };
}

/** Any constant works; it only has to be the same in every process that appends. */
const appendLockId = 7_342_001;
const entryColumns = ["seq", "at", "actor", "action", "target", "organization_id", "metadata"] as const;

interface Signing {
  key: AuditSigningKey;
  witnessFile: WitnessFile;
  witnesses: readonly CheckpointWitness[];
  publisher: CheckpointPublisher;
  prover: AuditProver;
}

export class AuditLog {
  readonly #db: Db;
  readonly #nodes: MerkleNodeStore;
  readonly #checkpointEvery: number;
  readonly #signing: Signing | null;
  /** Told of every checkpoint failure (the platform raises a security event). */
  readonly onCheckpointFailure: Array<(failure: CheckpointFailure) => unknown> = [];

  constructor(db: Db, keyring: Keyring, options: AuditLogOptions) {
    this.#db = db;
    this.#nodes = new MerkleNodeStore(db);
    this.#checkpointEvery = options.checkpointEvery;
    const settings = options.checkpoints;
    if (!settings) {
      this.#signing = null;
      return;
    }
    const key = loadAuditSigningKey(settings.keyFile, keyring);
    const witnessFile = new WitnessFile(path.join(settings.dataDir, witnessFileName));
    const witnesses = settings.witnesses ?? [];
    const publisher = new CheckpointPublisher({
      db,
      nodes: this.#nodes,
      key,
      witnessFile,
      witnesses,
      intervalMs: settings.intervalMs ?? 60_000,
      logger: settings.logger ?? null,
      onFailure: this.onCheckpointFailure,
    });
    const prover = new AuditProver({ db, nodes: this.#nodes, publisher, key, witnessFile });
    this.#signing = { key, witnessFile, witnesses, publisher, prover };
  }

  /** Start the checkpoint timer (the platform does, once it is open). */
  start(): void {
    this.#signing?.publisher.start();
  }

  /** Stop the timer, sign a checkpoint of what is left, and wait for every witness. */
  async close(): Promise<void> {
    await this.#signing?.publisher.close();
  }

  /** Wait for checkpoints being published in the background. */
  async flush(): Promise<void> {
    await this.#signing?.publisher.flush();
  }

  /** Counters for /metrics: checkpoints made, and failures by stage and witness. */
  get metrics(): Metric[] {
    const publisher = this.#signing?.publisher;
    return publisher ? [publisher.made, publisher.failures] : [];
  }

  /** The log's public key as a C2SP verifier key; null when this log signs nothing. */
  get verifierKey(): string | null {
    return this.#signing?.key.verifier.text ?? null;
  }

  /** The witness file's path, null when this log signs nothing. */
  get witnessFile(): string | null {
    return this.#signing?.witnessFile.file ?? null;
  }

  /**
   * Append one entry and its leaf; entries from every process form one tree, serialised by a database
   * lock. Every N entries a checkpoint is signed before this resolves (its failures are reported).
   */
  async append(event: AuditEvent): Promise<number> {
    const seq = await this.#db.transaction().execute((transaction) => this.#appendIn(transaction, event));
    if (seq % this.#checkpointEvery === 0) await this.#signing?.publisher.request();
    return seq;
  }

  /**
   * Append inside the caller's transaction, so that the entry commits, or rolls back, with the change
   * it records. The log's lock is held until that transaction ends, so append last and keep it short;
   * a checkpoint due at this entry is left to the periodic one.
   */
  async appendWithin(transaction: Db, event: AuditEvent): Promise<number> {
    return this.#appendIn(transaction, event);
  }

  async #appendIn(transaction: Db, event: AuditEvent): Promise<number> {
    const metadata = metadataText(event.metadata ?? {});
    await sql`select pg_advisory_xact_lock(${appendLockId})`.execute(transaction);
    const last = await transaction
      .selectFrom("audit_entries")
      .select("seq")
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    const entry = {
      seq: (last?.seq ?? 0) + 1,
      at: new Date(),
      actor: event.actor,
      action: event.action,
      target: event.target ?? null,
      organization_id: event.organizationId ?? null,
      metadata,
    };
    await transaction.insertInto("audit_entries").values(entry).execute();
    await this.#nodes.appendLeaf(transaction, entry.seq - 1, leafHash(entryBytes(entry)));
    return entry.seq;
  }

  /**
   * One organisation's entries, newest first, with optional filters: for the admin console. Entries
   * hold ids and facts only, so they are safe to show to the organisation's auditors.
   */
  async list(
    organizationId: string,
    filter: { action?: string; actor?: string; target?: string; beforeSeq?: number; limit?: number } = {},
  ): Promise<AuditEntry[]> {
    let query = this.#db
      .selectFrom("audit_entries")
      .select(entryColumns)
      .where("organization_id", "=", organizationId);
    // An action ending in "." is a prefix: "member." finds every member event.
    if (filter.action !== undefined)
      query = filter.action.endsWith(".")
        ? query.where("action", "like", `${filter.action.replace(/[%_\\]/g, "")}%`)
        : query.where("action", "=", filter.action);
    if (filter.actor !== undefined) query = query.where("actor", "=", filter.actor);
    if (filter.target !== undefined) query = query.where("target", "=", filter.target);
    if (filter.beforeSeq !== undefined) query = query.where("seq", "<", filter.beforeSeq);
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 500);
    const rows = await query.orderBy("seq", "desc").limit(limit).execute();
    return rows.map(toAuditEntry);
  }

  /** The sequence number of the newest entry; 0 for an empty log. */
  async head(): Promise<number> {
    const row = await this.#db
      .selectFrom("audit_entries")
      .select("seq")
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    return row?.seq ?? 0;
  }

  /** One organisation's entries by the audit-log API's filters and cursors, newest first. */
  search(organizationId: string, filter: AuditSearch): Promise<{ entries: AuditEntry[]; hasMore: boolean }> {
    return searchAuditEntries(this.#db, organizationId, filter);
  }

  /**
   * Entries in sequence order after `afterSeq`, optionally of one organisation only: for exports and
   * for the security-event monitor, which read the log through this method rather than its table.
   */
  async entries(
    filter: { afterSeq?: number; organizationId?: string; limit?: number } = {},
  ): Promise<AuditEntry[]> {
    let query = this.#db
      .selectFrom("audit_entries")
      .select(entryColumns)
      .where("seq", ">", filter.afterSeq ?? 0)
      .orderBy("seq")
      .limit(Math.min(Math.max(filter.limit ?? 1000, 1), 10_000));
    if (filter.organizationId !== undefined)
      query = query.where("organization_id", "=", filter.organizationId);
    return (await query.execute()).map(toAuditEntry);
  }

  #requireSigning(): Signing {
    if (!this.#signing) throw auditErrors.notSigning();
    return this.#signing;
  }

  /** Sign the current tree (if it grew) and publish it; resolves to the newest checkpoint. */
  async checkpoint(): Promise<Checkpoint | null> {
    return this.#requireSigning().publisher.checkpoint();
  }

  /**
   * Verify the whole log against every signed checkpoint the witnesses and the database hold, the
   * newest outside one by a consistency proof; reports the first bad entry or the missing range.
   */
  /**
   * After restoring an older backup, before anything is appended: a restart checkpoint for the restored
   * log, published to every witness, so that their checkpoints of the larger tree the log had before are
   * superseded (and reported by `verify`) instead of refusing every checkpoint from now on.
   */
  async restart(at = new Date()): Promise<Checkpoint | null> {
    return this.#requireSigning().publisher.restart(at);
  }

  async verify(): Promise<VerifyResult> {
    return verifyAuditLog({
      db: this.#db,
      nodes: this.#nodes,
      verifier: this.#signing?.key.verifier ?? null,
      witnesses: this.#signing ? [this.#signing.witnessFile, ...this.#signing.witnesses] : [],
    });
  }

  /** One page of the export (`custodian audit export`); see `AuditProver.exportPage`. */
  exportPage(request: { treeSize?: number; afterSeq?: number; limit?: number }): Promise<ExportPage> {
    return this.#requireSigning().prover.exportPage(request);
  }

  /** An inclusion proof of entry `seq` against the newest checkpoint (`custodian audit prove`). */
  prove(seq: number): Promise<InclusionProof> {
    return this.#requireSigning().prover.prove(seq);
  }

  /** One organisation's entries with inclusion proofs against one signed checkpoint (its export). */
  organizationProofs(organizationId: string): Promise<OrganizationAuditProofs> {
    return this.#requireSigning().prover.organizationProofs(organizationId);
  }
}
