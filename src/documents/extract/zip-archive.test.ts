// The bounded zip reader: sizes declared over the limit are refused before anything is unpacked, and
// an entry that unpacks to more than it declares is cut at its declared size.
import { describe, expect, it } from "vitest";
import { zipFixture } from "../../../test/helpers/document-fixtures.ts";
import { ExtractionFailure } from "./extraction-failure.ts";
import { ZipArchive } from "./zip-archive.ts";

/** The zip with its only entry's uncompressed size, in the central directory, rewritten to `size`. */
function lyingAbout(zip: Buffer, size: number): Buffer {
  const lying = Buffer.from(zip);
  const central = lying.indexOf(Buffer.from("504b0102", "hex"));
  lying.writeUInt32LE(size, central + 24);
  return lying;
}

describe("ZipArchive", () => {
  it("lists entries and reads one as text", () => {
    const archive = ZipArchive.open(zipFixture({ "a.xml": "<a>é</a>", "b.bin": "bb" }), 1000);
    expect([...archive.names].sort()).toEqual(["a.xml", "b.bin"]);
    expect(archive.text("a.xml")).toBe("<a>é</a>");
    expect(archive.text("missing.xml")).toBeNull();
  });

  it("refuses an archive whose entries declare more than the limit in all", () => {
    const zip = zipFixture({ "a.xml": "a".repeat(600), "b.xml": "b".repeat(600) });
    expect(() => ZipArchive.open(zip, 1000)).toThrow(new ExtractionFailure("unpacksTooLarge"));
    expect(ZipArchive.open(zip, 1200).names.size).toBe(2);
  });

  it("unpacks an entry no further than its declared size, however much its data holds", () => {
    const zip = zipFixture({ "big.xml": "z".repeat(100_000) });
    // Positive control: told the truth, the reader unpacks all of it.
    expect(ZipArchive.open(zip, 200_000).text("big.xml")).toHaveLength(100_000);
    const archive = ZipArchive.open(lyingAbout(zip, 10), 200_000);
    expect(archive.text("big.xml")).toBe("z".repeat(10));
    // What a library that unpacks by itself is given holds only the bounded entry.
    const rewritten = ZipArchive.open(archive.rewritten(), 200_000);
    expect(rewritten.text("big.xml")).toBe("z".repeat(10));
  });

  it("calls a damaged archive damaged", () => {
    const zip = zipFixture({ "a.xml": "<a/>" });
    expect(() => ZipArchive.open(zip.subarray(0, zip.length - 10), 1000)).toThrow(
      new ExtractionFailure("corrupt"),
    );
  });
});
