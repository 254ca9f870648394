// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): each ranked list gives a passage
// 1 / (k + rank); the sums rank the fused list. It needs no calibration between BM25 scores and cosines,
// which live on different scales. Scores are divided by the most a passage can get (first in every list),
// so the fused score is 0 to 1.
import type { Ranked } from "./top-k.ts";
import { TopK } from "./top-k.ts";

/** The usual constant: it damps the weight of the very first ranks against the next ones. */
export const fusionConstant = 60;

export function fuseRanks(lists: ReadonlyArray<readonly Ranked[]>, limit: number): Ranked[] {
  const used = lists.filter((list) => list.length > 0);
  if (used.length === 0 || limit <= 0) return [];
  const sums = new Map<number, number>();
  for (const list of used) {
    list.forEach((item, rank) => {
      sums.set(item.slot, (sums.get(item.slot) ?? 0) + 1 / (fusionConstant + rank + 1));
    });
  }
  const most = used.length / (fusionConstant + 1);
  const best = new TopK(limit);
  for (const [slot, sum] of sums) best.push(slot, sum / most);
  return best.take();
}
