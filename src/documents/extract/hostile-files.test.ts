// Hostile files cannot hold the server (issue 20): a zip bomb is refused before it is unpacked, a
// document that takes too long has its worker terminated at the deadline, one that needs too much
// memory dies in its worker alone, and no more documents are read at once than the pool allows.
import { describe, expect, it } from "vitest";
import { docxFixture, pdfFixture, zipBombFixture } from "../../../test/helpers/document-fixtures.ts";
import { waitFor } from "../../../test/helpers/wait-for.ts";
import { defaultExtractionLimits } from "../document-types.ts";
import { extractDocument, extractionPool } from "./extract-document.ts";
import { ExtractionBusy, ExtractionPool } from "./extraction-pool.ts";

const limits = defaultExtractionLimits;

describe("hostile files", () => {
  it("refuses a zip bomb with 413 from what its entries declare, before unpacking it", async () => {
    const bomb = zipBombFixture(32 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(512 * 1024);
    const strict = { ...limits, maxUnpackedBytes: 8 * 1024 * 1024 };
    await expect(extractDocument({ filename: "bomb.docx", content: bomb }, strict)).rejects.toMatchObject({
      status: 413,
      code: "file_too_large",
    });
    // Positive control: an ordinary document passes under the same limit.
    const docx = docxFixture(["An ordinary paragraph."]);
    expect((await extractDocument({ filename: "fine.docx", content: docx }, strict)).format).toBe("docx");
  });

  it("terminates the worker of a document past its deadline", async () => {
    const pages = Array.from({ length: 100 }, (_, page) =>
      Array.from({ length: 40 }, (_, line) => `Line ${line} of page ${page + 1}, long enough to read.`),
    );
    const pdf = pdfFixture(pages);
    await expect(
      extractDocument({ filename: "slow.pdf", content: pdf }, { ...limits, deadlineMs: 50 }),
    ).rejects.toMatchObject({ status: 422, code: "document_too_complex" });
    expect(extractionPool().stats()).toMatchObject({ running: 0, queued: 0 });
    // Positive control: with the usual deadline the same file reads whole.
    const document = await extractDocument({ filename: "slow.pdf", content: pdf }, limits);
    expect(document.blocks).toHaveLength(100);
  });

  it("confines a document that needs too much memory to its worker", async () => {
    const html = Buffer.from(`<html><body>${"<div><p>a</p></div>".repeat(300_000)}</body></html>`);
    // No deadline in reach: only the memory cap can stop it.
    const capped = { ...limits, maxMemoryMb: 48, deadlineMs: 600_000 };
    await expect(extractDocument({ filename: "deep.html", content: html }, capped)).rejects.toMatchObject({
      status: 422,
      code: "document_too_complex",
    });
    // Positive control: the cap leaves room for an ordinary document, and the process reads on.
    const small = Buffer.from("<html><body><h1>Fine</h1><p>Small page.</p></body></html>");
    expect((await extractDocument({ filename: "small.html", content: small }, capped)).blocks).toHaveLength(
      1,
    );
    expect((await extractDocument({ filename: "small.html", content: small })).blocks).toHaveLength(1);
  });

  it("reads no more documents at once than its concurrency, queues a bounded number, refuses the rest", async () => {
    const pool = new ExtractionPool(1, 1);
    const job = (text: string) => ({
      request: { filename: "a.txt", content: new Uint8Array(Buffer.from(text)) },
      limits: { maxPages: 10, maxCharacters: 1000, maxUnpackedBytes: 1_000_000 },
    });
    const workerLimits = { deadlineMs: 120_000, maxMemoryMb: 128 };
    const first = pool.run(job("first"), workerLimits);
    const second = pool.run(job("second"), workerLimits);
    expect(pool.stats()).toMatchObject({ running: 1, queued: 1 });
    await expect(pool.run(job("third"), workerLimits)).rejects.toBeInstanceOf(ExtractionBusy);
    expect((await first).blocks[0]!.text).toBe("first");
    // The slot the first leaves goes to the waiting job, not to one that arrives in between.
    const fourth = pool.run(job("fourth"), workerLimits);
    expect(pool.stats()).toMatchObject({ running: 1, queued: 1 });
    expect((await second).blocks[0]!.text).toBe("second");
    expect((await fourth).blocks[0]!.text).toBe("fourth");
    await waitFor(() => pool.stats().running === 0);
    expect(pool.stats()).toMatchObject({ running: 0, queued: 0, idle: 1 });
  });
});
