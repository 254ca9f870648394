import { describe, expect, it } from "vitest";
import { MatrixScorer, simdAvailable, simdMinimumFloats } from "./matrix-scorer.ts";

/** A seeded generator, so a failure repeats. */
function numbers(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

function filled(rows: number, dimensions: number, useSimd: boolean, next: () => number): MatrixScorer {
  const scorer = new MatrixScorer(rows, dimensions, useSimd);
  for (let row = 0; row < rows; row++)
    for (let index = 0; index < dimensions; index++) scorer.matrix[row * scorer.stride + index] = next();
  return scorer;
}

describe("MatrixScorer", () => {
  it("runs on WebAssembly SIMD in this runtime", () => {
    expect(simdAvailable).toBe(true);
  });

  it("gives each row's dot product with the query, on SIMD as in JavaScript, whatever the row length", () => {
    for (const [rows, dimensions] of [
      [1, 1],
      [3, 3],
      [17, 13],
      [40, 64],
      [25, 1536],
    ] as const) {
      const simd = filled(rows, dimensions, true, numbers(rows * dimensions));
      const plain = filled(rows, dimensions, false, numbers(rows * dimensions));
      const query = Float32Array.from({ length: dimensions }, numbers(7));
      const expected = Array.from({ length: rows }, (_, row) => {
        let sum = 0;
        for (let index = 0; index < dimensions; index++)
          sum += query[index]! * plain.matrix[row * plain.stride + index]!;
        return sum;
      });
      // Positive control: the rows differ, so matching scores are not one value repeated.
      expect(new Set(expected).size).toBe(rows);
      const fromSimd = [...simd.scores(query)];
      const fromPlain = [...plain.scores(query)];
      expected.forEach((sum, row) => {
        expect(fromSimd[row]).toBeCloseTo(sum, 4);
        expect(fromPlain[row]).toBeCloseTo(sum, 4);
      });
    }
  });

  it("uses SIMD by default for large matrices only, so many small collections reserve no WebAssembly memory", () => {
    const large = new MatrixScorer(Math.ceil(simdMinimumFloats / 64), 64);
    expect(large.usesSimd).toBe(true);
    expect(new MatrixScorer(100, 64).usesSimd).toBe(false);
    expect(new MatrixScorer(100, 64, true).usesSimd).toBe(true);
    const many = Array.from({ length: 2000 }, () => new MatrixScorer(50, 1536));
    expect(many.every((scorer) => !scorer.usesSimd)).toBe(true);
  });

  it("scores an empty matrix as nothing", () => {
    expect(new MatrixScorer(0, 8).scores(new Float32Array(8))).toHaveLength(0);
    expect(new MatrixScorer(0, 8, false).scores(new Float32Array(8))).toHaveLength(0);
  });
});
