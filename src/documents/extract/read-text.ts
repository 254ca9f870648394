// Text formats: the bytes decoded (UTF-8, UTF-16 with its byte-order mark, or Windows-1252 where the
// bytes are not UTF-8), then Markdown's # headings and CSV's rows. Binary data is refused.
import type { ExtractedBlock } from "../document-types.ts";
import { fail } from "./extraction-failure.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The text of a file that should be text; `unsupported` where it is binary. */
export function decodeText(content: Buffer): string {
  let text: string;
  if (content[0] === 0xff && content[1] === 0xfe) text = new TextDecoder("utf-16le").decode(content);
  else if (content[0] === 0xfe && content[1] === 0xff) text = new TextDecoder("utf-16be").decode(content);
  else if (content.includes(0)) return fail("unsupported");
  else {
    try {
      text = utf8.decode(content);
    } catch {
      text = new TextDecoder("windows-1252").decode(content);
    }
  }
  // Control characters other than tabs, line and page breaks mark binary data.
  let controls = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 32 ? code < 9 || code > 13 : code === 127) controls += 1;
  }
  if (controls > text.length / 100) fail("unsupported");
  return text.replace(/\r\n?/g, "\n");
}

const atxHeading = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const fence = /^ {0,3}(```|~~~)/;

/** Markdown cut at its headings (# to ######, and underlined ones), code fences respected. */
export function markdownBlocks(text: string): ExtractedBlock[] {
  const blocks: ExtractedBlock[] = [];
  let heading: string | null = null;
  let body: string[] = [];
  let fenced: string | null = null;
  const endSection = () => {
    const content = body.join("\n").trim();
    if (content !== "") blocks.push({ text: content, page: null, heading });
    body = [];
  };
  for (const line of text.split("\n")) {
    const opening = fence.exec(line)?.[1];
    if (opening !== undefined && (fenced === null || fenced === opening))
      fenced = fenced === null ? opening : null;
    const atx = fenced === null ? atxHeading.exec(line) : null;
    const previous = body.at(-1) ?? "";
    const underline = fenced === null && /^ {0,3}(=+|-+)[ \t]*$/.test(line) && previous.trim() !== "";
    const singleLine = body.length < 2 || (body.at(-2) ?? "").trim() === "";
    if (atx) {
      endSection();
      heading = atx[2]!.trim() || heading;
    } else if (underline && singleLine) {
      body.pop();
      endSection();
      heading = previous.trim();
    } else body.push(line);
  }
  endSection();
  return blocks;
}

/** CSV (or TSV) rows, quoted fields and doubled quotes understood, as lines of tab-separated cells. */
export function csvText(text: string, tabSeparated: boolean): string {
  const firstLine = text.slice(0, text.indexOf("\n") >>> 0);
  const separator = tabSeparated
    ? "\t"
    : (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0)
      ? ";"
      : ",";
  const lines: string[] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const endRow = () => {
    row.push(field.replace(/\s+/g, " ").trim());
    field = "";
    const line = row.filter((cell) => cell !== "").join("\t");
    if (line !== "") lines.push(line);
    row = [];
  };
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index]!;
    if (quoted) {
      if (character !== '"') field += character;
      else if (text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else quoted = false;
    } else if (character === '"') quoted = true;
    else if (character === separator) {
      row.push(field.replace(/\s+/g, " ").trim());
      field = "";
    } else if (character === "\n") endRow();
    else field += character;
  }
  endRow();
  return lines.join("\n");
}
