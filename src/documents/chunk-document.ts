// A document's blocks cut into passages for search. This first version cuts each block by size; the
// extraction work of issue 20 makes it follow headings, pages and sentences.
import {
  defaultChunkingOptions,
  type ChunkingOptions,
  type DocumentChunk,
  type ExtractedDocument,
} from "./document-types.ts";

export function chunkDocument(
  document: ExtractedDocument,
  options: ChunkingOptions = defaultChunkingOptions,
): DocumentChunk[] {
  const chunks: DocumentChunk[] = [];
  const step = Math.max(1, options.maxCharacters - options.overlapCharacters);
  for (const block of document.blocks) {
    for (let start = 0; start < block.text.length; start += step) {
      const text = block.text.slice(start, start + options.maxCharacters).trim();
      if (text !== "") chunks.push({ index: chunks.length, text, page: block.page, section: block.heading });
      if (start + options.maxCharacters >= block.text.length) break;
    }
  }
  return chunks;
}
