// Dot products of one query with every row of a matrix, on WebAssembly SIMD (four float32 lanes at a
// time) where the runtime has it, in plain JavaScript otherwise. JavaScript has no vector instructions:
// the scalar loop over 10,000 passages of 1,536 dimensions takes 15 to 25 ms, the SIMD one a fraction of
// that. The module is a few dozen instructions, assembled below from named opcodes (no compiler, nothing
// fetched); the matrix lives in its memory, in this process only, like every other part of an index.

/** Floats per SIMD step of the loop: two registers of four. Rows are padded to a multiple of it. */
export const rowAlignment = 8;

const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  f32Store: 0x38,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  f32Add: 0x92,
  empty: 0x40,
  i32: 0x7f,
  v128: 0x7b,
} as const;
const simd = {
  load: [0xfd, 0x00],
  const: [0xfd, 0x0c],
  extractLane: [0xfd, 0x1f],
  add: [0xfd, 0xe4, 0x01],
  mul: [0xfd, 0xe6, 0x01],
} as const;

/** Unsigned LEB128, as the binary format writes sizes and counts. */
function leb(value: number): number[] {
  const bytes: number[] = [];
  do {
    const byte = value & 0x7f;
    value >>>= 7;
    bytes.push(value === 0 ? byte : byte | 0x80);
  } while (value !== 0);
  return bytes;
}

const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
const name = (text: string) => [text.length, ...[...text].map((character) => character.charCodeAt(0))];

// scores(query, matrix, rows, stride, out): all byte offsets but rows; stride a multiple of 32 bytes.
const [query, matrix, rows, stride, out, row, column, sum0, sum1] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const get = (local: number) => [op.localGet, local];
/** sum += load(query + column + offset) * load(matrix + column + offset) */
const step = (sum: number, offset: number) => [
  ...get(sum),
  ...get(query),
  ...get(column),
  op.i32Add,
  ...simd.load,
  4,
  offset,
  ...get(matrix),
  ...get(column),
  op.i32Add,
  ...simd.load,
  4,
  offset,
  ...simd.mul,
  ...simd.add,
  op.localSet,
  sum,
];
const lane = (index: number) => [...get(sum0), ...simd.extractLane, index];
const body = [
  ...[2, 2, op.i32, 2, op.v128], // locals: row, column; sum0, sum1
  ...[op.block, op.empty, ...get(rows), op.i32Eqz, op.brIf, 0],
  ...[op.loop, op.empty],
  ...[...simd.const, ...new Array<number>(16).fill(0), op.localSet, sum0],
  ...[...simd.const, ...new Array<number>(16).fill(0), op.localSet, sum1],
  ...[op.i32Const, 0, op.localSet, column],
  ...[op.loop, op.empty, ...step(sum0, 0), ...step(sum1, 16)],
  ...[...get(column), op.i32Const, 32, op.i32Add, op.localTee, column, ...get(stride), op.i32LtU, op.brIf, 0],
  op.end,
  ...[...get(out), ...get(sum0), ...get(sum1), ...simd.add, op.localSet, sum0],
  ...[...lane(0), ...lane(1), op.f32Add, ...lane(2), op.f32Add, ...lane(3), op.f32Add, op.f32Store, 2, 0],
  ...[...get(out), op.i32Const, 4, op.i32Add, op.localSet, out],
  ...[...get(matrix), ...get(stride), op.i32Add, op.localSet, matrix],
  ...[...get(row), op.i32Const, 1, op.i32Add, op.localTee, row, ...get(rows), op.i32LtU, op.brIf, 0],
  ...[op.end, op.end, op.end],
];
const moduleBytes = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 5, op.i32, op.i32, op.i32, op.i32, op.i32, 0]),
  ...section(2, [1, ...name("m"), ...name("memory"), 0x02, 0x00, 0x01]),
  ...section(3, [1, 0]),
  ...section(7, [1, ...name("scores"), 0x00, 0]),
  ...section(10, [1, ...leb(body.length), ...body]),
]);

/** The compiled module, or null where this runtime has no WebAssembly SIMD (then JavaScript scores). */
const compiled: WebAssembly.Module | null =
  typeof WebAssembly === "object" && WebAssembly.validate(moduleBytes)
    ? new WebAssembly.Module(moduleBytes)
    : null;

export const simdAvailable = compiled !== null;

type ScoresFunction = (query: number, matrix: number, rows: number, stride: number, out: number) => void;

const pageBytes = 65536;

/** Below this many floats (4 MiB) a matrix is scored in JavaScript (see the constructor). */
export const simdMinimumFloats = 1 << 20;

/** A WebAssembly memory of at least `bytes`, or null without SIMD or where none can be reserved now. */
function simdMemory(bytes: number): WebAssembly.Memory | null {
  if (!compiled) return null;
  try {
    return new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / pageBytes)) });
  } catch {
    // Address space for another memory is exhausted: this matrix is scored in JavaScript.
    return null;
  }
}

/** A matrix of `rows` rows of `dimensions` floats (each padded to `stride`), scored against a query. */
export class MatrixScorer {
  readonly rows: number;
  readonly dimensions: number;
  /** Floats from one row's start to the next's. */
  readonly stride: number;
  /** The rows, row `r` at `r * stride`; the padding stays zero. */
  readonly matrix: Float32Array;
  readonly #query: Float32Array;
  readonly #scores: Float32Array;
  readonly #simd: ScoresFunction | null;

  /**
   * `useSimd` defaults to SIMD for matrices of `simdMinimumFloats` or more: a WebAssembly memory reserves
   * far more address space than it holds (V8's guard regions) and a small matrix gains little from SIMD,
   * so the many small collections a cache may hold score in JavaScript.
   */
  constructor(rows: number, dimensions: number, useSimd?: boolean) {
    this.rows = rows;
    this.dimensions = dimensions;
    this.stride = Math.ceil(dimensions / rowAlignment) * rowAlignment;
    const floats = this.stride + rows + rows * this.stride;
    const memory =
      rows > 0 && (useSimd ?? rows * this.stride >= simdMinimumFloats) ? simdMemory(floats * 4) : null;
    this.#simd = memory
      ? (new WebAssembly.Instance(compiled!, { m: { memory } }).exports.scores as ScoresFunction)
      : null;
    const buffer = memory ? memory.buffer : new ArrayBuffer(floats * 4);
    // Layout: the query, the rows, then one score per row (rows start on a 32-byte boundary).
    this.#query = new Float32Array(buffer, 0, this.stride);
    this.matrix = new Float32Array(buffer, this.stride * 4, rows * this.stride);
    this.#scores = new Float32Array(buffer, (this.stride + rows * this.stride) * 4, rows);
  }

  /** Whether this matrix is scored on WebAssembly SIMD. */
  get usesSimd(): boolean {
    return this.#simd !== null;
  }

  /** Bytes held (the query, the scores and the rows). */
  get bytes(): number {
    return (this.stride + this.rows + this.rows * this.stride) * 4;
  }

  /** Each row's dot product with the vector, by row; valid until the next call. */
  scores(vector: Float32Array): Float32Array {
    this.#query.set(vector.subarray(0, this.dimensions));
    if (this.#simd) {
      if (this.rows > 0)
        this.#simd(0, this.matrix.byteOffset, this.rows, this.stride * 4, this.#scores.byteOffset);
      return this.#scores;
    }
    const { matrix, stride, dimensions } = this;
    const query = this.#query;
    const scores = this.#scores;
    for (let row = 0; row < this.rows; row++) {
      const offset = row * stride;
      // Four running sums: independent additions the CPU can overlap.
      let sum0 = 0;
      let sum1 = 0;
      let sum2 = 0;
      let sum3 = 0;
      for (let index = 0; index < dimensions; index += 4) {
        sum0 += query[index]! * matrix[offset + index]!;
        sum1 += query[index + 1]! * matrix[offset + index + 1]!;
        sum2 += query[index + 2]! * matrix[offset + index + 2]!;
        sum3 += query[index + 3]! * matrix[offset + index + 3]!;
      }
      scores[row] = sum0 + sum1 + sum2 + sum3;
    }
    return scores;
  }
}
