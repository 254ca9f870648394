// Never a crash (issue 20): documents of every format with bytes flipped, cut or spliced are either
// read or refused with one of extraction's errors, and the process reads on.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CustodianError } from "../../core/errors.ts";
import {
  docxFixture,
  pdfFixture,
  pptxFixture,
  prose,
  xlsxFixture,
} from "../../../test/helpers/document-fixtures.ts";
import { extractDocument } from "./extract-document.ts";

const originals: [string, Buffer][] = [
  ["a.pdf", pdfFixture([[prose("pdf", 200)], ["second page"]])],
  ["a.docx", docxFixture([{ heading: 1, text: "Title" }, prose("docx", 200)])],
  ["a.pptx", pptxFixture([{ title: "Slide", body: [prose("pptx", 100)] }])],
  [
    "a.xlsx",
    xlsxFixture([
      {
        name: "Sheet",
        rows: [
          ["a", 1],
          ["b", true],
        ],
      },
    ]),
  ],
  ["a.html", Buffer.from(`<html><body><h1>T</h1><p>${prose("html", 200)}</p></body></html>`)],
  ["a.csv", Buffer.from('a,b\n"c ""d""",e\n')],
];
const codes = new Set([
  "unsupported_file",
  "encrypted_file",
  "corrupt_file",
  "empty_document",
  "file_too_large",
]);

describe("damaged files", () => {
  it("are read or refused with an extraction error, never anything else", async () => {
    const damage = fc.record({
      file: fc.integer({ min: 0, max: originals.length - 1 }),
      flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 8 }),
      cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    });
    await fc.assert(
      fc.asyncProperty(damage, async ({ file, flips, cut }) => {
        const [filename, original] = originals[file]!;
        const content = Buffer.from(original);
        for (const { at, value } of flips) content[at % content.length] = value;
        const damaged = cut === null ? content : content.subarray(0, Math.floor(content.length * cut));
        const outcome = await extractDocument({ filename, content: damaged }).then(
          (document) => document,
          (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
        );
        if (outcome instanceof Error) {
          expect(outcome).toBeInstanceOf(CustodianError);
          expect(codes).toContain((outcome as CustodianError).code);
        } else expect(outcome.blocks.length).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });
});
