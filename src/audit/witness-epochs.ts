// Epochs of a witness's checkpoints. Restoring an older backup rolls the audit log back to the backup's
// tree, while the witnesses outside the database still hold checkpoints of the larger tree it had before.
// The restore signs a restart checkpoint for the restored tree, published after those; from it on, the
// earlier checkpoints of larger trees are superseded: reported by verification, never silently dropped,
// and no longer what new checkpoints must extend.
import type { Checkpoint } from "./audit-checkpoint.ts";

export interface Epochs {
  /** The checkpoints the log must still match, in the witness's order. */
  live: Checkpoint[];
  /** Checkpoints of trees a later restart rolled back. */
  superseded: Checkpoint[];
  /** The restarts, oldest first. */
  restarts: Checkpoint[];
}

/** Applies restarts to checkpoints in the order a witness holds them (oldest first). */
export function epochsOf(checkpoints: readonly Checkpoint[]): Epochs {
  let live: Checkpoint[] = [];
  const superseded: Checkpoint[] = [];
  const restarts: Checkpoint[] = [];
  for (const checkpoint of checkpoints) {
    if (checkpoint.restartedAt) {
      restarts.push(checkpoint);
      superseded.push(...live.filter((earlier) => earlier.size > checkpoint.size));
      live = live.filter((earlier) => earlier.size <= checkpoint.size);
    }
    live.push(checkpoint);
  }
  return { live, superseded, restarts };
}
