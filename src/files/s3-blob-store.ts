// A blob store in an S3-compatible bucket (AWS S3, MinIO, Ceph...), so many stateless nodes share one store of sealed objects.
import type * as S3Module from "@aws-sdk/client-s3";
import type { CompletedPart, S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { BlobNotFoundError, checkBlobKey, type BlobContent, type BlobStore } from "./blob-store.ts";
import { lazyModule } from "../core/lazy-module.ts";

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

type S3Sdk = typeof S3Module;

/**
 * The AWS S3 SDK, imported on first use: it takes tens of MB and most of a second to load, and only an
 * installation that keeps its blobs in a bucket needs it.
 */
const s3Sdk = lazyModule<S3Sdk>(() => import("@aws-sdk/client-s3"));

interface Connection {
  sdk: S3Sdk;
  client: S3Client;
}

function isNotFound({ S3ServiceException }: S3Sdk, error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return error.name === "NoSuchKey" || error.name === "NotFound" || error.$metadata.httpStatusCode === 404;
}

export class S3BlobStore implements BlobStore {
  readonly #clientConfig: S3ClientConfig;
  #connection: Promise<Connection> | null = null;
  /** The client once made, so that close() can stay synchronous. */
  #client: S3Client | null = null;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partBytes: number;

  constructor(options: S3BlobStoreOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? "";
    this.#partBytes = Math.max(options.partBytes ?? 8 * 1024 * 1024, minimumPartBytes);
    this.#clientConfig = {
      region: options.region,
      ...(options.endpoint
        ? // Compatible servers are addressed by path: bucket names are not DNS names there.
          { endpoint: options.endpoint, forcePathStyle: true }
        : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Transient server errors are retried by the SDK; a blob write is idempotent (same key, whole object).
      maxAttempts: 3,
    };
  }

  /** The SDK and the client, both made at the first request. */
  #connect(): Promise<Connection> {
    this.#connection ??= s3Sdk().then(
      (loaded) => {
        this.#client = new loaded.S3Client(this.#clientConfig);
        return { sdk: loaded, client: this.#client };
      },
      (error: unknown) => {
        this.#connection = null;
        throw error;
      },
    );
    return this.#connection;
  }

  #key(key: string): string {
    return this.#prefix + checkBlobKey(key);
  }

  /**
   * Streams the object up: one PutObject when it fits in one part, a multipart upload otherwise, so
   * memory stays at one part whatever the size. S3 makes an object visible only when the PutObject
   * or the multipart completion succeeds, so a failed write leaves nothing behind (the upload is aborted).
   */
  async write(key: string, content: BlobContent): Promise<number> {
    const objectKey = this.#key(key);
    const {
      client,
      sdk: {
        AbortMultipartUploadCommand,
        CompleteMultipartUploadCommand,
        CreateMultipartUploadCommand,
        PutObjectCommand,
        UploadPartCommand,
      },
    } = await this.#connect();
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let size = 0;
    let uploadId: string | null = null;
    const parts: CompletedPart[] = [];
    const uploadPart = async (body: Buffer) => {
      if (uploadId === null) {
        const created = await client.send(
          new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: objectKey }),
        );
        if (!created.UploadId) throw new Error("The object store returned no upload id.");
        uploadId = created.UploadId;
      }
      const partNumber = parts.length + 1;
      const uploaded = await client.send(
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
      for await (const item of content) {
        // A group of buffers is only held until a part is full: parts are joined once, whatever came in.
        for (const chunk of item instanceof Uint8Array ? [item] : item) {
          pending.push(chunk);
          pendingBytes += chunk.length;
          size += chunk.length;
        }
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
        await client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: objectKey, Body: last }));
        return size;
      }
      if (last.length > 0) await uploadPart(last);
      await client.send(
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
        await client
          .send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: objectKey, UploadId: uploadId }))
          // The write's own error is the one worth reporting; a bucket lifecycle rule sweeps what is left.
          .catch(() => undefined);
      }
      throw error;
    }
  }

  async *read(key: string): AsyncIterable<Buffer> {
    let body: unknown;
    const objectKey = this.#key(key);
    const { sdk: loaded, client } = await this.#connect();
    try {
      const response = await client.send(
        new loaded.GetObjectCommand({ Bucket: this.#bucket, Key: objectKey }),
      );
      body = response.Body;
    } catch (error) {
      if (isNotFound(loaded, error)) throw new BlobNotFoundError();
      throw error;
    }
    // In Node the SDK's body is an IncomingMessage; anything else is a wrong runtime set-up.
    if (!(body instanceof Readable)) throw new Error("The object store returned no readable body.");
    for await (const chunk of body) yield chunk as Buffer;
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.#key(key);
    const { sdk: loaded, client } = await this.#connect();
    // S3 answers 204 for a key that is not there, which is what the interface asks.
    await client.send(new loaded.DeleteObjectCommand({ Bucket: this.#bucket, Key: objectKey }));
  }

  async has(key: string): Promise<boolean> {
    const objectKey = this.#key(key);
    const { sdk: loaded, client } = await this.#connect();
    try {
      await client.send(new loaded.HeadObjectCommand({ Bucket: this.#bucket, Key: objectKey }));
      return true;
    } catch (error) {
      if (isNotFound(loaded, error)) return false;
      throw error;
    }
  }

  /** The keys in `namespace` (the part before the slash), without the store's prefix; for pruning. */
  async keys(namespace: string): Promise<string[]> {
    const listed = `${this.#prefix}${namespace}/`;
    const { sdk: loaded, client } = await this.#connect();
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new loaded.ListObjectsV2Command({ Bucket: this.#bucket, Prefix: listed, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? [])
        if (object.Key) keys.push(object.Key.slice(this.#prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  /** Closes the client's connections (none were opened if the store was never used). */
  close(): void {
    this.#client?.destroy();
  }
}
