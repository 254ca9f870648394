// The constants of the GGUF file format (version 3) that Custodian's writer and reader share.

export const ggufMagic = 0x46554747; // "GGUF" read as a little-endian uint32
export const ggufVersion = 3;
export const ggufDefaultAlignment = 32;

/** Metadata value types, as numbered in ggml's gguf.h. */
export const GgufValueType = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;
export type GgufValueType = (typeof GgufValueType)[keyof typeof GgufValueType];

/** Tensor element types this code writes (ggml_type numbers). */
export const GgmlType = { f32: 0, f16: 1, q8_0: 8 } as const;

/** Q8_0: blocks of 32 values, each block an F16 scale and 32 signed bytes. */
export const q8_0BlockValues = 32;
export const q8_0BlockBytes = 34;

/** One scalar metadata value: numbers, 64-bit integers as bigint, booleans, strings. */
export type GgufScalar = number | bigint | boolean | string;

/** A metadata value with its GGUF type, so a read value can be written back unchanged. */
export type GgufValue =
  | { type: Exclude<GgufValueType, 8 | 9 | 10 | 11>; value: number | boolean }
  | { type: 10 | 11; value: bigint }
  | { type: 8; value: string }
  | { type: 9; itemType: GgufValueType; value: GgufScalar[] };
