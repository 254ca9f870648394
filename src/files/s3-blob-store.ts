// A blob store in an S3-compatible bucket (AWS S3, MinIO, Ceph...), so many stateless nodes share one store of sealed objects.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type CompletedPart,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { BlobNotFoundError, checkBlobKey, type BlobStore } from "./blob-store.ts";

export interface S3BlobStoreOptions {
  bucket: string;
  /** An S3-compatible server's URL; null: AWS S3 in `region`. */
  endpoint: string | null;
  region: string;
  /** Prepended to every key, so one bucket can hold several installations. */
  prefix?: string;
  /** Bytes per multipart part; S3 requires at least 5 MiB for every part but the last. */
  partBytes?: number;
  /** Explicit credentials (tests); otherwise the standard AWS chain (AWS_ACCESS_KEY_ID...). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const minimumPartBytes = 5 * 1024 * 1024;

function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return error.name === "NoSuchKey" || error.name === "NotFound" || error.$metadata.httpStatusCode === 404;
}

export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partBytes: number;

  constructor(options: S3BlobStoreOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? "";
    this.#partBytes = Math.max(options.partBytes ?? 8 * 1024 * 1024, minimumPartBytes);
    this.#client = new S3Client({
      region: options.region,
      ...(options.endpoint
        ? // Compatible servers are addressed by path: bucket names are not DNS names there.
          { endpoint: options.endpoint, forcePathStyle: true }
        : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Transient server errors are retried by the SDK; a blob write is idempotent (same key, whole object).
      maxAttempts: 3,
    });
  }

  #key(key: string): string {
    return this.#prefix + checkBlobKey(key);
  }

  /**
   * Streams the object up: one PutObject when it fits in one part, a multipart upload otherwise, so
   * memory stays at one part whatever the size. S3 makes an object visible only when the PutObject
   * or the multipart completion succeeds, so a failed write leaves nothing behind (the upload is aborted).
   */
  async write(key: string, content: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<number> {
    const objectKey = this.#key(key);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let size = 0;
    let uploadId: string | null = null;
    const parts: CompletedPart[] = [];
    const uploadPart = async (body: Buffer) => {
      if (uploadId === null) {
        const created = await this.#client.send(
          new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: objectKey }),
        );
        if (!created.UploadId) throw new Error("The object store returned no upload id.");
        uploadId = created.UploadId;
      }
      const partNumber = parts.length + 1;
      const uploaded = await this.#client.send(
        new UploadPartCommand({
          Bucket: this.#bucket,
          Key: objectKey,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
        }),
      );
      parts.push({ PartNumber: partNumber, ETag: uploaded.ETag });
    };
    try {
      for await (const chunk of content) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        size += chunk.length;
        while (pendingBytes >= this.#partBytes) {
          const joined = Buffer.concat(pending);
          await uploadPart(joined.subarray(0, this.#partBytes));
          const rest = joined.subarray(this.#partBytes);
          pending = rest.length > 0 ? [rest] : [];
          pendingBytes = rest.length;
        }
      }
      const last = Buffer.concat(pending);
      if (uploadId === null) {
        await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: objectKey, Body: last }));
        return size;
      }
      if (last.length > 0) await uploadPart(last);
      await this.#client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.#bucket,
          Key: objectKey,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      return size;
    } catch (error) {
      if (uploadId !== null) {
        await this.#client
          .send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: objectKey, UploadId: uploadId }))
          // The write's own error is the one worth reporting; a bucket lifecycle rule sweeps what is left.
          .catch(() => undefined);
      }
      throw error;
    }
  }

  async *read(key: string): AsyncIterable<Buffer> {
    let body: unknown;
    try {
      const response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }),
      );
      body = response.Body;
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError();
      throw error;
    }
    // In Node the SDK's body is an IncomingMessage; anything else is a wrong runtime set-up.
    if (!(body instanceof Readable)) throw new Error("The object store returned no readable body.");
    for await (const chunk of body) yield chunk as Buffer;
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a key that is not there, which is what the interface asks.
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.#client.destroy();
  }
}
