// One contract for every blob store: the local directory and an S3-compatible bucket (s3rver on
// 127.0.0.1) pass the same tests, and the files API runs end to end on the bucket with nothing but
// ciphertext reaching it (SEC-1, PLAT-3).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.ts";
import { BlobNotFoundError, type BlobStore } from "../src/files/blob-store.ts";
import { LocalBlobStore } from "../src/files/local-blob-store.ts";
import { S3BlobStore } from "../src/files/s3-blob-store.ts";
import { collectBytes } from "../src/files/sealed-chunks.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";
import { startLocalS3Server, type LocalS3Server } from "./helpers/s3-server.ts";

const partBytes = 5 * 1024 * 1024;

async function* failingAfter(bytes: number): AsyncGenerator<Buffer> {
  yield Buffer.alloc(bytes, 7);
  throw new Error("source failed half-way");
}

/** The contract of `BlobStore`, run against any implementation. */
function blobStoreContract(name: string, open: () => Promise<{ store: BlobStore; close(): Promise<void> }>) {
  describe(`${name} blob store`, () => {
    let store: BlobStore;
    let close: () => Promise<void>;
    beforeAll(async () => ({ store, close } = await open()));
    afterAll(async () => close?.());

    it("writes, reads, replaces and deletes objects", async () => {
      expect(await store.write("files/one", [Buffer.from("first "), Buffer.from("object")])).toBe(12);
      expect(await store.has("files/one")).toBe(true);
      expect((await collectBytes(store.read("files/one"))).toString()).toBe("first object");
      // An async source works as well as an array, and a second write replaces the object whole.
      async function* source() {
        yield Buffer.from("second");
      }
      expect(await store.write("files/one", source())).toBe(6);
      expect((await collectBytes(store.read("files/one"))).toString()).toBe("second");
      await store.delete("files/one");
      expect(await store.has("files/one")).toBe(false);
      await expect(collectBytes(store.read("files/one"))).rejects.toBeInstanceOf(BlobNotFoundError);
      await store.delete("files/one"); // Deleting what is not there is not an error.
    });

    it("stores an empty object and one larger than a multipart part, byte for byte", async () => {
      expect(await store.write("files/empty", [])).toBe(0);
      expect(await store.has("files/empty")).toBe(true);
      expect((await collectBytes(store.read("files/empty"))).length).toBe(0);
      const large = Buffer.alloc(2 * partBytes + 12_345);
      for (let index = 0; index < large.length; index += 4096) large.writeUInt32BE(index, index);
      // Fed in uneven pieces, as sealed chunks arrive.
      const pieces = [
        large.subarray(0, 1000),
        large.subarray(1000, partBytes + 7),
        large.subarray(partBytes + 7),
      ];
      expect(await store.write("weights/large", pieces)).toBe(large.length);
      expect((await collectBytes(store.read("weights/large"))).equals(large)).toBe(true);
      await store.delete("weights/large");
      await store.delete("files/empty");
    });

    it("leaves nothing behind when the source fails, small or past one part", async () => {
      await expect(store.write("files/broken-small", failingAfter(100))).rejects.toThrow(/half-way/);
      expect(await store.has("files/broken-small")).toBe(false);
      await expect(store.write("files/broken-large", failingAfter(partBytes + 1))).rejects.toThrow(
        /half-way/,
      );
      expect(await store.has("files/broken-large")).toBe(false);
    });

    it("refuses keys that could name something outside the store", async () => {
      for (const key of ["../etc/passwd", "files/../x", "files/a/b", "/abs", "files/", "Files/x"]) {
        await expect(store.write(key, [Buffer.from("x")])).rejects.toThrow(/Invalid blob key/);
      }
    });
  });
}

/** Every regular file under a directory, recursively. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: "utf8" })
    .map((entry) => path.join(directory, entry))
    .filter((entry) => statSync(entry).isFile());
}

blobStoreContract("local directory", async () => {
  const directory = mkdtempSync(path.join(tmpdir(), "custodian-blobs-"));
  return {
    store: new LocalBlobStore(directory),
    close: async () => rmSync(directory, { recursive: true, force: true }),
  };
});

blobStoreContract("S3-compatible", async () => {
  const s3 = await startLocalS3Server();
  const store = new S3BlobStore({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: "us-east-1",
    credentials: s3.credentials,
    partBytes,
  });
  return {
    store,
    async close() {
      store.close();
      await s3.close();
    },
  };
});

describe("files API on an S3-compatible blob store", () => {
  const canary = "CANARY-s3-blob-5d81e0";
  let s3: LocalS3Server;
  let platform: TestPlatform;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    s3 = await startLocalS3Server();
    // The server takes its S3 credentials from the standard AWS variables, as in production.
    process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...settings } = s3.env;
    platform = await startTestPlatform({ env: settings });
  });
  afterAll(async () => {
    await platform?.close();
    await s3?.close();
    for (const [name, value] of [
      ["AWS_ACCESS_KEY_ID", saved.id],
      ["AWS_SECRET_ACCESS_KEY", saved.secret],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("[PLAT-3] uploads, reads and deletes a file through the official client, only ciphertext in the bucket", async () => {
    const client = platform.client();
    const content = `{"text":"${canary} ${"x".repeat(2000)}"}\n`;
    const file = await client.files.create({
      file: await toFile(Buffer.from(content), "notes.jsonl"),
      purpose: "user_data",
    });
    expect(file.bytes).toBe(Buffer.byteLength(content));
    expect(await (await client.files.content(file.id)).text()).toBe(content);

    // The object is in the bucket, not in the data directory, and holds no plaintext.
    const stored = filesUnder(s3.directory).filter((entry) => entry.includes(file.id));
    expect(stored.length).toBeGreaterThan(0);
    for (const entry of filesUnder(s3.directory)) expect(readFileSync(entry).includes(canary)).toBe(false);
    const localBlobs = path.join(platform.dataDir, "blobs");
    expect(() => readdirSync(localBlobs, { recursive: true })).toThrow();

    await client.files.delete(file.id);
    expect(
      filesUnder(s3.directory).filter((entry) => entry.includes(file.id) && !entry.endsWith("metadata.json")),
    ).toEqual([]);
    await expect(client.files.content(file.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe("blob store settings", () => {
  const base = { CUSTODIAN_DATA_DIR: "/tmp/custodian-config-test" };

  it("defaults to the local directory and reads an S3 bucket from CUSTODIAN_S3_*", () => {
    expect(loadConfig(base).blobStore).toEqual({ kind: "local" });
    expect(
      loadConfig({
        ...base,
        CUSTODIAN_BLOB_STORE: "s3",
        CUSTODIAN_S3_BUCKET: "custodian-blobs",
        CUSTODIAN_S3_ENDPOINT: "https://minio.internal:9000/",
      }).blobStore,
    ).toEqual({
      kind: "s3",
      bucket: "custodian-blobs",
      endpoint: "https://minio.internal:9000",
      region: "us-east-1",
    });
  });

  it("refuses an incomplete or unsafe S3 setting, naming it", () => {
    const refused = (env: Record<string, string>) => () => loadConfig({ ...base, ...env });
    expect(refused({ CUSTODIAN_BLOB_STORE: "s4" })).toThrow(/CUSTODIAN_BLOB_STORE/);
    expect(refused({ CUSTODIAN_BLOB_STORE: "s3" })).toThrow(/CUSTODIAN_S3_BUCKET/);
    expect(refused({ CUSTODIAN_BLOB_STORE: "s3", CUSTODIAN_S3_BUCKET: "Bad_Bucket" })).toThrow(
      /CUSTODIAN_S3_BUCKET/,
    );
    // Sealed objects still carry their names and sizes: plain http only to this machine.
    expect(
      refused({
        CUSTODIAN_BLOB_STORE: "s3",
        CUSTODIAN_S3_BUCKET: "custodian-blobs",
        CUSTODIAN_S3_ENDPOINT: "http://minio.internal:9000",
      }),
    ).toThrow(/CUSTODIAN_S3_ENDPOINT/);
    expect(refused({ CUSTODIAN_S3_BUCKET: "custodian-blobs" })).toThrow(/only with CUSTODIAN_BLOB_STORE=s3/);
  });
});
