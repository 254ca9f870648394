// Encodes a GGUF header (metadata and tensor table), the part of the file before the tensor data.

import { GgufValueType, ggufMagic, ggufVersion, type GgufScalar, type GgufValue } from "./gguf-format.ts";

/** One entry of the tensor table; `offset` is relative to the start of the data section. */
export interface GgufTensorInfo {
  name: string;
  /** ggml order: dimensions[0] is the innermost (contiguous) one. */
  dimensions: bigint[];
  type: number;
  offset: bigint;
}

/** Grows a buffer as values are appended, little-endian throughout as GGUF requires. */
class ByteSink {
  #buffer = Buffer.alloc(1 << 16);
  #length = 0;

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < this.#length + bytes) size *= 2;
    const grown = Buffer.alloc(size);
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }

  get length(): number {
    return this.#length;
  }

  uint8(value: number): void {
    this.#reserve(1);
    this.#buffer.writeUInt8(value, this.#length);
    this.#length += 1;
  }
  int8(value: number): void {
    this.#reserve(1);
    this.#buffer.writeInt8(value, this.#length);
    this.#length += 1;
  }
  uint16(value: number): void {
    this.#reserve(2);
    this.#buffer.writeUInt16LE(value, this.#length);
    this.#length += 2;
  }
  int16(value: number): void {
    this.#reserve(2);
    this.#buffer.writeInt16LE(value, this.#length);
    this.#length += 2;
  }
  uint32(value: number): void {
    this.#reserve(4);
    this.#buffer.writeUInt32LE(value, this.#length);
    this.#length += 4;
  }
  int32(value: number): void {
    this.#reserve(4);
    this.#buffer.writeInt32LE(value, this.#length);
    this.#length += 4;
  }
  float32(value: number): void {
    this.#reserve(4);
    this.#buffer.writeFloatLE(value, this.#length);
    this.#length += 4;
  }
  float64(value: number): void {
    this.#reserve(8);
    this.#buffer.writeDoubleLE(value, this.#length);
    this.#length += 8;
  }
  uint64(value: bigint): void {
    this.#reserve(8);
    this.#buffer.writeBigUInt64LE(value, this.#length);
    this.#length += 8;
  }
  int64(value: bigint): void {
    this.#reserve(8);
    this.#buffer.writeBigInt64LE(value, this.#length);
    this.#length += 8;
  }
  string(value: string): void {
    const bytes = Buffer.from(value, "utf8");
    this.uint64(BigInt(bytes.length));
    this.#reserve(bytes.length);
    bytes.copy(this.#buffer, this.#length);
    this.#length += bytes.length;
  }
  padTo(alignment: number): void {
    const padding = (alignment - (this.#length % alignment)) % alignment;
    this.#reserve(padding);
    this.#buffer.fill(0, this.#length, this.#length + padding);
    this.#length += padding;
  }
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}

function writeScalar(sink: ByteSink, type: GgufValueType, value: GgufScalar): void {
  switch (type) {
    case GgufValueType.uint8:
      return sink.uint8(Number(value));
    case GgufValueType.int8:
      return sink.int8(Number(value));
    case GgufValueType.uint16:
      return sink.uint16(Number(value));
    case GgufValueType.int16:
      return sink.int16(Number(value));
    case GgufValueType.uint32:
      return sink.uint32(Number(value));
    case GgufValueType.int32:
      return sink.int32(Number(value));
    case GgufValueType.float32:
      return sink.float32(Number(value));
    case GgufValueType.float64:
      return sink.float64(Number(value));
    case GgufValueType.bool:
      return sink.uint8(value ? 1 : 0);
    case GgufValueType.uint64:
      return sink.uint64(BigInt(value as bigint));
    case GgufValueType.int64:
      return sink.int64(BigInt(value as bigint));
    case GgufValueType.string:
      return sink.string(String(value));
    case GgufValueType.array:
      throw new Error("GGUF arrays of arrays are not supported");
  }
}

function writeValue(sink: ByteSink, entry: GgufValue): void {
  sink.uint32(entry.type);
  if (entry.type !== GgufValueType.array) {
    writeScalar(sink, entry.type, entry.value);
    return;
  }
  sink.uint32(entry.itemType);
  sink.uint64(BigInt(entry.value.length));
  for (const item of entry.value) writeScalar(sink, entry.itemType, item);
}

/**
 * Encodes magic, version, metadata and tensor table, padded to `alignment` so the tensor data
 * can follow directly.
 */
export function encodeGgufHeader(
  metadata: Iterable<[string, GgufValue]>,
  tensors: readonly GgufTensorInfo[],
  alignment: number,
): Buffer {
  const entries = [...metadata];
  const sink = new ByteSink();
  sink.uint32(ggufMagic);
  sink.uint32(ggufVersion);
  sink.uint64(BigInt(tensors.length));
  sink.uint64(BigInt(entries.length));
  for (const [key, value] of entries) {
    sink.string(key);
    writeValue(sink, value);
  }
  for (const tensor of tensors) {
    sink.string(tensor.name);
    sink.uint32(tensor.dimensions.length);
    for (const dimension of tensor.dimensions) sink.uint64(dimension);
    sink.uint32(tensor.type);
    sink.uint64(tensor.offset);
  }
  sink.padTo(alignment);
  return sink.bytes();
}
