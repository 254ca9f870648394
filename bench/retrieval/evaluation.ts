// The retrieval evaluation of `npm run bench -- retrieval`: the documents in bench/retrieval/documents/
// go through the product's own extraction and chunking, each question of questions.jsonl is searched in
// each mode, and a question counts as a hit when one of the first five passages holds its answer (a
// verbatim phrase of the document that answers it).
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { chunkDocument } from "../../src/documents/chunk-document.ts";
import type { SearchMode } from "../../src/documents/document-types.ts";
import { extractDocument } from "../../src/documents/extract/extract-document.ts";
import {
  PassageIndex,
  type IndexedPassage,
  type PassageReference,
} from "../../src/documents/search/passage-index.ts";

export interface Question {
  id: string;
  document: string;
  question: string;
  answer: string;
}

/** Vectors for texts from one embedding model; `null` where the setup has none (keyword only). */
export interface Embedder {
  model: string;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

const folder = path.resolve(import.meta.dirname);
export const hitDepth = 5;

export async function loadQuestions(): Promise<Question[]> {
  const text = await readFile(path.join(folder, "questions.jsonl"), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Question);
}

/** Every document of the set, extracted and chunked as the library does it, with the passages' vectors. */
export async function loadPassages(embedder: Embedder | null): Promise<IndexedPassage[]> {
  const names = (await readdir(path.join(folder, "documents"))).filter((name) => name.endsWith(".md")).sort();
  const passages: IndexedPassage[] = [];
  for (const name of names) {
    const content = await readFile(path.join(folder, "documents", name));
    const chunks = chunkDocument(await extractDocument({ filename: name, content }));
    const vectors = embedder ? await embedder.embed(chunks.map((chunk) => chunk.text)) : [];
    chunks.forEach((chunk, index) =>
      passages.push({
        documentId: name.replace(/\.md$/, ""),
        chunk,
        vector: vectors[index] ?? new Float32Array(0),
      }),
    );
  }
  return passages;
}

export interface HitRates {
  questions: number;
  /** Questions whose answer lies whole inside one passage (the others cannot be hit by any search). */
  answerable: number;
  hybrid: number;
  keyword: number;
  vector: number | null;
}

function isHit(question: Question, passage: PassageReference): boolean {
  return passage.documentId === question.document && passage.chunk.text.includes(question.answer);
}

export async function hitRates(embedder: Embedder | null): Promise<HitRates & { passages: number }> {
  const questions = await loadQuestions();
  const passages = await loadPassages(embedder);
  const index = new PassageIndex(passages);
  const queryVectors = embedder ? await embedder.embed(questions.map((question) => question.question)) : [];
  const rate = (mode: SearchMode): number => {
    let hits = 0;
    questions.forEach((question, position) => {
      const matches = index.search({
        text: question.question,
        vector: queryVectors[position] ?? null,
        limit: hitDepth,
        mode,
      });
      if (matches.some((match) => isHit(question, match.passage))) hits++;
    });
    return hits / questions.length;
  };
  return {
    passages: passages.length,
    questions: questions.length,
    answerable: questions.filter((question) => passages.some((passage) => isHit(question, passage))).length,
    hybrid: rate("hybrid"),
    keyword: rate("keyword"),
    vector: embedder ? rate("vector") : null,
  };
}
