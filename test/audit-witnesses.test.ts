// A real server publishes every audit checkpoint to its witnesses outside the database: the witness
// file, an S3 bucket (a local s3rver) and the security webhook (a receiver on 127.0.0.1), at shutdown
// too; and the bucket alone is enough to expose a log cut through the database.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../src/audit/audit-log.ts";
import { auditKeyFileName } from "../src/audit/audit-signing-key.ts";
import { ObjectStoreWitness } from "../src/audit/object-store-witness.ts";
import { witnessFileName } from "../src/audit/witness-file.ts";
import { S3BlobStore } from "../src/files/s3-blob-store.ts";
import { signatureHeader, verifyWebhookSignature } from "../src/notify/webhook.ts";
import { cutTail, snapshotLog } from "./helpers/audit-tamper.ts";
import { openCheckpointIndependently } from "./helpers/independent-proof-check.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";
import { startLocalS3Server, useAwsCredentials, type LocalS3Server } from "./helpers/s3-server.ts";

const secret = "a-secret-long-enough-to-sign-with-0002";

async function until(check: () => boolean | Promise<boolean>, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(50);
  }
}

describe("audit checkpoint witnesses", () => {
  let receiver: Server;
  let s3: LocalS3Server;
  let test: TestPlatform;
  let bucket: S3BlobStore;
  const received: Array<{ type: string; data: Record<string, unknown>; valid: boolean }> = [];
  let restoreCredentials: (() => void) | null = null;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        const parsed = JSON.parse(body) as { type: string; data: Record<string, unknown> };
        const header = request.headers[signatureHeader];
        received.push({
          type: parsed.type,
          data: parsed.data,
          valid: verifyWebhookSignature(body, typeof header === "string" ? header : undefined, secret),
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    s3 = await startLocalS3Server();
    bucket = new S3BlobStore({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: "us-east-1",
      credentials: s3.credentials,
    });
    restoreCredentials = useAwsCredentials(s3.credentials);
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...settings } = s3.env;
    test = await startTestPlatform({
      env: {
        ...settings,
        CUSTODIAN_AUDIT_CHECKPOINT_EVERY: "4",
        CUSTODIAN_SECURITY_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/security`,
        CUSTODIAN_SECURITY_WEBHOOK_SECRET: secret,
      },
    });
  }, 120_000);
  afterAll(async () => {
    await test?.close();
    bucket?.close();
    await s3?.close();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    restoreCredentials?.();
  });

  const checkpoints = () => received.filter((event) => event.type === "audit.checkpoint");

  async function latestInBucket(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of bucket.read("audit-checkpoint/latest")) chunks.push(chunk);
    return Buffer.concat(chunks).toString("utf8");
  }

  it("[SEC-4] every checkpoint reaches the webhook and the bucket, signed with the log's key", async () => {
    const { audit } = test.server.platform;
    const publicKey = audit.verifierKey!;
    while ((await audit.head()) % 4 !== 0 || (await audit.head()) < 8) {
      await audit.append({ actor: "test", action: "test.event" });
    }
    await audit.flush();
    const head = await audit.head();
    await until(() => checkpoints().some((event) => event.data.tree_size === head));
    for (const event of checkpoints()) {
      expect(event.valid).toBe(true);
      const opened = openCheckpointIndependently(String(event.data.checkpoint), publicKey);
      expect(opened.size).toBe(event.data.tree_size);
      expect(opened.root.toString("base64")).toBe(event.data.root_hash);
    }
    const latest = openCheckpointIndependently(await latestInBucket(), publicKey);
    expect(latest.size).toBe(head);
  }, 120_000);

  it("[SEC-4] the bucket alone exposes a tail cut through the database", async () => {
    const { audit, db, keyring } = test.server.platform;
    const head = await audit.head();
    const restore = await snapshotLog(db);
    // A node that has no witness file of its own: what it knows of the log comes from the bucket.
    const emptyDir = mkdtempSync(path.join(tmpdir(), "custodian-no-witness-"));
    try {
      const fromBucket = new AuditLog(db, keyring, {
        checkpointEvery: 1000,
        checkpoints: {
          keyFile: path.join(test.dataDir, auditKeyFileName),
          dataDir: emptyDir,
          witnesses: [new ObjectStoreWitness(bucket)],
        },
      });
      expect(await fromBucket.verify()).toMatchObject({ ok: true, newestCheckpoint: head });
      await cutTail(db, head - 2);
      expect(await fromBucket.verify()).toMatchObject({
        ok: false,
        seq: head - 2,
        lastSeq: head,
        problem: `entries ${head - 2} to ${head} are missing: a signed checkpoint covers ${head} entries`,
      });
    } finally {
      await restore(db);
      rmSync(emptyDir, { recursive: true, force: true });
    }
    expect((await audit.verify()).ok).toBe(true);
  }, 120_000);

  it("[SEC-4] shutting down publishes the last checkpoint to every witness", async () => {
    const { audit } = test.server.platform;
    const publicKey = audit.verifierKey!;
    const head = await audit.append({ actor: "test", action: "test.before_shutdown" });
    await test.server.close();
    const witnessFile = readFileSync(path.join(test.dataDir, witnessFileName), "utf8").trim().split("\n");
    const last = JSON.parse(witnessFile.at(-1)!) as { tree_size: number; note: string };
    const size = openCheckpointIndependently(last.note, publicKey).size;
    expect(size).toBeGreaterThanOrEqual(head);
    expect(checkpoints().at(-1)!.data.tree_size).toBe(size);
    expect(openCheckpointIndependently(await latestInBucket(), publicKey).size).toBe(size);
  }, 120_000);
});
