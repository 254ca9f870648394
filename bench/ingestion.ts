// The ingestion benchmark (issue 20): text PDFs through extraction (on its worker thread) and chunking,
// in pages per second; target at least 20. The first document, which starts the worker and loads
// PDF.js, is timed apart. Embedding is timed apart too, after the pages/s run: one document's passages
// through the demo model (or BENCH_RETRIEVAL_EMBEDDING_MODEL), as a collection with a model embeds them.
import { chunkDocument } from "../src/documents/chunk-document.ts";
import { defaultExtractionLimits } from "../src/documents/document-types.ts";
import { extractDocument } from "../src/documents/extract/extract-document.ts";
import { pdfFixture, prose } from "../test/helpers/document-fixtures.ts";
import { durationSeconds, readNumber } from "./settings.ts";
import { localEmbedder } from "./retrieval/local-embedder.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("ingestion");
const target = { pagesPerSecond: 20 };

/** A page of about 40 lines of ordinary prose, in paragraphs, with the page's number in its words. */
function page(number: number): string[] {
  const lines: string[] = [];
  for (let paragraph = 0; paragraph < 5; paragraph += 1) {
    const text = prose(`page-${number}-part-${paragraph}`, 600);
    for (let start = 0; start < text.length; start += 80) lines.push(text.slice(start, start + 80));
    lines.push("");
  }
  return lines;
}

export async function run(): Promise<number> {
  const pagesPerDocument = readNumber(
    "BENCH_INGESTION_PAGES",
    50,
    (value) => value >= 1,
    "a page count of 1 or more",
  );
  const pdf = pdfFixture(Array.from({ length: pagesPerDocument }, (_, index) => page(index + 1)));
  const input = { filename: "bench.pdf", content: pdf, mediaType: "application/pdf" };
  progress(`${pagesPerDocument}-page text PDF of ${pdf.length} bytes`);

  let started = performance.now();
  const first = await extractDocument(input, defaultExtractionLimits);
  const coldMs = performance.now() - started;
  if (first.blocks.length !== pagesPerDocument) throw new Error(`read ${first.blocks.length} pages`);

  const seconds = durationSeconds(10);
  progress(`extracting and chunking for about ${seconds} s`);
  let documents = 0;
  let chunks = 0;
  let characters = 0;
  let chunkingMs = 0;
  started = performance.now();
  while (performance.now() - started < seconds * 1000 || documents < 3) {
    const document = await extractDocument(input, defaultExtractionLimits);
    const chunkingStart = performance.now();
    const documentChunks = chunkDocument(document);
    chunkingMs += performance.now() - chunkingStart;
    documents += 1;
    chunks += documentChunks.length;
    characters += document.blocks.reduce((total, block) => total + block.text.length, 0);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const pages = documents * pagesPerDocument;
  const pagesPerSecond = pages / wallSeconds;

  progress("embedding one document's passages (the demo model is built on first use, about a minute)");
  const passages = chunkDocument(first).map((chunk) => chunk.text);
  const { embedder, close } = await localEmbedder();
  let embeddingMs: number;
  try {
    await embedder.embed(passages.slice(0, 1)); // the model's first call loads it
    const embeddingStart = performance.now();
    await embedder.embed(passages);
    embeddingMs = performance.now() - embeddingStart;
  } finally {
    await close();
  }

  printTable(
    "Text-PDF ingestion (extraction on a worker thread + chunking)",
    ["measure", "value"],
    [
      ["pages per document", String(pagesPerDocument)],
      ["documents read", String(documents)],
      ["pages/s (warm)", pagesPerSecond.toFixed(1)],
      ["first document, worker start included (ms)", coldMs.toFixed(0)],
      ["chunking, ms per page", (chunkingMs / pages).toFixed(3)],
      ["chunks per page", (chunks / pages).toFixed(2)],
      ["characters per page", (characters / pages).toFixed(0)],
      [`embedding with ${embedder.model}, ms per page (apart)`, (embeddingMs / pagesPerDocument).toFixed(1)],
    ],
  );
  const meets = pagesPerSecond >= target.pagesPerSecond;
  console.log(
    JSON.stringify({
      pages_per_document: pagesPerDocument,
      documents,
      pages_per_s: round(pagesPerSecond, 1),
      cold_first_document_ms: round(coldMs, 0),
      cold_pages_per_s: round(pagesPerDocument / (coldMs / 1000), 1),
      chunking_ms_per_page: round(chunkingMs / pages, 3),
      chunks_per_page: round(chunks / pages, 2),
      characters_per_page: round(characters / pages, 0),
      embedding_model: embedder.model,
      embedding_ms_per_page: round(embeddingMs / pagesPerDocument, 1),
      embedding_passages_per_s: round(passages.length / (embeddingMs / 1000), 1),
      target,
      meets_target: meets,
    }),
  );
  return 0;
}
