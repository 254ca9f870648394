// A local S3-compatible server (s3rver, from npm) on 127.0.0.1 with one bucket, standing in for AWS S3 or MinIO.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

/** The part of s3rver's API used here; the package ships no type declarations. */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string }>;
}) => S3rverInstance;

export interface LocalS3Server {
  endpoint: string;
  bucket: string;
  /** The directory it keeps objects in, to look at what reached the "cloud". */
  directory: string;
  /** s3rver accepts these fixed credentials. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The settings that point a Custodian server at this bucket (credentials as the standard AWS variables). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startLocalS3Server(bucket = "custodian-test"): Promise<LocalS3Server> {
  const S3rver = createRequire(import.meta.url)("s3rver") as S3rverConstructor;
  const directory = mkdtempSync(path.join(tmpdir(), "custodian-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  return {
    endpoint,
    bucket,
    directory,
    credentials,
    env: {
      CUSTODIAN_BLOB_STORE: "s3",
      CUSTODIAN_S3_BUCKET: bucket,
      CUSTODIAN_S3_ENDPOINT: endpoint,
      CUSTODIAN_S3_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Puts `credentials` in the standard AWS variables, where a server takes them from as in production;
 * returns what puts the previous values back.
 */
export function useAwsCredentials(credentials: LocalS3Server["credentials"]): () => void {
  const saved = {
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
  };
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
