import { describe, expect, it } from "vitest";
import { TopK } from "./top-k.ts";

describe("TopK", () => {
  it("keeps the k best of many, best first, as a full sort would", () => {
    const scores = Array.from({ length: 500 }, (_, slot) => (Math.sin(slot * 12.9898) * 43758.5453) % 1);
    const best = new TopK(10);
    scores.forEach((score, slot) => best.push(slot, score));
    const sorted = scores
      .map((score, slot) => ({ slot, score }))
      .sort((left, right) => right.score - left.score)
      .slice(0, 10);
    expect(best.take()).toEqual(sorted);
  });

  it("breaks ties by the lower slot, and handles fewer items than k and k = 0", () => {
    const best = new TopK(2);
    for (const slot of [4, 1, 3]) best.push(slot, 1);
    expect(best.take().map((item) => item.slot)).toEqual([1, 3]);
    const roomy = new TopK(5);
    roomy.push(7, 0.5);
    expect(roomy.take()).toEqual([{ slot: 7, score: 0.5 }]);
    const none = new TopK(0);
    none.push(1, 1);
    expect(none.take()).toEqual([]);
  });
});
