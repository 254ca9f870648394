// The backup benchmark's data set: conversations with a few messages each and uploaded files, written
// through the platform's own services (the workspace's ConversationService and the FileService, so rows
// are sealed and files land in the blob store as in production) on the benchmark's PostgreSQL database.
import { randomBytes } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { loadConfig } from "../src/config/config.ts";
import { createLogger, openPlatform } from "../src/platform/platform.ts";
import type { Member } from "../src/workspace/conversation-service.ts";

export const MESSAGES_PER_CONVERSATION = 4;
const WORKERS = 8;

export interface DataSet {
  conversations: number;
  messages: number;
  files: number;
  fileBytes: number;
  /** pg_database_size of the source database after the data is written. */
  databaseBytes: number;
  /** Bytes of every file under the blob directory (sealed content, as stored). */
  blobBytes: number;
}

/** The environment `custodian` runs with on this data directory and database. */
export function custodianEnvironment(
  dataDir: string,
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    CUSTODIAN_DATA_DIR: dataDir,
    CUSTODIAN_DATABASE_URL: databaseUrl,
    CUSTODIAN_LOG_LEVEL: "warn",
    CUSTODIAN_TRUST_PROBE_INTERVAL_MS: "0",
    ...extra,
  };
}

export function directoryBytes(directory: string): number {
  let total = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) total += directoryBytes(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

/** Runs `count` jobs, `WORKERS` at a time. */
async function inParallel(count: number, job: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

export async function buildDataSet(
  dataDir: string,
  databaseUrl: string,
  size: { conversations: number; files: number; fileBytes: number },
  progress: (message: string) => void,
): Promise<DataSet> {
  const platform = await openPlatform(
    loadConfig(custodianEnvironment(dataDir, databaseUrl)),
    createLogger({ logLevel: "warn" }),
  );
  try {
    const { organization } = await platform.tenancy.createOrganization("Bench backup", "bench");
    const users = Math.max(2, Math.round(size.conversations / 50));
    const member = (user: number): Member => ({
      organizationId: organization.id,
      workspaceId: `ws_${user % 10}`,
      userId: `user_${user}`,
    });
    const conversations = platform.workspace.conversations;
    await inParallel(size.conversations, async (index) => {
      const owner = member(index % users);
      const created = await conversations.create(owner, { model: "m", title: `Plan ${index}` });
      for (let message = 0; message < MESSAGES_PER_CONVERSATION; message += 1)
        await conversations.append(owner, created.id, {
          role: message % 2 === 0 ? "user" : "assistant",
          content: `Message ${message} of conversation ${index}: ${"quarterly figures ".repeat(20)}`,
        });
      if ((index + 1) % 1000 === 0) progress(`${index + 1} conversations written`);
    });
    progress(`${size.conversations} conversations written`);
    // Random content: sealed blobs do not compress whatever goes in, so this costs gzip no less than text.
    await inParallel(size.files, async (index) => {
      await platform.files.upload({
        organizationId: organization.id,
        purpose: "user_data",
        filename: `bench-${index}.bin`,
        content: randomBytes(size.fileBytes),
        actor: "bench",
      });
      if ((index + 1) % 16 === 0) progress(`${index + 1} of ${size.files} files uploaded`);
    });
    const { rows } = await sql<{
      bytes: string;
    }>`select pg_database_size(current_database())::text as bytes`.execute(platform.db);
    return {
      conversations: size.conversations,
      messages: size.conversations * MESSAGES_PER_CONVERSATION,
      files: size.files,
      fileBytes: size.fileBytes,
      databaseBytes: Number(rows[0]!.bytes),
      blobBytes: directoryBytes(path.join(dataDir, "blobs")),
    };
  } finally {
    await platform.close();
  }
}
