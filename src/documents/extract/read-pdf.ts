// PDF text with unpdf (PDF.js), one block per page so citations keep their page numbers. Lines come
// from PDF.js's end-of-line marks; a vertical gap well over a line's height ends a paragraph.
import { getDocumentProxy } from "unpdf";
import type { ExtractedBlock, ExtractedDocument } from "../document-types.ts";
import { ExtractionFailure } from "./extraction-failure.ts";
import type { ReadLimits } from "./read-limits.ts";

interface TextItem {
  str: string;
  hasEOL: boolean;
  height: number;
  transform: number[];
}

function pageText(items: readonly TextItem[]): string {
  let text = "";
  let lastY: number | null = null;
  let lineHeight = 0;
  for (const item of items) {
    const y = item.transform[5] ?? 0;
    if (lastY !== null && item.str !== "") {
      const gap = Math.abs(lastY - y);
      if (lineHeight > 0 && gap > lineHeight * 1.5) text = `${text.trimEnd()}\n\n`;
      else if (gap > 0 && !text.endsWith("\n") && !text.endsWith(" ")) text += " ";
    }
    text += item.str;
    if (item.hasEOL) text += "\n";
    if (item.str !== "") {
      lastY = y;
      lineHeight = Math.max(item.height, 1);
    }
  }
  return text.trim();
}

const passwordFailure = (error: unknown) =>
  error instanceof Error && error.name === "PasswordException" ? new ExtractionFailure("encrypted") : error;

export async function readPdf(content: Buffer, limits: ReadLimits): Promise<ExtractedDocument> {
  // PDF.js keeps the array it is given, so it gets its own copy; its warnings are not printed.
  const pdf = await getDocumentProxy(new Uint8Array(content), { verbosity: 0 }).catch((error: unknown) => {
    throw passwordFailure(error);
  });
  try {
    const blocks: ExtractedBlock[] = [];
    const pages = Math.min(pdf.numPages, limits.maxPages);
    let characters = 0;
    for (let page = 1; page <= pages && characters < limits.maxCharacters; page += 1) {
      const content = await (await pdf.getPage(page)).getTextContent();
      const text = pageText(content.items.flatMap((item) => ("str" in item ? [item as TextItem] : [])));
      characters += text.length;
      if (text !== "") blocks.push({ text, page, heading: null });
    }
    return { format: "pdf", pages: pdf.numPages, blocks };
  } finally {
    await pdf.loadingTask.destroy().catch(() => undefined);
  }
}

export const isPdf = (content: Buffer) => content.subarray(0, 1024).includes("%PDF-");
