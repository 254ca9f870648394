import { describe, expect, it } from "vitest";
import { PassageIndex, type IndexedPassage, type PassageReference } from "./passage-index.ts";
import { fuseRanks } from "./rank-fusion.ts";

function passage(documentId: string, index: number, text: string, vector: number[] = []): IndexedPassage {
  return {
    documentId,
    chunk: { index, text, page: null, section: null },
    vector: Float32Array.from(vector),
  };
}

const texts = (matches: Array<{ passage: PassageReference }>) =>
  matches.map((match) => match.passage.chunk.text);

describe("PassageIndex", () => {
  const passages = [
    passage("doc_a", 0, "The office is closed on public holidays.", [1, 0, 0]),
    passage("doc_a", 1, "Expense reports are due on the fifth of each month.", [0, 1, 0]),
    passage("doc_b", 0, "Parking permits are issued by the front desk.", [0, 0, 1]),
    passage("doc_b", 1, "Expense claims for parking need a receipt.", [0, 0.6, 0.8]),
  ];

  it("keyword mode ranks by BM25 and normalises to 0..1", () => {
    const index = new PassageIndex(passages);
    const matches = index.search({ text: "parking receipt", vector: null, limit: 10, mode: "keyword" });
    expect(texts(matches)).toEqual([passages[3]!.chunk.text, passages[2]!.chunk.text]);
    for (const match of matches) expect(match.score).toBeGreaterThan(0);
    for (const match of matches) expect(match.score).toBeLessThanOrEqual(1);
  });

  it("ranks only the documents given, in every mode, filling the limit from them", () => {
    const index = new PassageIndex(passages);
    const onlyA = new Set(["doc_a"]);
    const vector = Float32Array.from([0, 0.6, 0.8]);
    for (const mode of ["keyword", "vector", "hybrid"] as const) {
      const query = { text: "expense parking receipt", vector, limit: 1, mode };
      // Positive control: unrestricted, the best passage is doc_b's.
      expect(index.search(query).map((match) => match.passage.documentId)).toEqual(["doc_b"]);
      const restricted = index.search({ ...query, documents: onlyA });
      expect(restricted.map((match) => match.passage.documentId)).toEqual(["doc_a"]);
      expect(index.search({ ...query, documents: new Set() })).toEqual([]);
    }
  });

  it("vector mode ranks by cosine, whatever the vectors' lengths", () => {
    const index = new PassageIndex(passages);
    const query = Float32Array.from([0, 3, 4.1]); // closest to [0, 0.6, 0.8], then [0, 0, 1]
    const matches = index.search({ text: "", vector: query, limit: 3, mode: "vector" });
    expect(texts(matches)).toEqual([
      passages[3]!.chunk.text,
      passages[2]!.chunk.text,
      passages[1]!.chunk.text,
    ]);
    expect(matches[0]!.score).toBeCloseTo(0.9999, 3);
    expect(matches[0]!.score).toBeGreaterThan(matches[1]!.score);
    // A passage at a right angle to the query scores 0, never below.
    const opposite = index.search({
      text: "",
      vector: Float32Array.from([-1, 0, 0]),
      limit: 4,
      mode: "vector",
    });
    for (const match of opposite) expect(match.score).toBeGreaterThanOrEqual(0);
  });

  it("hybrid mode fuses both lists: a passage good on both beats one good on either", () => {
    const index = new PassageIndex([
      passage("doc", 0, "annual leave allowance table", [1, 0]), // words only
      passage("doc", 1, "holiday entitlement for staff", [0, 1]), // meaning only
      passage("doc", 2, "annual leave: how much holiday staff get", [0.6, 0.8]), // both
      ...["canteen opening hours", "printer toner orders", "bicycle storage rules"].map((text, index) =>
        passage("other", index, text, [0.5, 0.5]),
      ),
    ]);
    const query = { text: "annual leave", vector: Float32Array.from([0.2, 1]), limit: 3 };
    expect(texts(index.search({ ...query, mode: "keyword" }))[0]).toBe("annual leave allowance table");
    expect(texts(index.search({ ...query, mode: "vector" }))[0]).toBe("holiday entitlement for staff");
    const hybrid = index.search({ ...query, mode: "hybrid" });
    expect(hybrid[0]!.passage.chunk.text).toBe("annual leave: how much holiday staff get");
    expect(hybrid).toHaveLength(3);
    expect(hybrid[0]!.score).toBeGreaterThan(hybrid[1]!.score);
    for (const match of hybrid) expect(match.score).toBeLessThanOrEqual(1);
  });

  it("hybrid falls back to keyword without a query vector, or with passages that have none", () => {
    const withVectors = new PassageIndex(passages);
    const keyword = withVectors.search({ text: "expense month", vector: null, limit: 5, mode: "keyword" });
    expect(withVectors.search({ text: "expense month", vector: null, limit: 5, mode: "hybrid" })).toEqual(
      keyword,
    );
    const noVectors = new PassageIndex(passages.map((item) => ({ ...item, vector: new Float32Array(0) })));
    const query = { text: "expense month", vector: Float32Array.from([0, 1, 0]), limit: 5 };
    expect(noVectors.search({ ...query, mode: "hybrid" })).toEqual(
      noVectors.search({ ...query, mode: "keyword" }),
    );
    expect(noVectors.search({ ...query, mode: "vector" })).toEqual([]);
    // A query vector of another size (another model) is not compared either.
    const otherModel = { ...query, vector: Float32Array.from([0, 1]) };
    expect(withVectors.search({ ...otherModel, mode: "hybrid" })).toEqual(keyword);
  });

  it("removeDocument drops its passages from both indexes and frees their slots", () => {
    const index = new PassageIndex(passages);
    const bytesBefore = index.bytes;
    index.removeDocument("doc_b");
    expect(index.size).toBe(2);
    expect(index.bytes).toBeLessThan(bytesBefore);
    expect(index.search({ text: "parking", vector: null, limit: 5, mode: "keyword" })).toEqual([]);
    const byVector = index.search({
      text: "",
      vector: Float32Array.from([0, 0, 1]),
      limit: 5,
      mode: "vector",
    });
    expect(byVector.map((match) => match.passage.documentId)).not.toContain("doc_b");
    index.removeDocument("doc_unknown");
    expect(index.size).toBe(2);
    index.add(passage("doc_c", 0, "Parking moved to the north lot.", [0, 0, 1]));
    expect(index.size).toBe(3);
    const found = index.search({
      text: "parking",
      vector: Float32Array.from([0, 0, 1]),
      limit: 5,
      mode: "hybrid",
    });
    expect(found[0]!.passage.documentId).toBe("doc_c");
    expect(found.map((match) => match.passage.documentId)).not.toContain("doc_b");
  });

  it("build over documents' batches makes the same index as adding passage by passage", () => {
    const documents = [
      {
        documentId: "doc_a",
        vectors: [
          [1, 0, 0],
          [0, 1, 0],
        ],
      },
      // A zero vector (no direction) and a vector of another length are left out, as `add` leaves them.
      {
        documentId: "doc_b",
        vectors: [
          [0, 0, 0],
          [0, 0.6, 0.8],
        ],
      },
      { documentId: "doc_c", vectors: [[1, 2]] },
      { documentId: "doc_d", vectors: [] },
    ];
    const words = [
      "office holidays",
      "expense month",
      "parking permits",
      "parking receipt",
      "office expense",
      "desk",
    ];
    let next = 0;
    const batches = documents.map(({ documentId, vectors }) => {
      const count = Math.max(vectors.length, 1);
      const chunks = Array.from({ length: count }, (_, index) => ({
        index,
        text: words[next++]!,
        page: null,
        section: null,
      }));
      const dimensions = vectors[0]?.length ?? 0;
      return { documentId, chunks, dimensions, vectors: Float32Array.from(vectors.flat()) };
    });
    const built = PassageIndex.build(batches);
    const added = new PassageIndex();
    for (const batch of batches)
      batch.chunks.forEach((chunk, index) =>
        added.add({
          documentId: batch.documentId,
          chunk,
          vector: batch.vectors.subarray(index * batch.dimensions, (index + 1) * batch.dimensions),
        }),
      );
    expect(built.size).toBe(6);
    for (const mode of ["keyword", "vector", "hybrid"] as const) {
      const query = {
        text: "parking expense office",
        vector: Float32Array.from([0.1, 0.7, 0.7]),
        limit: 5,
        mode,
      };
      // Positive control: every mode finds passages, so equal answers are not two empty lists.
      expect(added.search(query).length).toBeGreaterThan(1);
      expect(built.search(query)).toEqual(added.search(query));
    }
    const byVector = built.search({
      text: "",
      vector: Float32Array.from([0, 0, 1]),
      limit: 10,
      mode: "vector",
    });
    expect(byVector.map((match) => match.passage.chunk.text)).toEqual([
      "parking receipt",
      "office holidays",
      "expense month",
    ]);
    built.removeDocument("doc_a");
    expect(built.search({ text: "office", vector: null, limit: 5, mode: "keyword" })).toHaveLength(1);
  });

  it("answers empty indexes, empty queries and zero limits with no matches", () => {
    const empty = new PassageIndex();
    expect(empty.size).toBe(0);
    expect(
      empty.search({ text: "anything", vector: Float32Array.from([1]), limit: 5, mode: "hybrid" }),
    ).toEqual([]);
    const index = new PassageIndex(passages);
    expect(index.search({ text: "", vector: null, limit: 5, mode: "hybrid" })).toEqual([]);
    expect(index.search({ text: "the of and", vector: null, limit: 5, mode: "keyword" })).toEqual([]);
    expect(index.search({ text: "parking", vector: null, limit: 0, mode: "keyword" })).toEqual([]);
    const zero = index.search({ text: "", vector: Float32Array.from([0, 0, 0]), limit: 5, mode: "vector" });
    expect(zero).toEqual([]);
    expect(index.search({ text: "parking", vector: null, limit: 1, mode: "keyword" })).toHaveLength(1);
  });
});

describe("fuseRanks", () => {
  it("gives 1 to a passage first in every list and orders by summed reciprocal ranks", () => {
    const fused = fuseRanks(
      [
        [
          { slot: 1, score: 9 },
          { slot: 2, score: 5 },
        ],
        [
          { slot: 1, score: 0.9 },
          { slot: 3, score: 0.5 },
        ],
      ],
      3,
    );
    expect(fused.map((item) => item.slot)).toEqual([1, 2, 3]);
    expect(fused[0]!.score).toBe(1);
    expect(fused[1]!.score).toBeCloseTo(fused[2]!.score, 12);
    expect(fuseRanks([[], []], 3)).toEqual([]);
    // One list alone is scored against itself, not halved by the empty one.
    expect(fuseRanks([[{ slot: 4, score: 1 }], []], 3)).toEqual([{ slot: 4, score: 1 }]);
  });
});
