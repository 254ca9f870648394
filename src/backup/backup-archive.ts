// The backup archive (OWN-4, SEC-1): a small plain header (format, archive id, schema version, the
// archive key wrapped by the master key), then sealed frames of at most 256 KiB, each bound to the
// archive, its place in the sequence and the header, ending with a sealed manifest that holds a SHA-256
// checksum per part. A foreign, corrupt, truncated or reordered archive, or one sealed under another
// master key, fails to open: nothing of it is trusted before the manifest has checked out.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { open as openFile, rename, rm, type FileHandle } from "node:fs/promises";
import { open, seal, type Binding } from "../crypto/aead.ts";
import { BlockReader, readExactly } from "./block-reader.ts";

const magic = Buffer.from("CUSTODIAN-BACKUP\n", "utf8");
const formatVersion = 1;
const framePayload = 256 * 1024;
/** A frame's sealed length may not exceed this: a garbage length is refused before it is read. */
const maxFrame = framePayload + 64 * 1024;

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveError";
  }
}

export interface ArchiveHeader {
  format: number;
  archiveId: string;
  createdAt: string;
  schemaVersion: string;
  /** Where it was taken: "pglite" (embedded) or "postgresql". */
  source: string;
  /** The archive key sealed by the master key, base64. */
  wrappedKey: string;
}

export interface ManifestPart {
  name: string;
  bytes: number;
  sha256: string;
  rows?: number;
}

export interface Manifest {
  archiveId: string;
  schemaVersion: string;
  parts: ManifestPart[];
  /** Blobs the database named that were deleted before they were read (their rows' keys are in the ledger). */
  missingBlobs: number;
}

const FrameType = { Part: 1, Manifest: 2 } as const;
type FrameType = (typeof FrameType)[keyof typeof FrameType];

const keyBinding = (archiveId: string): Binding => ({
  table: "backup_archives",
  row: archiveId,
  organization: "",
});

function frameBinding(header: Buffer, archiveId: string, index: number, type: FrameType): Binding {
  const digest = createHash("sha256").update(header).digest("hex");
  return { table: "backup_frames", row: `${archiveId}:${index}:${type}`, organization: digest };
}

/** Writes an archive to `<file>.partial`, renamed to `file` only when finished: no half archive bears the name. */
export class ArchiveWriter {
  readonly #file: string;
  readonly #handle: FileHandle;
  readonly #header: Buffer;
  readonly #info: ArchiveHeader;
  readonly #key: Buffer;
  readonly #parts: ManifestPart[] = [];
  #index = 0;
  bytes = 0;

  private constructor(file: string, handle: FileHandle, header: Buffer, info: ArchiveHeader, key: Buffer) {
    this.#file = file;
    this.#handle = handle;
    this.#header = header;
    this.#info = info;
    this.#key = key;
  }

  static async create(
    file: string,
    masterKey: Buffer,
    info: { schemaVersion: string; source: string },
  ): Promise<ArchiveWriter> {
    const key = randomBytes(32);
    const archiveId = randomUUID();
    const header: ArchiveHeader = {
      format: formatVersion,
      archiveId,
      createdAt: new Date().toISOString(),
      ...info,
      wrappedKey: seal(masterKey, 0, keyBinding(archiveId), key).toString("base64"),
    };
    const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
    const handle = await openFile(`${file}.partial`, "w", 0o600);
    const writer = new ArchiveWriter(file, handle, headerBytes, header, key);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(headerBytes.length);
    await writer.#write(Buffer.concat([magic, length, headerBytes]));
    return writer;
  }

  get archiveId(): string {
    return this.#info.archiveId;
  }

  async #write(bytes: Buffer): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += (await this.#handle.write(bytes, offset)).bytesWritten;
    this.bytes += bytes.length;
  }

  async #frame(type: FrameType, name: string, payload: Buffer): Promise<void> {
    const nameBytes = Buffer.from(name, "utf8");
    const plain = Buffer.alloc(3 + nameBytes.length + payload.length);
    plain.writeUInt8(type, 0);
    plain.writeUInt16BE(nameBytes.length, 1);
    nameBytes.copy(plain, 3);
    payload.copy(plain, 3 + nameBytes.length);
    const sealed = seal(
      this.#key,
      0,
      frameBinding(this.#header, this.#info.archiveId, this.#index, type),
      plain,
    );
    this.#index += 1;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(sealed.length);
    await this.#write(Buffer.concat([length, sealed]));
  }

  /** One part (a table's rows, a blob), streamed in frames; returns its size. */
  async part(
    name: string,
    content: AsyncIterable<Buffer> | Iterable<Buffer>,
    rows?: number,
  ): Promise<number> {
    const hash = createHash("sha256");
    let bytes = 0;
    let wrote = false;
    for await (const chunk of content) {
      for (let offset = 0; offset < chunk.length; offset += framePayload) {
        const piece = chunk.subarray(offset, offset + framePayload);
        hash.update(piece);
        bytes += piece.length;
        await this.#frame(FrameType.Part, name, piece);
        wrote = true;
      }
    }
    if (!wrote) await this.#frame(FrameType.Part, name, Buffer.alloc(0));
    this.#parts.push({ name, bytes, sha256: hash.digest("hex"), ...(rows !== undefined ? { rows } : {}) });
    return bytes;
  }

  /** Sets the rows of the last part (known only once a table's stream ended). */
  setRows(rows: number): void {
    const last = this.#parts[this.#parts.length - 1];
    if (last) last.rows = rows;
  }

  async finish(missingBlobs: number): Promise<Manifest> {
    const manifest: Manifest = {
      archiveId: this.#info.archiveId,
      schemaVersion: this.#info.schemaVersion,
      parts: this.#parts,
      missingBlobs,
    };
    await this.#frame(FrameType.Manifest, "manifest", Buffer.from(JSON.stringify(manifest), "utf8"));
    await this.#handle.sync();
    await this.#handle.close();
    await rename(`${this.#file}.partial`, this.#file);
    return manifest;
  }

  async abort(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
    await rm(`${this.#file}.partial`, { force: true });
  }
}

export interface ArchivePart {
  name: string;
  chunks: AsyncGenerator<Buffer>;
}

/** Opens an archive's header: refuses a file that is not one, or one this master key did not seal. */
export async function readHeader(
  handle: FileHandle,
  masterKey: Buffer,
): Promise<{ header: ArchiveHeader; headerBytes: Buffer; key: Buffer; offset: number }> {
  const start = await readExactly(handle, 0, magic.length + 4);
  if (start.length < magic.length + 4 || !start.subarray(0, magic.length).equals(magic))
    throw new ArchiveError("This file is not a Custodian backup.");
  const length = start.readUInt32BE(magic.length);
  if (length > 64 * 1024) throw new ArchiveError("This backup's header is corrupt.");
  const headerBytes = await readExactly(handle, magic.length + 4, length);
  if (headerBytes.length < length) throw new ArchiveError("This backup is truncated.");
  let header: ArchiveHeader;
  try {
    header = JSON.parse(headerBytes.toString("utf8")) as ArchiveHeader;
  } catch {
    throw new ArchiveError("This backup's header is corrupt.");
  }
  if (header.format !== formatVersion)
    throw new ArchiveError(
      `This backup's format (${String(header.format)}) is not one this Custodian reads.`,
    );
  let key: Buffer;
  try {
    key = open(masterKey, keyBinding(header.archiveId), Buffer.from(header.wrappedKey, "base64"));
  } catch {
    throw new ArchiveError(
      "This backup was sealed under another master key (or its header is corrupt): it cannot be opened with this one.",
    );
  }
  return { header, headerBytes, key, offset: magic.length + 4 + length };
}

/**
 * The archive's parts in order, each checked against its checksum when the manifest (the last frame)
 * is reached; the generator's return value is the manifest. Throws ArchiveError on any fault.
 */
export async function* readArchive(file: string, masterKey: Buffer): AsyncGenerator<ArchivePart, Manifest> {
  const handle = await openFile(file, "r").catch(() => {
    throw new ArchiveError(`No backup at ${file}.`);
  });
  let reader: BlockReader | null = null;
  try {
    const { header, headerBytes, key, offset } = await readHeader(handle, masterKey);
    const blocks = new BlockReader(handle, offset);
    reader = blocks;
    let index = 0;
    async function nextFrame(): Promise<{ type: FrameType; name: string; payload: Buffer }> {
      const lengthBytes = await blocks.take(4);
      if (lengthBytes.length < 4)
        throw new ArchiveError("This backup is truncated: its manifest is missing.");
      const length = lengthBytes.readUInt32BE(0);
      if (length > maxFrame) throw new ArchiveError("This backup is corrupt.");
      const sealed = await blocks.take(length);
      if (sealed.length < length)
        throw new ArchiveError("This backup is truncated: its manifest is missing.");
      for (const type of [FrameType.Part, FrameType.Manifest]) {
        try {
          const plain = open(key, frameBinding(headerBytes, header.archiveId, index, type), sealed);
          index += 1;
          const nameLength = plain.readUInt16BE(1);
          return {
            type,
            name: plain.subarray(3, 3 + nameLength).toString("utf8"),
            payload: plain.subarray(3 + nameLength),
          };
        } catch {
          // Try the other type; if neither opens, the frame was changed.
        }
      }
      throw new ArchiveError("This backup is corrupt: a part failed its integrity check.");
    }
    const seen: ManifestPart[] = [];
    let frame = await nextFrame();
    while (frame.type === FrameType.Part) {
      const name = frame.name;
      const part: ManifestPart = { name, bytes: 0, sha256: "" };
      const hash = createHash("sha256");
      const chunks = async function* (): AsyncGenerator<Buffer> {
        while (frame.type === FrameType.Part && frame.name === name) {
          hash.update(frame.payload);
          part.bytes += frame.payload.length;
          const payload = frame.payload;
          frame = await nextFrame();
          if (payload.length > 0) yield payload;
        }
      };
      const generator = chunks();
      yield { name, chunks: generator };
      for await (const chunk of generator) void chunk; // what the reader left unread
      part.sha256 = hash.digest("hex");
      seen.push(part);
    }
    if (frame.type !== FrameType.Manifest) throw new ArchiveError("This backup is corrupt.");
    const manifest = JSON.parse(frame.payload.toString("utf8")) as Manifest;
    const trailing = await blocks.take(1);
    if (trailing.length > 0) throw new ArchiveError("This backup is corrupt: bytes follow its manifest.");
    if (manifest.archiveId !== header.archiveId || manifest.schemaVersion !== header.schemaVersion)
      throw new ArchiveError("This backup is corrupt: its manifest does not match its header.");
    if (
      manifest.parts.length !== seen.length ||
      manifest.parts.some(
        (expected, at) =>
          expected.name !== seen[at]!.name ||
          expected.bytes !== seen[at]!.bytes ||
          expected.sha256 !== seen[at]!.sha256,
      )
    )
      throw new ArchiveError("This backup is corrupt: a part does not match its checksum.");
    return manifest;
  } finally {
    await reader?.settle();
    await handle.close();
  }
}

/** An archive's header, once it opened with this master key: a foreign or wrongly keyed file is refused. */
export async function readArchiveHeader(file: string, masterKey: Buffer): Promise<ArchiveHeader> {
  const handle = await openFile(file, "r").catch(() => {
    throw new ArchiveError(`No backup at ${file}.`);
  });
  try {
    return (await readHeader(handle, masterKey)).header;
  } finally {
    await handle.close();
  }
}

/** Reads the whole archive and checks every part against the manifest, restoring nothing. */
export async function verifyArchive(
  file: string,
  masterKey: Buffer,
): Promise<{ header: ArchiveHeader; manifest: Manifest }> {
  const header = await readArchiveHeader(file, masterKey);
  const reader = readArchive(file, masterKey);
  for (;;) {
    const next = await reader.next();
    if (next.done) return { header, manifest: next.value };
  }
}
