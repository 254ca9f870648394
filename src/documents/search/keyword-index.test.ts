import { describe, expect, it } from "vitest";
import { KeywordIndex } from "./keyword-index.ts";

function indexOf(texts: string[]): KeywordIndex {
  const index = new KeywordIndex();
  texts.forEach((text, slot) => index.add(slot, text));
  return index;
}

describe("KeywordIndex (BM25)", () => {
  it("ranks the passage holding the rarer query word higher", () => {
    const index = indexOf([
      "invoice total for march", // "invoice": common
      "invoice sent to the supplier",
      "invoice paid late",
      "zebra crossing near the invoice office", // "zebra": rare
    ]);
    const [first, second] = index.search("invoice zebra", 4);
    expect(first!.slot).toBe(3);
    expect(second!.score).toBeLessThan(first!.score);
    // The positive part alone: without the rare word, the long passage has no lead.
    expect(index.search("invoice", 1)[0]!.slot).not.toBe(3);
  });

  it("weighs repeated words with saturation and shorter passages above longer ones", () => {
    const index = indexOf([
      "audit audit audit audit audit audit audit audit filler filler",
      "audit note",
      "audit " + "unrelated words that pad the passage ".repeat(10),
    ]);
    const ranked = index.search("audit", 3).map((match) => match.slot);
    expect(ranked).toEqual([0, 1, 2]);
    const scores = index.search("audit", 3).map((match) => match.score);
    expect(scores[0]! / scores[1]!).toBeLessThan(2.2); // k1 + 1: eight repetitions are not eight times one
  });

  it("drops a removed passage's postings, and a word left in no passage", () => {
    const index = indexOf(["quarterly budget review", "budget for travel", "kestrel sighting"]);
    expect(index.documentFrequency("budget")).toBe(2);
    expect(index.documentFrequency("kestrel")).toBe(1);
    const termsBefore = index.terms;
    index.remove([1, 2]);
    expect(index.documentFrequency("budget")).toBe(1);
    expect(index.documentFrequency("kestrel")).toBe(0);
    expect(index.terms).toBeLessThan(termsBefore);
    expect(index.search("kestrel", 5)).toEqual([]);
    expect(index.search("budget travel", 5).map((match) => match.slot)).toEqual([0]);
    // A freed slot can be indexed again, with other words.
    index.add(1, "kestrel budget");
    expect(index.search("kestrel", 5).map((match) => match.slot)).toEqual([1]);
    // Removing a slot twice, or one never added, changes nothing.
    index.remove([2, 9]);
    expect(index.documentFrequency("budget")).toBe(2);
  });

  it("normalises scores to 0..1 and finds nothing for unknown or empty queries", () => {
    const index = indexOf(["alpha beta", "gamma delta", "alpha"]);
    for (const match of index.search("alpha beta", 3)) {
      expect(match.normalized).toBeGreaterThan(0);
      expect(match.normalized).toBeLessThanOrEqual(1);
    }
    expect(index.search("omega", 3)).toEqual([]);
    expect(index.search("", 3)).toEqual([]);
    expect(index.search("alpha", 0)).toEqual([]);
    expect(new KeywordIndex().search("alpha", 3)).toEqual([]);
  });

  it("reads a word the same wherever it was first seen: any case, ASCII text or not", () => {
    const index = indexOf(["Budget BUDGET budget", "Le budget du café", "CAFE opening hours"]);
    expect(index.documentFrequency("budget")).toBe(2);
    expect(index.documentFrequency("caf")).toBe(2);
    const [first] = index.search("budget", 3);
    expect(first!.slot).toBe(0);
    expect(
      index
        .search("Café", 3)
        .map((match) => match.slot)
        .sort(),
    ).toEqual([1, 2]);
  });

  it("finds words of unspaced scripts by their character pairs, seen once or again", () => {
    const index = indexOf(["東京都の価格表", "大阪の価格表", "price list"]);
    expect(index.documentFrequency("価格")).toBe(2);
    expect(index.search("東京の価格", 3)[0]!.slot).toBe(0);
    expect(index.search("大阪", 3).map((match) => match.slot)).toEqual([1]);
  });

  it("builds in one pass the same index as adding passage by passage", () => {
    const texts = [
      "Budget BUDGET budget: the café's budget",
      "東京都の価格表price list, don't stop",
      "the of and",
      "",
      "renewed policies renewal policy " + "audit ".repeat(30),
      "Naïve résumé for the budget office",
    ];
    const built = KeywordIndex.build(texts);
    const added = indexOf(texts);
    const queries = ["budget", "価格 price", "renewal policy audit", "resume naive office", "don't"];
    for (const query of queries) {
      // Positive control: each query finds something, so equal answers are not two empty lists.
      expect(added.search(query, 10).length).toBeGreaterThan(0);
      expect(built.search(query, 10)).toEqual(added.search(query, 10));
    }
    expect(built.terms).toBe(added.terms);
    for (const token of ["budget", "価格", "renew", "audit", "stop"])
      expect(built.documentFrequency(token)).toBe(added.documentFrequency(token));
    // A built index goes on changing incrementally.
    built.remove([0, 5]);
    added.remove([0, 5]);
    built.add(6, "another budget line");
    added.add(6, "another budget line");
    expect(built.search("budget", 10)).toEqual(added.search("budget", 10));
    expect(built.search("budget", 10).map((match) => match.slot)).toEqual([6]);
    // A full list grows out of its shared window without touching its neighbours' entries.
    built.add(7, "audit renewal");
    added.add(7, "audit renewal");
    for (const query of ["audit", "renewal", "stop price"])
      expect(built.search(query, 10)).toEqual(added.search(query, 10));
    expect(built.search("audit", 10).map((match) => match.slot)).toEqual([4, 7]);
  });
});
