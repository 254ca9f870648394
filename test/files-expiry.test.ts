// POST /v1/files `expires_after` (OpenAI's files API): the expiry is stored and reported as `expires_at`;
// an expired file is refused at once as a deleted one is, and the files module's periodic work deletes
// it through the client's delete path (row, key, sealed content, audit entry). Bad values store nothing.
import path from "node:path";
import { toFile } from "openai";
import { describe, expect, it } from "vitest";
import { LocalBlobStore } from "../src/files/local-blob-store.ts";
import { useTestPlatform } from "./helpers/platform.ts";

async function status(promise: Promise<unknown>): Promise<number | undefined> {
  return promise.then(
    () => 200,
    (error: { status?: number }) => error.status,
  );
}

describe("files expires_after", () => {
  const platform = useTestPlatform();
  const db = () => platform.server.platform.db;
  const blobs = () => new LocalBlobStore(path.join(platform.dataDir, "blobs"));
  const blobKeyOf = async (id: string) =>
    (await db().selectFrom("files").select("blob_key").where("id", "=", id).executeTakeFirstOrThrow())
      .blob_key;
  /** Sets a file's stored expiry to a moment in the past, as if its hour had gone by. */
  const expireNow = (id: string) =>
    db()
      .updateTable("files")
      .set({ expires_at: new Date(Date.now() - 1_000) } as never)
      .where("id", "=", id)
      .execute();
  /**
   * One turn of every periodic task of the platform, the files module's among them. Whether another
   * task ran is not this test's concern (a scheduled turn of its own may hold it); the outcome is.
   */
  const runPeriodicWork = async () => {
    for (const task of platform.server.platform.tasks) await task.runOnce();
  };

  it("reports expires_at as created_at plus the seconds, and null without expires_after", async () => {
    const client = platform.client();
    const lasting = await client.files.create({
      file: await toFile(Buffer.from("kept"), "kept.txt"),
      purpose: "user_data",
    });
    expect(lasting.expires_at).toBeNull();
    for (const seconds of [3_600, 86_400, 2_592_000]) {
      const file = await client.files.create({
        file: await toFile(Buffer.from("short-lived"), "short.txt"),
        purpose: "user_data",
        expires_after: { anchor: "created_at", seconds },
      });
      expect(file.expires_at).toBe(file.created_at + seconds);
      expect((await client.files.retrieve(file.id)).expires_at).toBe(file.created_at + seconds);
    }
  });

  it("refuses an expired file at once and the periodic work deletes it, content and all", async () => {
    const client = platform.client();
    const expiring = await client.files.create({
      file: await toFile(Buffer.from("goes after an hour"), "expiring.txt"),
      purpose: "user_data",
      expires_after: { anchor: "created_at", seconds: 3_600 },
    });
    const later = await client.files.create({
      file: await toFile(Buffer.from("goes after a day"), "later.txt"),
      purpose: "user_data",
      expires_after: { anchor: "created_at", seconds: 86_400 },
    });
    const kept = await client.files.create({
      file: await toFile(Buffer.from("kept until deleted"), "kept.txt"),
      purpose: "user_data",
    });
    const blobKey = await blobKeyOf(expiring.id);
    const listed = async () => (await client.files.list({ limit: 10_000 })).data.map((file) => file.id);

    // Positive control: before its expiry the file is listed, readable and its content is stored.
    expect(await listed()).toContain(expiring.id);
    expect((await client.files.retrieve(expiring.id)).id).toBe(expiring.id);
    expect(await (await client.files.content(expiring.id)).text()).toBe("goes after an hour");
    expect(await blobs().has(blobKey)).toBe(true);
    // A turn before the expiry deletes nothing.
    await runPeriodicWork();
    expect(await listed()).toContain(expiring.id);
    expect(await blobs().has(blobKey)).toBe(true);

    await expireNow(expiring.id);
    // Refused at once, as a deleted file is, though the sweep has not run: the row and blob are still there.
    expect(await status(client.files.retrieve(expiring.id))).toBe(404);
    expect(await status(client.files.content(expiring.id))).toBe(404);
    expect(await status(client.files.delete(expiring.id))).toBe(404);
    expect(await listed()).not.toContain(expiring.id);
    expect(await blobs().has(blobKey)).toBe(true);

    await runPeriodicWork();
    expect(await db().selectFrom("files").select("id").where("id", "=", expiring.id).execute()).toEqual([]);
    expect(await blobs().has(blobKey)).toBe(false);
    const audit = await db()
      .selectFrom("audit_entries")
      .select(["actor", "action", "metadata"])
      .where("target", "=", expiring.id)
      .orderBy("seq")
      .execute();
    expect(audit.map((entry) => [entry.actor, entry.action])).toEqual([
      [expect.any(String), "file.uploaded"],
      ["system", "file.deleted"],
    ]);
    expect(JSON.parse(audit[1]!.metadata)).toMatchObject({ purpose: "user_data", reason: "expired" });
    // Files not yet expired, or without an expiry, are untouched.
    expect(await listed()).toEqual(expect.arrayContaining([later.id, kept.id]));
    expect(await (await client.files.content(later.id)).text()).toBe("goes after a day");
    expect(await blobs().has(await blobKeyOf(kept.id))).toBe(true);
  });

  it("answers each bad expires_after with a 400 naming the field, and stores nothing", async () => {
    const count = async () =>
      Number(
        (
          await db()
            .selectFrom("files")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const anchor = "expires_after[anchor]";
    const seconds = "expires_after[seconds]";
    const cases: Array<[Record<string, string>, string]> = [
      [{ [anchor]: "last_active_at", [seconds]: "3600" }, "expires_after.anchor"],
      [{ [anchor]: "", [seconds]: "3600" }, "expires_after.anchor"],
      [{ [anchor]: "created_at", [seconds]: "3599" }, "expires_after.seconds"],
      [{ [anchor]: "created_at", [seconds]: "2592001" }, "expires_after.seconds"],
      [{ [anchor]: "created_at", [seconds]: "-3600" }, "expires_after.seconds"],
      [{ [anchor]: "created_at", [seconds]: "3600.5" }, "expires_after.seconds"],
      [{ [anchor]: "created_at", [seconds]: "an hour" }, "expires_after.seconds"],
      [{ [anchor]: "created_at", [seconds]: "" }, "expires_after.seconds"],
      [{ [anchor]: "created_at" }, "expires_after.seconds"],
      [{ [seconds]: "3600" }, "expires_after.anchor"],
      [{ expires_after: '{"anchor":"created_at","seconds":3600}' }, "expires_after"],
      [{ [anchor]: "created_at", [seconds]: "3600", "expires_after[days]": "1" }, "expires_after"],
    ];
    for (const [fields, param] of cases) {
      const form = new FormData();
      form.append("purpose", "user_data");
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append("file", new Blob(["never stored"]), "bad.txt");
      const response = await fetch(`${platform.server.url}/v1/files`, {
        method: "POST",
        headers: { authorization: `Bearer ${platform.apiKey}` },
        body: form,
      });
      expect({ fields, status: response.status }).toEqual({ fields, status: 400 });
      const body = (await response.json()) as { error: { param: string; type: string } };
      expect({ fields, param: body.error.param }).toEqual({ fields, param });
      expect(body.error.type).toBe("invalid_request_error");
    }
    // Through the official client too: its typed call reaches the same check.
    const refused = platform.client().files.create({
      file: await toFile(Buffer.from("never stored"), "bad.txt"),
      purpose: "user_data",
      expires_after: { anchor: "created_at", seconds: 60 },
    });
    await expect(refused).rejects.toMatchObject({ status: 400, param: "expires_after.seconds" });
    expect(await count()).toBe(before);
  });
});
