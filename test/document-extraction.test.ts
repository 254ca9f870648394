// Document extraction (issue 20): every format's text with its pages and sections, the format taken
// from the bytes rather than the client's word, the limits, and each refusal in the API's error shape
// without a word of the document in it.
import { describe, expect, it } from "vitest";
import { CustodianError } from "../src/core/errors.ts";
import { defaultExtractionLimits } from "../src/documents/document-types.ts";
import { extractDocument, type DocumentInput } from "../src/documents/extract/extract-document.ts";
import {
  docxFixture,
  encryptedOfficeFixture,
  pdfFixture,
  pptxFixture,
  prose,
  truncated,
  xlsxFixture,
  zipFixture,
} from "./helpers/document-fixtures.ts";

const extract = (filename: string, content: Buffer | string, mediaType?: string) =>
  extractDocument({
    filename,
    content: Buffer.from(content),
    ...(mediaType === undefined ? {} : { mediaType }),
  });

/** The refusal `input` meets, checked to be a CustodianError that quotes none of `secret`. */
async function refusal(input: DocumentInput, secret: string, limits = defaultExtractionLimits) {
  // Positive control: the secret is in the file's bytes as they are, so a message quoting any part of
  // the file could quote it.
  expect(input.content.includes(secret)).toBe(true);
  const error = await extractDocument(input, limits).then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(CustodianError);
  const refused = error as CustodianError;
  expect(`${refused.message} ${JSON.stringify(refused)}`).not.toContain(secret);
  expect(refused.param).toBe("file");
  return { status: refused.status, type: refused.type, code: refused.code };
}

const invalid = (code: string, status = 400) => ({ status, type: "invalid_request_error", code });

describe("formats", () => {
  it("reads a PDF page by page, paragraphs kept", async () => {
    const pdf = pdfFixture([
      ["Quarterly figures (draft).", "", "The pelican budget rose."],
      ["Page two mentions the heron."],
      [],
      ["Page four closes."],
    ]);
    const document = await extract("report.pdf", pdf);
    expect(document).toEqual({
      format: "pdf",
      pages: 4,
      blocks: [
        { text: "Quarterly figures (draft).\n\nThe pelican budget rose.", page: 1, heading: null },
        { text: "Page two mentions the heron.", page: 2, heading: null },
        { text: "Page four closes.", page: 4, heading: null },
      ],
    });
  });

  it("reads a DOCX's headings as sections", async () => {
    const docx = docxFixture([
      "Preface before any heading.",
      { heading: 1, text: "Scope" },
      "The scope is wide.",
      "It has two paragraphs.",
      { heading: 2, text: "Limits & caveats" },
      "Caveats apply.",
    ]);
    const document = await extract("plan.docx", docx);
    expect(document).toEqual({
      format: "docx",
      pages: null,
      blocks: [
        { text: "Preface before any heading.", page: null, heading: null },
        { text: "The scope is wide.\n\nIt has two paragraphs.", page: null, heading: "Scope" },
        { text: "Caveats apply.", page: null, heading: "Limits & caveats" },
      ],
    });
  });

  it("reads a PPTX's slides in the deck's order, each under its title", async () => {
    const pptx = pptxFixture([
      { title: "Opening", body: ["Welcome everyone", "Agenda follows"] },
      { title: "Results", body: ["Sales doubled"] },
      { title: "Close", body: [] },
    ]);
    const document = await extract("deck.pptx", pptx);
    expect(document).toEqual({
      format: "pptx",
      pages: 3,
      blocks: [
        { text: "Welcome everyone\n\nAgenda follows", page: 1, heading: "Opening" },
        { text: "Sales doubled", page: 2, heading: "Results" },
        { text: "Close", page: 3, heading: "Close" },
      ],
    });
  });

  it("reads an XLSX's sheets by name, one line a row, shared strings looked up", async () => {
    const xlsx = xlsxFixture([
      {
        name: "Budget 2026",
        rows: [
          ["Item", "Cost"],
          ["Rent", 1200],
          ["Approved", true],
        ],
      },
      { name: "Notes", rows: [["Kept <as> typed & shared"]] },
    ]);
    const document = await extract("budget.xlsx", xlsx);
    expect(document).toEqual({
      format: "xlsx",
      pages: 2,
      blocks: [
        { text: "Item\tCost\nRent\t1200\nApproved\tTRUE", page: 1, heading: "Budget 2026" },
        { text: "Kept <as> typed & shared", page: 2, heading: "Notes" },
      ],
    });
  });

  it("reads CSV rows, quoted fields included", async () => {
    const csv = 'name,note\n"Smith, Jo","said ""yes""\nthen left"\nDoe,,\n';
    const document = await extract("people.csv", csv);
    expect(document.format).toBe("csv");
    expect(document.blocks).toEqual([
      { text: 'name\tnote\nSmith, Jo\tsaid "yes" then left\nDoe', page: null, heading: null },
    ]);
  });

  it("reads HTML by its headings, dropping scripts and styles", async () => {
    const html =
      "<!doctype html><html><head><title>T</title><style>.x{color:red}</style></head><body>" +
      "<p>Lead in.</p><h1>First <em>part</em></h1><p>Alpha   text</p><script>steal()</script>" +
      "<h2>Second</h2><ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table></body></html>";
    const document = await extract("page.html", html);
    expect(document).toEqual({
      format: "html",
      pages: null,
      blocks: [
        { text: "Lead in.", page: null, heading: null },
        { text: "Alpha text", page: null, heading: "First part" },
        { text: "one\n\ntwo\n\na b", page: null, heading: "Second" },
      ],
    });
    expect(JSON.stringify(document)).not.toMatch(/steal|color/);
  });

  it("reads Markdown by its # headings, not those inside code fences", async () => {
    const markdown =
      "Intro.\n\n# Setup\n\nInstall it.\n\n```sh\n# a comment\n```\n\nUsage\n=====\n\nRun it.\n";
    const document = await extract("README.md", markdown);
    expect(document).toEqual({
      format: "markdown",
      pages: null,
      blocks: [
        { text: "Intro.", page: null, heading: null },
        { text: "Install it.\n\n```sh\n# a comment\n```", page: null, heading: "Setup" },
        { text: "Run it.", page: null, heading: "Usage" },
      ],
    });
  });

  it("reads plain text and source code, in UTF-8, UTF-16 or Windows-1252", async () => {
    const code = "export function add(a: number, b: number) {\n  return a + b;\n}\n";
    expect((await extract("add.ts", code)).blocks).toEqual([
      { text: code.trim(), page: null, heading: null },
    ]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Grüße aus Köln", "utf16le")]);
    expect((await extract("greeting.txt", utf16)).blocks[0]!.text).toBe("Grüße aus Köln");
    const latin = Buffer.from("Caf\xe9 cr\xe8me", "latin1");
    expect((await extract("menu.txt", latin)).blocks[0]!.text).toBe("Café crème");
  });

  it("decides the format from the bytes, the name second, the media type last", async () => {
    const pdf = pdfFixture([["Bytes win."]]);
    expect((await extract("misnamed.txt", pdf, "text/plain")).format).toBe("pdf");
    expect((await extract("export", "<html><body><h1>H</h1><p>x</p></body></html>")).format).toBe("html");
    expect((await extract("notes", "# Title\n\nBody", "text/markdown")).format).toBe("markdown");
    expect((await extract("notes", "# Title\n\nBody")).format).toBe("text");
    expect((await extract("table.tsv", "a\tb\n1\t2")).blocks[0]!.text).toBe("a\tb\n1\t2");
  });
});

describe("limits", () => {
  it("reads no more pages, slides or sheets than allowed, and says the document was cut", async () => {
    const pdf = pdfFixture([["one"], ["two"], ["three"], ["four"]]);
    const document = await extractDocument(
      { filename: "long.pdf", content: pdf },
      { ...defaultExtractionLimits, maxPages: 2 },
    );
    expect(document).toEqual({
      format: "pdf",
      pages: 4,
      truncated: true,
      blocks: [
        { text: "one", page: 1, heading: null },
        { text: "two", page: 2, heading: null },
      ],
    });
    const pptx = pptxFixture([1, 2, 3].map((slide) => ({ title: `Slide ${slide}`, body: ["text"] })));
    const deck = await extractDocument(
      { filename: "d.pptx", content: pptx },
      { ...defaultExtractionLimits, maxPages: 1 },
    );
    expect(deck.blocks.map((block) => block.heading)).toEqual(["Slide 1"]);
    expect(deck.truncated).toBe(true);
  });

  it("keeps no more characters than allowed", async () => {
    const text = `${prose("first", 300)}\n\n${prose("second", 300)}`;
    const limits = { ...defaultExtractionLimits, maxCharacters: 100 };
    const document = await extractDocument({ filename: "long.txt", content: Buffer.from(text) }, limits);
    expect(document.blocks.map((block) => block.text).join("")).toBe(text.slice(0, 100));
    expect(document.truncated).toBe(true);
    const whole = await extract("long.txt", text);
    expect(whole.truncated).toBeUndefined();
  });

  it("refuses a file over the size limit with 413 before reading it", async () => {
    const content = Buffer.from(`secret-${"x".repeat(2000)}`);
    const limits = { ...defaultExtractionLimits, maxBytes: 1000 };
    expect(await refusal({ filename: "big.txt", content }, "secret", limits)).toEqual(
      invalid("file_too_large", 413),
    );
    const fits = await extractDocument({ filename: "big.txt", content }, { ...limits, maxBytes: 4000 });
    expect(fits.blocks).toHaveLength(1);
  });
});

describe("refusals", () => {
  it("an encrypted PDF", async () => {
    const pdf = pdfFixture([["The confidential walrus memo."]], { encrypted: true });
    expect(await refusal({ filename: "locked.pdf", content: pdf }, "walrus")).toEqual(
      invalid("encrypted_file"),
    );
    // The same file without its /Encrypt dictionary reads: the refusal is the encryption's.
    expect(
      (await extract("open.pdf", pdfFixture([["The confidential walrus memo."]]))).blocks[0]!.text,
    ).toContain("walrus");
  });

  it("an encrypted Office document (a compound file holding EncryptionInfo), whatever its name", async () => {
    const content = Buffer.concat([encryptedOfficeFixture(), Buffer.from("walrus")]);
    for (const filename of ["locked.docx", "locked.xlsx", "locked.bin"])
      expect(await refusal({ filename, content }, "walrus")).toEqual(invalid("encrypted_file"));
  });

  it("damaged files: truncated, garbage behind a PDF header, a name the bytes belie", async () => {
    const pdf = pdfFixture([["The damaged walrus page."]]);
    // Cut just after the page's text: the cross-reference table and trailer are gone.
    const cutPdf = pdf.subarray(0, pdf.indexOf("walrus") + 30);
    expect(await refusal({ filename: "cut.pdf", content: cutPdf }, "walrus")).toEqual(
      invalid("corrupt_file"),
    );
    const garbage = Buffer.concat([Buffer.from("%PDF-1.7\nwalrus "), Buffer.alloc(300, 0xa7)]);
    expect(await refusal({ filename: "x.pdf", content: garbage }, "walrus")).toEqual(invalid("corrupt_file"));
    const docx = docxFixture([`The damaged walrus paragraph. ${"padding ".repeat(200)}`]);
    const cut = Buffer.concat([truncated(docx), Buffer.from("walrus")]);
    expect(await refusal({ filename: "cut.docx", content: cut }, "walrus")).toEqual(invalid("corrupt_file"));
    expect((await extract("whole.docx", docx)).blocks[0]!.text).toContain("walrus");
    expect(
      await refusal({ filename: "notes.docx", content: Buffer.from("plain walrus text") }, "walrus"),
    ).toEqual(invalid("corrupt_file"));
    const broken = zipFixture({
      "[Content_Types].xml": "<Types/>",
      "word/document.xml": "<w:document><walrus",
    });
    expect(
      await refusal(
        { filename: "broken.docx", content: Buffer.concat([broken, Buffer.from("walrus")]) },
        "walrus",
      ),
    ).toEqual(invalid("corrupt_file"));
  });

  it("formats not read here: images, archives, legacy Office, binary data", async () => {
    const png = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.from("walrus")]);
    expect(await refusal({ filename: "photo.png", content: png }, "walrus")).toEqual(
      invalid("unsupported_file"),
    );
    const zip = zipFixture({ "walrus.txt": "walrus" });
    expect(await refusal({ filename: "files.zip", content: zip }, "walrus")).toEqual(
      invalid("unsupported_file"),
    );
    const legacy = Buffer.concat([
      Buffer.from("d0cf11e0a1b11ae1", "hex"),
      Buffer.alloc(600),
      Buffer.from("walrus"),
    ]);
    expect(await refusal({ filename: "old.doc", content: legacy }, "walrus")).toEqual(
      invalid("unsupported_file"),
    );
    const binary = Buffer.concat([Buffer.from("walrus"), Buffer.from([0, 1, 2, 3, 0, 0])]);
    expect(await refusal({ filename: "data.bin", content: binary }, "walrus")).toEqual(
      invalid("unsupported_file"),
    );
  });

  it("a document with no text", async () => {
    const blank = pdfFixture([[], []]);
    expect(
      await refusal(
        { filename: "blank.pdf", content: Buffer.concat([blank, Buffer.from("%walrus")]) },
        "walrus",
      ),
    ).toEqual(invalid("empty_document"));
    for (const [filename, content] of [
      ["empty.txt", ""],
      ["spaces.md", "  \n\n\t"],
      ["tags.html", "<html><body><script>x()</script></body></html>"],
    ])
      await expect(extract(filename!, content!)).rejects.toMatchObject(invalid("empty_document"));
  });
});
