// The extraction itself, as the worker runs it: the format detected, the reader run, and the limits
// applied (pages beyond the limit are not read; text beyond the character limit is not kept, and the
// document says so). Any exception a library throws is a damaged file.
import type { ExtractedBlock, ExtractedDocument } from "../document-types.ts";
import { detectFormat, extensionOf, officeFormat } from "./detect-format.ts";
import { ExtractionFailure, fail } from "./extraction-failure.ts";
import { htmlBlocks } from "./html-blocks.ts";
import type { ReadLimits } from "./read-limits.ts";
import { csvText, decodeText, markdownBlocks } from "./read-text.ts";
import { ZipArchive } from "./zip-archive.ts";

export interface ReadRequest {
  filename: string;
  content: Buffer;
  mediaType?: string;
}

async function read(request: ReadRequest, limits: ReadLimits): Promise<ExtractedDocument> {
  const { content, filename } = request;
  const format = detectFormat(content, filename, request.mediaType);
  // Each format's libraries are loaded when a document needs them: a worker that reads only text
  // starts quickly and stays small.
  if (format === "pdf") return (await import("./read-pdf.ts")).readPdf(content, limits);
  if (format === "zip") {
    const archive = ZipArchive.open(content, limits.maxUnpackedBytes);
    const office = officeFormat(archive.names);
    if (office === "docx") return (await import("./read-docx.ts")).readDocx(archive);
    if (office === "pptx") return (await import("./read-pptx.ts")).readPptx(archive, limits);
    return (await import("./read-xlsx.ts")).readXlsx(archive, limits);
  }
  const text = decodeText(content);
  const single = (text: string): ExtractedBlock[] => [{ text, page: null, heading: null }];
  if (format === "html") return { format, pages: null, blocks: htmlBlocks(text) };
  if (format === "markdown") return { format, pages: null, blocks: markdownBlocks(text) };
  if (format === "csv")
    return { format, pages: null, blocks: single(csvText(text, extensionOf(filename) === "tsv")) };
  return { format: "text", pages: null, blocks: single(text) };
}

/** Blocks cut to `maxCharacters` in all; blank ones dropped. */
function withinLimit(document: ExtractedDocument, maxCharacters: number): ExtractedDocument {
  const blocks: ExtractedBlock[] = [];
  let left = maxCharacters;
  let truncated = false;
  for (const block of document.blocks) {
    const text = block.text.trim();
    if (text === "") continue;
    if (left <= 0 || text.length > left) truncated = true;
    if (left <= 0) break;
    blocks.push({ ...block, text: text.slice(0, left) });
    left -= text.length;
  }
  return truncated ? { ...document, blocks, truncated } : { ...document, blocks };
}

export async function readDocument(request: ReadRequest, limits: ReadLimits): Promise<ExtractedDocument> {
  let document: ExtractedDocument;
  try {
    document = await read(request, limits);
  } catch (error) {
    throw error instanceof ExtractionFailure ? error : new ExtractionFailure("corrupt");
  }
  const kept = withinLimit(document, limits.maxCharacters);
  if (kept.blocks.length === 0) fail("empty");
  const pages = document.pages ?? 0;
  return pages > limits.maxPages ? { ...kept, truncated: true } : kept;
}
