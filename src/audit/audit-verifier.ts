// Verifies the database's audit log against the signed checkpoints published outside it: the entries
// against every checkpoint's root, the stored tree against the newest with a consistency proof, and the
// database's copies of the checkpoints against the witnesses. Reports the first bad entry or range.
import type { Db } from "../db/database.ts";
import { openCheckpoint, type Checkpoint } from "./audit-checkpoint.ts";
import type { CheckpointWitness } from "./checkpoint-witness.ts";
import {
  entriesOf,
  LogChecker,
  range,
  type Problem,
  type RestartReport,
  type VerifyResult,
} from "./log-checker.ts";
import { MissingNodeError, type MerkleNodeStore } from "./merkle-node-store.ts";
import { verifyConsistency } from "./merkle-tree.ts";
import { epochsOf } from "./witness-epochs.ts";
import type { NoteVerifier } from "./signed-note.ts";

export interface VerifySources {
  db: Db;
  nodes: MerkleNodeStore;
  /** The log's public key; null where no key is configured (then there must be no checkpoints). */
  verifier: NoteVerifier | null;
  /** Witnesses to read checkpoints back from (the witness file, the S3 bucket). */
  witnesses: readonly CheckpointWitness[];
}

const batch = 1000;

/** The size a note claims, unverified: only to name a bad checkpoint in a report. */
function claimedSize(note: string): number {
  const size = Number(note.split("\n")[1]);
  return Number.isSafeInteger(size) && size >= 0 ? size : 0;
}

class Failed extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.problem);
    this.problem = problem;
  }
}

function fail(seq: number, problem: string, lastSeq = seq): never {
  throw new Failed({ seq, lastSeq, problem });
}

async function signedCheckpoints(sources: VerifySources) {
  const outside: Checkpoint[] = [];
  const restarts: RestartReport[] = [];
  const notes: Array<Array<{ note: string; where: string }>> = [];
  for (const witness of sources.witnesses) {
    if (!witness.read) continue;
    let records;
    try {
      records = await witness.read();
    } catch (error) {
      // A check that cannot read what it must read has failed; it never passes by skipping.
      fail(
        0,
        `the ${witness.name} witness could not be read (${error instanceof Error ? error.name : "error"})`,
      );
    }
    if (records.unreadable.length > 0)
      fail(0, `unreadable checkpoint records: ${records.unreadable.join(", ")}`);
    notes.push(records.notes.map((note) => ({ note, where: `the ${witness.name} witness` })));
  }
  const rows = await sources.db
    .selectFrom("audit_checkpoints")
    .select(["tree_size", "root_hash", "note"])
    .orderBy("tree_size")
    .execute();
  const { verifier } = sources;
  if (!verifier) {
    if (rows.length > 0 || notes.length > 0)
      fail(0, "there are signed checkpoints but no public key to check them");
    return { outside, stored: [] as Checkpoint[], restarts };
  }
  for (const held of notes) {
    const opened = held.map(({ note, where }) => {
      const checkpoint = openCheckpoint(note, verifier);
      const size = claimedSize(note);
      if (!checkpoint)
        fail(size, `the checkpoint for ${size} entries in ${where} is not signed by ${verifier.name}`);
      return checkpoint;
    });
    // Each witness in its own order: a restart supersedes what that witness held before it.
    const epochs = epochsOf(opened);
    outside.push(...epochs.live);
    for (const restart of epochs.restarts) {
      const superseded = epochs.superseded.filter((checkpoint) => checkpoint.size > restart.size).length;
      if (!restarts.some((known) => known.at === restart.restartedAt))
        restarts.push({ at: restart.restartedAt!, size: restart.size, superseded });
    }
  }
  const stored = rows.map((row) => {
    const checkpoint = openCheckpoint(row.note, verifier);
    if (!checkpoint || checkpoint.size !== row.tree_size || !checkpoint.root.equals(row.root_hash)) {
      fail(row.tree_size, `the database's checkpoint for ${row.tree_size} entries is forged or altered`);
    }
    return checkpoint;
  });
  return { outside, stored, restarts };
}

function newestOf(checkpoints: readonly Checkpoint[]): Checkpoint | null {
  return checkpoints.reduce<Checkpoint | null>(
    (newest, checkpoint) => (!newest || checkpoint.size > newest.size ? checkpoint : newest),
    null,
  );
}

async function check(sources: VerifySources, checker: LogChecker, size: number): Promise<void> {
  const { db, nodes } = sources;
  for (let after = 0; after < size;) {
    const rows = await db
      .selectFrom("audit_entries")
      .select(["seq", "at", "actor", "action", "target", "organization_id", "metadata"])
      .where("seq", ">", after)
      .where("seq", "<=", size)
      .orderBy("seq")
      .limit(batch)
      .execute();
    if (rows.length === 0) break;
    // Every stored subtree these entries complete, to compare with what they recompute to.
    const stored = await nodes.completedBy(after, rows.at(-1)!.seq);
    for (const row of rows) {
      const problem = checker.add(row, stored);
      if (problem) throw new Failed(problem);
    }
    after = rows.at(-1)!.seq;
  }
  const cut = checker.finish();
  if (cut) throw new Failed(cut);
}

export async function verifyAuditLog(sources: VerifySources): Promise<VerifyResult> {
  let checker: LogChecker | null = null;
  let checkpoints = 0;
  try {
    const { outside, stored, restarts } = await signedCheckpoints(sources);
    const all = [...outside, ...stored];
    checkpoints = new Set(all.map((checkpoint) => `${checkpoint.size}:${checkpoint.root.toString("hex")}`))
      .size;
    const head = await sources.db
      .selectFrom("audit_entries")
      .select((select) => select.fn.max("seq").as("seq"))
      .executeTakeFirst();
    const size = Number(head?.seq ?? 0);
    checker = new LogChecker(all);
    await check(sources, checker, size);
    const held = new Set(stored.map((checkpoint) => `${checkpoint.size}:${checkpoint.root.toString("hex")}`));
    for (const checkpoint of [...outside].sort((left, right) => left.size - right.size)) {
      if (!held.has(`${checkpoint.size}:${checkpoint.root.toString("hex")}`)) {
        fail(
          checkpoint.size,
          `the database's copy of the checkpoint for ${checkpoint.size} entries was deleted`,
        );
      }
    }
    // The stored tree answers proofs: it must extend what was signed, shown by a consistency proof from
    // the newest outside checkpoint (a database writer can neither delete nor forge that one) and from
    // the database's newest. The entries matched every stored subtree above, so this holds unless the
    // tree changed while it was read.
    const anchors = [newestOf(outside), newestOf(stored)].filter(
      (anchor): anchor is Checkpoint => anchor !== null,
    );
    try {
      const root = await sources.nodes.root(size);
      for (const anchor of anchors) {
        const proof = await sources.nodes.consistencyProof(anchor.size, size);
        if (!verifyConsistency(anchor.size, size, proof, anchor.root, root)) {
          fail(
            1,
            `the stored tree does not extend the checkpoint signed for ${anchor.size} entries`,
            anchor.size,
          );
        }
      }
    } catch (error) {
      if (!(error instanceof MissingNodeError)) throw error;
      const { first, last } = entriesOf(error.key);
      fail(first, `the stored tree over ${range(first, last)} was deleted`, last);
    }
    return {
      ok: true,
      entries: size,
      checkpoints,
      newestCheckpoint: checker.newest,
      ...(restarts.length > 0 ? { restarts } : {}),
    };
  } catch (error) {
    if (!(error instanceof Failed)) throw error;
    return { ok: false, entries: checker?.entries ?? 0, checkpoints, ...error.problem };
  }
}
