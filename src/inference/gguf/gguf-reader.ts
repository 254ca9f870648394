// Reads a GGUF file's header: its metadata, its tensor table and where the tensor data starts.

import { open } from "node:fs/promises";
import type { GgufTensorInfo } from "./gguf-encoder.ts";
import {
  GgufValueType,
  ggufDefaultAlignment,
  ggufMagic,
  type GgufScalar,
  type GgufValue,
} from "./gguf-format.ts";

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Byte offset of the tensor data section in the file. */
  dataOffset: number;
}

/** Thrown by the cursor when the header runs past the bytes read so far. */
class NeedMoreBytes extends Error {}

class ByteCursor {
  position = 0;
  readonly #buffer: Buffer;
  readonly #complete: boolean;

  constructor(buffer: Buffer, complete: boolean) {
    this.#buffer = buffer;
    this.#complete = complete;
  }

  #take(bytes: number): number {
    if (this.position + bytes > this.#buffer.length) {
      if (this.#complete) throw new Error("GGUF file is truncated");
      throw new NeedMoreBytes();
    }
    const at = this.position;
    this.position += bytes;
    return at;
  }
  uint8 = () => this.#buffer.readUInt8(this.#take(1));
  int8 = () => this.#buffer.readInt8(this.#take(1));
  uint16 = () => this.#buffer.readUInt16LE(this.#take(2));
  int16 = () => this.#buffer.readInt16LE(this.#take(2));
  uint32 = () => this.#buffer.readUInt32LE(this.#take(4));
  int32 = () => this.#buffer.readInt32LE(this.#take(4));
  float32 = () => this.#buffer.readFloatLE(this.#take(4));
  float64 = () => this.#buffer.readDoubleLE(this.#take(8));
  uint64 = () => this.#buffer.readBigUInt64LE(this.#take(8));
  int64 = () => this.#buffer.readBigInt64LE(this.#take(8));
  string = (): string => {
    const length = Number(this.uint64());
    const at = this.#take(length);
    return this.#buffer.toString("utf8", at, at + length);
  };
}

function readScalar(cursor: ByteCursor, type: number): GgufScalar {
  switch (type) {
    case GgufValueType.uint8:
      return cursor.uint8();
    case GgufValueType.int8:
      return cursor.int8();
    case GgufValueType.uint16:
      return cursor.uint16();
    case GgufValueType.int16:
      return cursor.int16();
    case GgufValueType.uint32:
      return cursor.uint32();
    case GgufValueType.int32:
      return cursor.int32();
    case GgufValueType.float32:
      return cursor.float32();
    case GgufValueType.float64:
      return cursor.float64();
    case GgufValueType.bool:
      return cursor.uint8() !== 0;
    case GgufValueType.uint64:
      return cursor.uint64();
    case GgufValueType.int64:
      return cursor.int64();
    case GgufValueType.string:
      return cursor.string();
    default:
      throw new Error(`GGUF value type ${type} is not supported`);
  }
}

function readValue(cursor: ByteCursor): GgufValue {
  const type = cursor.uint32();
  if (type !== GgufValueType.array) return { type, value: readScalar(cursor, type) } as GgufValue;
  const itemType = cursor.uint32() as GgufValueType;
  const count = Number(cursor.uint64());
  const value: GgufScalar[] = [];
  for (let index = 0; index < count; index++) value.push(readScalar(cursor, itemType));
  return { type: GgufValueType.array, itemType, value };
}

function parseHeader(buffer: Buffer, complete: boolean): GgufHeader {
  const cursor = new ByteCursor(buffer, complete);
  if (cursor.uint32() !== ggufMagic) throw new Error("not a GGUF file");
  const version = cursor.uint32();
  if (version < 2) throw new Error(`GGUF version ${version} is not supported`);
  const tensorCount = Number(cursor.uint64());
  const metadataCount = Number(cursor.uint64());
  const metadata = new Map<string, GgufValue>();
  for (let index = 0; index < metadataCount; index++) {
    const key = cursor.string();
    metadata.set(key, readValue(cursor));
  }
  const tensors: GgufTensorInfo[] = [];
  for (let index = 0; index < tensorCount; index++) {
    const name = cursor.string();
    const dimensionCount = cursor.uint32();
    const dimensions: bigint[] = [];
    for (let dimension = 0; dimension < dimensionCount; dimension++) dimensions.push(cursor.uint64());
    tensors.push({ name, dimensions, type: cursor.uint32(), offset: cursor.uint64() });
  }
  const alignmentEntry = metadata.get("general.alignment");
  const alignment = typeof alignmentEntry?.value === "number" ? alignmentEntry.value : ggufDefaultAlignment;
  const dataOffset = Math.ceil(cursor.position / alignment) * alignment;
  return { version, metadata, tensors, alignment, dataOffset };
}

/** Reads only as much of the file as the header needs (vocabularies can make it megabytes). */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    for (let length = Math.min(size, 1 << 20); ; length = Math.min(size, length * 4)) {
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, 0);
      try {
        return parseHeader(buffer, length === size);
      } catch (error) {
        if (!(error instanceof NeedMoreBytes)) throw error;
      }
    }
  } finally {
    await file.close();
  }
}
