// Signs checkpoints of the audit log's tree and publishes them outside the database: every N entries,
// on a timer while entries arrive, and at shutdown. It never signs a tree that does not extend the
// last checkpoint it trusts, and every failure is logged, counted and raised as a security event.
import type { Logger } from "pino";
import { Counter } from "prom-client";
import { CustodianError } from "../core/errors.ts";
import type { Db } from "../db/database.ts";
import { auditErrors } from "./audit-errors.ts";
import { openCheckpoint, signCheckpoint, type Checkpoint } from "./audit-checkpoint.ts";
import type { AuditSigningKey } from "./audit-signing-key.ts";
import type { CheckpointWitness } from "./checkpoint-witness.ts";
import type { MerkleNodeStore } from "./merkle-node-store.ts";
import { verifyConsistency } from "./merkle-tree.ts";
import type { WitnessFile } from "./witness-file.ts";
import { epochsOf } from "./witness-epochs.ts";

export interface CheckpointFailure {
  /** "refused": the log does not extend what was signed; "sign": making it failed; "witness": publishing. */
  stage: "refused" | "sign" | "witness";
  /** Which witness, for "witness". */
  witness: string | null;
  /** Facts only: sizes, entry numbers, error names. */
  problem: string;
}

export interface CheckpointPublisherOptions {
  db: Db;
  nodes: MerkleNodeStore;
  key: AuditSigningKey;
  /** Written and fsync'd before a checkpoint counts as made. */
  witnessFile: WitnessFile;
  /** Published to in the background (S3, the webhook): a slow receiver never holds up an append. */
  witnesses: readonly CheckpointWitness[];
  /** How often the timer looks for entries not yet checkpointed; 60 s in production. */
  intervalMs: number;
  logger: Logger | null;
  onFailure: ReadonlyArray<(failure: CheckpointFailure) => unknown>;
}

export class CheckpointPublisher {
  readonly #options: CheckpointPublisherOptions;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | null = null;
  /** The newest checkpoint this process made or read from its witness file. */
  #newest: Checkpoint | null = null;
  #witnessFileRead = false;
  /** The failure last raised as a security event, so a lasting one pages once, not every minute. */
  #lastRaised: string | null = null;
  readonly made = new Counter({
    name: "custodian_audit_checkpoints_total",
    help: "Audit checkpoints signed by this process.",
    registers: [],
  });
  readonly failures = new Counter({
    name: "custodian_audit_checkpoint_failures_total",
    help: "Audit checkpoints refused, failed, or not accepted by a witness, by stage and witness.",
    labelNames: ["stage", "witness"] as const,
    registers: [],
  });

  constructor(options: CheckpointPublisherOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.request(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Sign the current tree if it grew; resolves to the newest checkpoint. Throws after reporting. */
  checkpoint(): Promise<Checkpoint | null> {
    const run = this.#queue.then(() => this.#checkpoint());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** `checkpoint()` for the append path and the timer: failures are reported, never thrown. */
  async request(): Promise<void> {
    await this.checkpoint().catch(() => undefined);
  }

  /** Wait for background publishing to finish (shutdown, tests). */
  async flush(): Promise<void> {
    await this.#queue;
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  /** Stop the timer, sign what is left, and wait for every witness. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.request();
    await this.flush();
  }

  async #checkpoint(): Promise<Checkpoint | null> {
    const { db, nodes, key } = this.#options;
    let checkpoint: Checkpoint;
    let previous: Checkpoint | null;
    try {
      const size = await this.#size();
      previous = await this.#previous();
      if (previous && previous.size > size) {
        throw auditErrors.checkpointRefused(
          `the log holds ${size} entries, fewer than the ${previous.size} a signed checkpoint covers`,
        );
      }
      if (size === 0) return null;
      const root = await nodes.root(size);
      if (previous) {
        const proof = await nodes.consistencyProof(previous.size, size);
        if (!verifyConsistency(previous.size, size, proof, previous.root, root)) {
          throw auditErrors.checkpointRefused(
            `the stored tree of ${size} entries does not extend the checkpoint of ${previous.size} entries`,
          );
        }
        if (previous.size === size) return previous;
      }
      checkpoint = signCheckpoint(key.name, size, root, key);
      await db
        .insertInto("audit_checkpoints")
        .values({ tree_size: size, root_hash: root, note: checkpoint.note, at: new Date() })
        .onConflict((conflict) => conflict.column("tree_size").doNothing())
        .execute();
    } catch (error) {
      const refused = error instanceof CustodianError && error.code === "audit_checkpoint_refused";
      this.#fail(refused ? "refused" : "sign", null, error);
      throw error;
    }
    await this.#publish(checkpoint);
    return checkpoint;
  }

  /** Into the witness file (durably, or it throws), then to every other witness in the background. */
  async #publish(checkpoint: Checkpoint): Promise<void> {
    try {
      await this.#options.witnessFile.publish(checkpoint);
    } catch (error) {
      this.#fail("witness", "file", error);
      throw error;
    }
    this.#newest = checkpoint;
    this.made.inc();
    for (const witness of this.#options.witnesses) {
      const published = witness.publish(checkpoint).then(
        () => undefined,
        (error: unknown) => this.#fail("witness", witness.name, error),
      );
      this.#inFlight.add(published);
      void published.finally(() => this.#inFlight.delete(published));
    }
    this.#lastRaised = null;
  }

  /**
   * After a restore of an older backup: signs a restart checkpoint for the restored tree and publishes
   * it, so that the witnesses' checkpoints of the larger tree the log had before are superseded
   * (witness-epochs.ts) instead of refusing every checkpoint from now on. The restored tree must still
   * extend the database's own newest checkpoint.
   */
  restart(at: Date): Promise<Checkpoint | null> {
    const run = this.#queue.then(() => this.#restart(at));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #restart(at: Date): Promise<Checkpoint | null> {
    const { db, nodes, key } = this.#options;
    let checkpoint: Checkpoint;
    try {
      const size = await this.#size();
      if (size === 0) return null;
      const root = await nodes.root(size);
      const row = await db
        .selectFrom("audit_checkpoints")
        .select("note")
        .orderBy("tree_size", "desc")
        .limit(1)
        .executeTakeFirst();
      const stored = row ? openCheckpoint(row.note, key.verifier) : null;
      if (row && !stored)
        throw auditErrors.checkpointRefused(
          "the database's newest checkpoint is not signed by this log's key",
        );
      if (stored && stored.size > size)
        throw auditErrors.checkpointRefused(
          `the restored log holds ${size} entries, fewer than its own checkpoint of ${stored.size}`,
        );
      if (
        stored &&
        !verifyConsistency(
          stored.size,
          size,
          await nodes.consistencyProof(stored.size, size),
          stored.root,
          root,
        )
      )
        throw auditErrors.checkpointRefused(
          `the restored tree does not extend its own checkpoint of ${stored.size} entries`,
        );
      checkpoint = signCheckpoint(key.name, size, root, key, at.toISOString());
      await db
        .insertInto("audit_checkpoints")
        .values({ tree_size: size, root_hash: root, note: checkpoint.note, at })
        .onConflict((conflict) => conflict.column("tree_size").doNothing())
        .execute();
    } catch (error) {
      this.#fail("refused", null, error);
      throw error;
    }
    await this.#publish(checkpoint);
    this.#witnessFileRead = true;
    return checkpoint;
  }

  async #size(): Promise<number> {
    const head = await this.#options.db
      .selectFrom("audit_entries")
      .select((select) => select.fn.max("seq").as("seq"))
      .executeTakeFirst();
    return Number(head?.seq ?? 0);
  }

  /**
   * The newest checkpoint this process can trust: the database's newest copy if its signature holds
   * (another node may have made it), or its own witness file's newest, whichever is larger. A copy that
   * does not verify stops signing: it is forged, or this node holds another key than the log's.
   */
  async #previous(): Promise<Checkpoint | null> {
    const { db, key } = this.#options;
    if (!this.#witnessFileRead) {
      const records = await this.#options.witnessFile.read();
      const opened = records.notes.map((note) => openCheckpoint(note, key.verifier));
      // Checkpoints a restore superseded are not what the log must extend now.
      for (const checkpoint of epochsOf(opened.filter((item) => item !== null)).live) {
        if (checkpoint.size >= (this.#newest?.size ?? 0)) this.#newest = checkpoint;
      }
      this.#witnessFileRead = true;
    }
    const row = await db
      .selectFrom("audit_checkpoints")
      .select(["tree_size", "note"])
      .orderBy("tree_size", "desc")
      .limit(1)
      .executeTakeFirst();
    const stored = row ? openCheckpoint(row.note, key.verifier) : null;
    if (row && (!stored || stored.size !== row.tree_size)) {
      throw auditErrors.checkpointRefused(
        `the database's checkpoint for ${row.tree_size} entries is not signed by this log's key (${key.verifier.name})`,
      );
    }
    const local = this.#newest;
    if (stored && local && stored.size === local.size && !stored.root.equals(local.root)) {
      throw auditErrors.checkpointRefused(`two different checkpoints were signed for ${local.size} entries`);
    }
    if (!stored) return local;
    if (!local) return stored;
    return stored.size > local.size ? stored : local;
  }

  #fail(stage: CheckpointFailure["stage"], witness: string | null, error: unknown): void {
    // Nothing on this path touches business content: messages name sizes, files, witnesses and hosts.
    const ours = error instanceof CustodianError;
    const problem = (
      error instanceof Error ? (ours ? error.message : `${error.name}: ${error.message}`) : "unknown error"
    ).slice(0, 300);
    const failure: CheckpointFailure = { stage, witness, problem };
    this.failures.inc({ stage, witness: witness ?? "none" });
    this.#options.logger?.error({ auditCheckpoint: stage, witness, problem }, "audit checkpoint failed");
    const id = `${stage}:${witness}:${problem}`;
    if (this.#lastRaised === id) return;
    this.#lastRaised = id;
    for (const listener of this.#options.onFailure) {
      Promise.resolve()
        .then(() => listener(failure))
        .catch(() =>
          this.#options.logger?.error({ auditCheckpoint: stage }, "audit checkpoint failure not raised"),
        );
    }
  }
}
