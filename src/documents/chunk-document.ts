// A document's blocks cut into passages for search, following its structure: consecutive blocks of
// one page and one heading form a section, and no chunk spans two sections. Within a section, whole
// paragraphs are packed up to the target size; a paragraph too long is cut at sentences, a sentence
// too long at words (a word too long at the size itself). Each chunk after the first of its section
// starts with the end of the one before it (the overlap), cut at a word boundary.
import {
  defaultChunkingOptions,
  type ChunkingOptions,
  type DocumentChunk,
  type ExtractedBlock,
  type ExtractedDocument,
} from "./document-types.ts";

interface Section {
  page: number | null;
  heading: string | null;
  paragraphs: string[];
}

const sentences = new Intl.Segmenter("en", { granularity: "sentence" });

function sectionsOf(blocks: readonly ExtractedBlock[]): Section[] {
  const sections: Section[] = [];
  for (const block of blocks) {
    const paragraphs = block.text
      .split(/\n[ \t]*\n/)
      .map((paragraph) => paragraph.trim())
      .filter((paragraph) => paragraph !== "");
    if (paragraphs.length === 0) continue;
    const last = sections.at(-1);
    if (last !== undefined && last.page === block.page && last.heading === block.heading)
      last.paragraphs.push(...paragraphs);
    else sections.push({ page: block.page, heading: block.heading, paragraphs });
  }
  return sections;
}

/** `text` cut into pieces of at most `size` characters at whitespace (a longer word is cut where it must be). */
function words(text: string, size: number): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (rest.length > size) {
    const cut = rest.slice(0, size + 1).search(/\s\S*$/);
    const at = cut > 0 ? cut : size;
    pieces.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest !== "") pieces.push(rest);
  return pieces;
}

/** A paragraph as units no longer than `size`: itself, else its sentences, else its sentences' words. */
function units(paragraph: string, size: number): string[] {
  if (paragraph.length <= size) return [paragraph];
  const found: string[] = [];
  for (const { segment } of sentences.segment(paragraph)) {
    const sentence = segment.trim();
    if (sentence === "") continue;
    if (sentence.length <= size) found.push(sentence);
    else found.push(...words(sentence, size));
  }
  return found;
}

/** The last at most `size` characters of `text`, starting at a word. */
function tail(text: string, size: number): string {
  if (size <= 0) return "";
  if (text.length <= size) return text;
  const start = text.length - size;
  const space = text.slice(start).search(/\s/);
  return space < 0 ? "" : text.slice(start + space).trim();
}

function sectionChunks(section: Section, options: ChunkingOptions): string[] {
  const size = Math.max(1, options.maxCharacters);
  const overlap = Math.min(Math.max(0, options.overlapCharacters), Math.floor(size / 2));
  const chunks: string[] = [];
  let current = "";
  let fresh = false; // whether `current` holds more than the overlap carried from the chunk before
  const flush = () => {
    if (fresh) chunks.push(current);
    current = tail(current, overlap);
    fresh = false;
  };
  for (const paragraph of section.paragraphs) {
    let separator = "\n\n";
    // Room is kept for the overlap, so that units of a long paragraph never push a chunk past the size.
    for (const unit of units(paragraph, Math.max(1, size - overlap - 1))) {
      const joined = current === "" ? unit : `${current}${separator}${unit}`;
      if (joined.length <= size) current = joined;
      else {
        flush();
        const withOverlap = `${current} ${unit}`;
        current = current !== "" && withOverlap.length <= size ? withOverlap : unit;
      }
      fresh = true;
      separator = " ";
    }
  }
  flush();
  return chunks;
}

export function chunkDocument(
  document: ExtractedDocument,
  options: ChunkingOptions = defaultChunkingOptions,
): DocumentChunk[] {
  const chunks: DocumentChunk[] = [];
  for (const section of sectionsOf(document.blocks))
    for (const text of sectionChunks(section, options))
      chunks.push({ index: chunks.length, text, page: section.page, section: section.heading });
  return chunks;
}
