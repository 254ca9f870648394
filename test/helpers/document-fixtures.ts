// Documents of every format the extractor reads, written in code (no binary file is committed): a small
// PDF writer for multi-page text PDFs (and an encrypted one), DOCX, PPTX and XLSX zips, and the damaged
// and hostile variants the tests refuse.
import { unzipSync, zipSync, type Zippable } from "fflate";

const encoder = new TextEncoder();

/** A PDF string literal: backslashes and parentheses escaped. */
function pdfString(text: string): string {
  return `(${text.replace(/[\\()]/g, (character) => `\\${character}`)})`;
}

/**
 * A text PDF with one page per entry of `pages`, each a list of lines in Helvetica (ASCII text only);
 * a blank line starts a new paragraph. `encrypted` adds a standard security handler's /Encrypt
 * dictionary to the trailer, whose password is not the empty one.
 */
export function pdfFixture(pages: readonly (readonly string[])[], options: { encrypted?: boolean } = {}) {
  const objects: string[] = [];
  const pageIds = pages.map((_, index) => 4 + index * 2);
  objects[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pages.length} >>`;
  objects[3] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
  pages.forEach((lines, index) => {
    const pageId = pageIds[index]!;
    const operations = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"];
    for (const line of lines) operations.push(line === "" ? "T*" : `${pdfString(line)} Tj T*`);
    operations.push("ET");
    const stream = operations.join("\n");
    objects[pageId] =
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] " +
      `/Resources << /Font << /F1 3 0 R >> >> /Contents ${pageId + 1} 0 R >>`;
    objects[pageId + 1] =
      `<< /Length ${Buffer.byteLength(stream, "latin1")} >>\nstream\n${stream}\nendstream`;
  });
  const encryptId = objects.length;
  if (options.encrypted === true)
    objects[encryptId] =
      "<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 " +
      `/O <${"7a".repeat(32)}> /U <${"3c".repeat(32)}> >>`;
  let body = "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n";
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id += 1) {
    offsets[id] = Buffer.byteLength(body, "latin1");
    body += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(body, "latin1");
  body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id += 1)
    body += `${String(offsets[id]).padStart(10, "0")} 00000 n \n`;
  const encrypt =
    options.encrypted === true
      ? ` /Encrypt ${encryptId} 0 R /ID [<${"11".repeat(16)}> <${"11".repeat(16)}>]`
      : "";
  body += `trailer\n<< /Size ${objects.length} /Root 1 0 R${encrypt} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}

/** A zip of the named entries (text is written as UTF-8), deflated as Office writes them. */
export function zipFixture(entries: Record<string, string | Uint8Array>): Buffer {
  const files: Zippable = {};
  for (const [name, content] of Object.entries(entries))
    files[name] = typeof content === "string" ? encoder.encode(content) : content;
  return Buffer.from(zipSync(files, { level: 6 }));
}

const xmlHeader = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const relationshipsNs = "http://schemas.openxmlformats.org/package/2006/relationships";
const officeRelNs = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (character) => `&#${character.charCodeAt(0)};`);
}

function relationships(targets: { id: string; type: string; target: string }[]): string {
  const items = targets.map(
    ({ id, type, target }) => `<Relationship Id="${id}" Type="${officeRelNs}/${type}" Target="${target}"/>`,
  );
  return `${xmlHeader}<Relationships xmlns="${relationshipsNs}">${items.join("")}</Relationships>`;
}

function contentTypes(overrides: Record<string, string>): string {
  const items = Object.entries(overrides).map(
    ([part, type]) => `<Override PartName="${part}" ContentType="application/vnd.openxmlformats-${type}"/>`,
  );
  return (
    `${xmlHeader}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    `<Default Extension="xml" ContentType="application/xml"/>${items.join("")}</Types>`
  );
}

export type DocxParagraph = { heading: 1 | 2 | 3; text: string } | string;

/** A Word document: headings use Word's built-in Heading styles, as mammoth maps them to <h1>..<h3>. */
export function docxFixture(paragraphs: readonly DocxParagraph[]): Buffer {
  const w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
  const body = paragraphs.map((paragraph) => {
    const text = typeof paragraph === "string" ? paragraph : paragraph.text;
    const style =
      typeof paragraph === "string" ? "" : `<w:pPr><w:pStyle w:val="Heading${paragraph.heading}"/></w:pPr>`;
    return `<w:p>${style}<w:r><w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r></w:p>`;
  });
  const styles = [1, 2, 3].map(
    (level) =>
      `<w:style w:type="paragraph" w:styleId="Heading${level}"><w:name w:val="heading ${level}"/></w:style>`,
  );
  return zipFixture({
    "[Content_Types].xml": contentTypes({
      "/word/document.xml": "officedocument.wordprocessingml.document.main+xml",
      "/word/styles.xml": "officedocument.wordprocessingml.styles+xml",
    }),
    "_rels/.rels": relationships([{ id: "rId1", type: "officeDocument", target: "word/document.xml" }]),
    "word/_rels/document.xml.rels": relationships([{ id: "rId1", type: "styles", target: "styles.xml" }]),
    "word/document.xml": `${xmlHeader}<w:document xmlns:w="${w}"><w:body>${body.join("")}</w:body></w:document>`,
    "word/styles.xml": `${xmlHeader}<w:styles xmlns:w="${w}">${styles.join("")}</w:styles>`,
  });
}

/** A presentation; each slide has a title placeholder and a body of paragraphs. Written in reverse file order to show order comes from presentation.xml. */
export function pptxFixture(slides: readonly { title: string; body: readonly string[] }[]): Buffer {
  const p = "http://schemas.openxmlformats.org/presentationml/2006/main";
  const a = "http://schemas.openxmlformats.org/drawingml/2006/main";
  const shape = (placeholder: string, paragraphs: readonly string[]) =>
    `<p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr>${placeholder}</p:nvPr></p:nvSpPr>` +
    `<p:txBody><a:bodyPr/>${paragraphs.map((text) => `<a:p><a:r><a:t>${escapeXml(text)}</a:t></a:r></a:p>`).join("")}</p:txBody></p:sp>`;
  const entries: Record<string, string> = {};
  // Slide files named in the opposite order to the deck's: the order is presentation.xml's.
  const fileOf = (index: number) => `slide${slides.length - index}.xml`;
  slides.forEach((slide, index) => {
    entries[`ppt/slides/${fileOf(index)}`] =
      `${xmlHeader}<p:sld xmlns:p="${p}" xmlns:a="${a}"><p:cSld><p:spTree>` +
      `${shape('<p:ph type="title"/>', [slide.title])}${shape('<p:ph idx="1"/>', slide.body)}` +
      "</p:spTree></p:cSld></p:sld>";
  });
  const ids = slides.map((_, index) => `<p:sldId id="${256 + index}" r:id="rId${index + 1}"/>`);
  return zipFixture({
    "[Content_Types].xml": contentTypes({
      "/ppt/presentation.xml": "officedocument.presentationml.presentation.main+xml",
    }),
    "_rels/.rels": relationships([{ id: "rId1", type: "officeDocument", target: "ppt/presentation.xml" }]),
    "ppt/presentation.xml":
      `${xmlHeader}<p:presentation xmlns:p="${p}" xmlns:r="${officeRelNs}">` +
      `<p:sldIdLst>${ids.join("")}</p:sldIdLst></p:presentation>`,
    "ppt/_rels/presentation.xml.rels": relationships(
      slides.map((_, index) => ({ id: `rId${index + 1}`, type: "slide", target: `slides/${fileOf(index)}` })),
    ),
    ...entries,
  });
}

export type Cell = string | number | boolean;

/** A workbook: strings go to the shared-strings table, numbers and booleans stay in their cells. */
export function xlsxFixture(sheets: readonly { name: string; rows: readonly (readonly Cell[])[] }[]): Buffer {
  const main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  const strings: string[] = [];
  const column = (index: number) => String.fromCharCode(65 + index);
  const cell = (value: Cell, reference: string) => {
    if (typeof value === "number") return `<c r="${reference}"><v>${value}</v></c>`;
    if (typeof value === "boolean") return `<c r="${reference}" t="b"><v>${value ? 1 : 0}</v></c>`;
    strings.push(value);
    return `<c r="${reference}" t="s"><v>${strings.length - 1}</v></c>`;
  };
  const entries: Record<string, string> = {};
  sheets.forEach((sheet, index) => {
    const rows = sheet.rows.map(
      (row, rowIndex) =>
        `<row r="${rowIndex + 1}">${row.map((value, cellIndex) => cell(value, `${column(cellIndex)}${rowIndex + 1}`)).join("")}</row>`,
    );
    entries[`xl/worksheets/sheet${index + 1}.xml`] =
      `${xmlHeader}<worksheet xmlns="${main}"><sheetData>${rows.join("")}</sheetData></worksheet>`;
  });
  const sheetList = sheets.map(
    (sheet, index) =>
      `<sheet name="${escapeXml(sheet.name)}" sheetId="${index + 1}" r:id="rId${index + 1}"/>`,
  );
  return zipFixture({
    "[Content_Types].xml": contentTypes({
      "/xl/workbook.xml": "officedocument.spreadsheetml.sheet.main+xml",
    }),
    "_rels/.rels": relationships([{ id: "rId1", type: "officeDocument", target: "xl/workbook.xml" }]),
    "xl/workbook.xml": `${xmlHeader}<workbook xmlns="${main}" xmlns:r="${officeRelNs}"><sheets>${sheetList.join("")}</sheets></workbook>`,
    "xl/_rels/workbook.xml.rels": relationships(
      sheets.map((_, index) => ({
        id: `rId${index + 1}`,
        type: "worksheet",
        target: `worksheets/sheet${index + 1}.xml`,
      })),
    ),
    "xl/sharedStrings.xml":
      `${xmlHeader}<sst xmlns="${main}" count="${strings.length}">` +
      `${strings.map((text) => `<si><t xml:space="preserve">${escapeXml(text)}</t></si>`).join("")}</sst>`,
    ...entries,
  });
}

/**
 * An OOXML file encrypted by Office: a Compound File Binary container holding an EncryptionInfo
 * stream. Only its header and one directory entry are written: enough to be recognised, as Office's are.
 */
export function encryptedOfficeFixture(): Buffer {
  const file = Buffer.alloc(1536);
  Buffer.from("d0cf11e0a1b11ae1", "hex").copy(file, 0);
  file.writeUInt16LE(0x003e, 24); // minor version
  file.writeUInt16LE(0x0003, 26); // major version 3: 512-byte sectors
  file.writeUInt16LE(0xfffe, 28); // little-endian
  file.writeUInt16LE(9, 30); // sector shift
  // The directory sector (sector 1, at byte 1024): one entry named EncryptionInfo, in UTF-16.
  const name = Buffer.from("EncryptionInfo\0", "utf16le");
  name.copy(file, 1024);
  file.writeUInt16LE(name.length, 1024 + 64);
  return file;
}

/**
 * A DOCX whose document part unpacks to `unpackedBytes` bytes (a zip bomb): spaces, deflated to a few
 * kilobytes, inside an otherwise valid package.
 */
export function zipBombFixture(unpackedBytes: number): Buffer {
  const valid = docxFixture(["A short document."]);
  const bomb = Buffer.concat([
    Buffer.from('<?xml version="1.0"?><w:document>'),
    Buffer.alloc(unpackedBytes, 32),
  ]);
  return zipFixture({ "padding.xml": bomb, ...unzipSync(valid) });
}

/** The first `fraction` of a file: a download or upload cut short. */
export function truncated(file: Buffer, fraction = 0.5): Buffer {
  return file.subarray(0, Math.floor(file.length * fraction));
}

/** A paragraph of ordinary prose with the given marker word in it, about `length` characters long. */
export function prose(marker: string, length = 400): string {
  const sentences = [
    `The ${marker} report covers the quarter in detail.`,
    "Revenue rose while costs held steady across every region.",
    "The committee reviewed each figure before approving the plan.",
    "Further work is scheduled for the coming months.",
  ];
  let text = "";
  for (let index = 0; text.length < length; index += 1) text += `${sentences[index % sentences.length]} `;
  return text.trim();
}
