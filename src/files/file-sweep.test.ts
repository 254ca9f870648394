// Uploads whose content could not be removed are not forgotten (issue 15.6): the row stays, unstored,
// and the sweep removes content then row, throwing (so its periodic task logs, counts and pages it)
// while the blob store refuses, and finishing once it accepts again.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useTestPlatform } from "../../test/helpers/platform.ts";
import type { BlobContent, BlobStore } from "./blob-store.ts";
import { FileService } from "./file-service.ts";
import { LocalBlobStore } from "./local-blob-store.ts";

/** A real blob store whose writes and removals fail while their fault is set. */
function faultyStore(store: BlobStore) {
  const faults = { write: false, delete: false };
  const wrapped: BlobStore = {
    write: (key: string, content: BlobContent) =>
      faults.write ? Promise.reject(new Error("disk full")) : store.write(key, content),
    read: (key: string) => store.read(key),
    delete: (key: string) => (faults.delete ? Promise.reject(new Error("store down")) : store.delete(key)),
    has: (key: string) => store.has(key),
  };
  return { store: wrapped, faults };
}

describe("unstored uploads", () => {
  const platform = useTestPlatform();

  it("keeps the row of content it could not remove, and the sweep reports until it can", async () => {
    const { db, keyring, audit } = platform.server.platform;
    const { store, faults } = faultyStore(
      new LocalBlobStore(path.join(platform.dataDir, "sweep-test-blobs")),
    );
    const files = new FileService({ db, keyring, audit, blobs: store });
    const unstored = () => db.selectFrom("files").select("id").where("stored", "=", false).execute();

    faults.write = true;
    faults.delete = true;
    await expect(
      files.upload({
        organizationId: platform.organization,
        purpose: "user_data",
        filename: "a.txt",
        content: Buffer.from("hello"),
        actor: "test",
      }),
    ).rejects.toThrow("disk full");
    // Positive control: the failed upload left its row, so the sweep has something to find.
    expect(await unstored()).toHaveLength(1);
    await expect(files.sweepUnstored(0)).rejects.toThrow("store down");
    expect(await unstored()).toHaveLength(1);

    faults.delete = false;
    expect(await files.sweepUnstored(0)).toBe(1);
    expect(await unstored()).toHaveLength(0);

    // With a working store, a failed upload removes its row at once.
    await expect(
      files.upload({
        organizationId: platform.organization,
        purpose: "user_data",
        filename: "b.txt",
        content: Buffer.from("hello"),
        actor: "test",
      }),
    ).rejects.toThrow("disk full");
    expect(await unstored()).toHaveLength(0);
  });
});
