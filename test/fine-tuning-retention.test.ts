// FT-2: fine-tuning files are kept until their organisation deletes them, and no longer. Every purge
// (API retention, the workspace's retention and deletion window, the sweep of unfinished uploads) runs
// a year and more ahead with the shortest retention, deletes what it should, and leaves the file's bytes
// as they were; the organisation's delete then removes its row, its key and its sealed blob.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LocalBlobStore } from "../src/files/local-blob-store.ts";
import { signInOwner } from "./helpers/browser-session.ts";
import { useTestPlatformWithUpstream } from "./helpers/platform.ts";

const dayMs = 86_400_000;
const training = Buffer.from(
  '{"prompt": "What colour is the sky?", "completion": "Blue."}\n' +
    '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}\n',
);

describe("fine-tuning files and the purges", () => {
  const platform = useTestPlatformWithUpstream();

  it("[FT-2] fine-tuning files survive every purge until their organisation deletes them", async () => {
    const services = platform.server.platform;
    const organizationId = platform.organization;
    const client = platform.client();
    const file = await client.files.create({
      file: new File([training], "pairs.jsonl"),
      purpose: "fine-tune",
    });

    // The shortest retention everywhere, and something for each purge to delete.
    await services.privacy.settings.set({ organizationId, retentionDays: 1, actor: "test" });
    await client.chat.completions.create({
      model: "fake-model",
      messages: [{ role: "user", content: "hi" }],
    });
    await services.privacy.traffic.flush();
    const keptRecords = () =>
      services.db
        .selectFrom("api_records")
        .select("id")
        .where("organization_id", "=", organizationId)
        .execute();
    expect((await keptRecords()).length).toBeGreaterThan(0);
    const workspace = await services.identity.users.defaultWorkspace(organizationId);
    await services.workspace.retention.setRetention(organizationId, workspace.id, 1, "test");
    const author = await signInOwner(platform, { email: "author@ft2.example" });
    const conversation = await author.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model" }),
    });
    expect(conversation.status).toBe(201);

    const later = new Date(Date.now() + 400 * dayMs);
    await services.privacy.purge.run(later);
    const workspacePurge = await services.workspace.retention.purge({ now: later, deletionWindowMs: 0 });
    const again = await services.workspace.retention.purge({ now: later, deletionWindowMs: 0 });
    await services.files.sweepUnstored(0);
    // Positive controls: the purges did delete what they keep for a while.
    expect(await keptRecords()).toEqual([]);
    expect(workspacePurge.expired + again.expired).toBeGreaterThan(0);

    // The fine-tuning file is whole, byte for byte.
    expect((await client.files.retrieve(file.id)).bytes).toBe(training.length);
    const content = Buffer.from(await (await client.files.content(file.id)).arrayBuffer());
    expect(content.equals(training)).toBe(true);
    const row = await services.db
      .selectFrom("files")
      .select("blob_key")
      .where("id", "=", file.id)
      .executeTakeFirstOrThrow();
    const blobs = new LocalBlobStore(path.join(platform.dataDir, "blobs"));
    expect(await blobs.has(row.blob_key)).toBe(true);

    // And no longer than the organisation wants: its delete removes the file, its key and its blob.
    expect((await client.files.delete(file.id)).deleted).toBe(true);
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    expect(await blobs.has(row.blob_key)).toBe(false);
  });
});
