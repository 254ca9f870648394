// A witness: somewhere outside the database that each signed checkpoint is published to, so that
// someone who can write the database cannot make the log forget what it once held.
import type { Checkpoint } from "./audit-checkpoint.ts";

export interface WitnessRecords {
  /** Signed notes as the witness holds them, oldest first. */
  notes: string[];
  /** Records that could not be read (named for the report: "line 7"); a verification fails on any. */
  unreadable: string[];
}

export interface CheckpointWitness {
  /** A short name for logs, metrics and reports: "file", "s3", "webhook". */
  readonly name: string;
  /** Publish one checkpoint; resolves once the witness holds it durably, throws otherwise. */
  publish(checkpoint: Checkpoint): Promise<void>;
  /** What it holds, for verification; absent for a witness that only receives (a webhook). */
  read?(): Promise<WitnessRecords>;
}
