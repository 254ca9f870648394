// The speed and memory part of `npm run bench -- retrieval`: a sealed collection of synthetic passages,
// opened cold as the library opens one (unwrap the organisation key, open the collection key, then
// `openDocuments`: decrypt every document's sealed name and passages and build the index), then searched
// warm (top-10 hybrid), and the memory the opened collection holds.
import { randomBytes } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { open, seal } from "../../src/crypto/aead.ts";
import { LocalKeyWrapper } from "../../src/crypto/local-key-wrapper.ts";
import type { DocumentChunk } from "../../src/documents/document-types.ts";
import { fieldBinding } from "../../src/documents/library/document-rows.ts";
import { sealJson, sealPassages } from "../../src/documents/library/sealed-passages.ts";
import { openDocuments, type SealedDocument } from "../../src/documents/library/search-collections.ts";
import { progressFor } from "../table.ts";
import { syntheticCollection } from "./synthetic-collection.ts";

const progress = progressFor("retrieval");
const chunksPerDocument = 20;
const organization = "org_bench";

export interface CollectionFigures {
  dimensions: number;
  coldMs: number;
  /** The same, in CPU time of this process: what the cold open costs on a machine other work shares. */
  coldCpuMs: number;
  /** The part of the cold time spent unwrapping the keys (the rest is `openDocuments`). */
  keysMs: number;
  warmP50Ms: number;
  warmP99Ms: number;
  searches: number;
  indexBytes: number;
  heapBytes: number;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)]!;
}

function randomVector(dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (let index = 0; index < dimensions; index++) vector[index] = Math.random() * 2 - 1;
  return vector;
}

/** Queries of eight words, each taken from one passage: common words and rare ones, as people type them. */
function searchQueries(chunks: readonly DocumentChunk[]): string[] {
  const queries: string[] = [];
  for (let query = 0; query < 100; query++) {
    const words = chunks[(query * 7919) % chunks.length]!.text.split(" ");
    queries.push(Array.from({ length: 8 }, (_, word) => words[(word * 13 + query) % words.length]).join(" "));
  }
  return queries;
}

/** Twice: the memory of array buffers found dead in the first pass is released by the second. */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
}

/** The JavaScript heap and memory outside it: array buffers and WebAssembly memory are both "external". */
const heapBytes = (): number => {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
};

/** What the documents table holds for the collection: each document's sealed name and passages. */
function sealedDocuments(
  key: Buffer,
  chunks: readonly DocumentChunk[],
  dimensions: number,
): SealedDocument[] {
  const documents: SealedDocument[] = [];
  for (let start = 0; start < chunks.length; start += chunksPerDocument) {
    const place = { id: `doc_${start / chunksPerDocument}`, organization_id: organization };
    const own = chunks.slice(start, start + chunksPerDocument);
    documents.push({
      ...place,
      filename: sealJson(key, fieldBinding("filename", place), `${place.id}.pdf`),
      passages: sealPassages(key, fieldBinding("passages", place), {
        chunks: own,
        vectors: own.map(() => randomVector(dimensions)),
      }),
    });
  }
  return documents;
}

/** One sealed collection of `size` passages with vectors of `dimensions`, cold then warm. */
export async function measureCollection(dimensions: number, size: number): Promise<CollectionFigures> {
  progress(`sealing ${size} passages with ${dimensions}-dimensional vectors`);
  const wrapper = new LocalKeyWrapper(randomBytes(32));
  const organizationKey = randomBytes(32);
  const wrappedOrganizationKey = await wrapper.wrap(organizationKey, { organization, version: 1 });
  const collectionKey = randomBytes(32);
  const collectionBinding = { table: "document_collections", row: "col_bench", organization };
  const wrappedCollectionKey = seal(organizationKey, 1, collectionBinding, collectionKey);
  const chunks = syntheticCollection(size);
  const documents = sealedDocuments(collectionKey, chunks, dimensions);

  const before = heapBytes();
  const coldStart = performance.now();
  const coldCpu = process.cpuUsage();
  const unwrapped = await wrapper.unwrap(wrappedOrganizationKey, { organization, version: 1 });
  const key = open(unwrapped.key, collectionBinding, wrappedCollectionKey);
  const keysMs = performance.now() - coldStart;
  const { index } = openDocuments(key, documents);
  const coldMs = performance.now() - coldStart;
  const coldCpuUsage = process.cpuUsage(coldCpu);
  const coldCpuMs = (coldCpuUsage.user + coldCpuUsage.system) / 1000;
  const held = heapBytes() - before;

  progress(`searching ${dimensions}-dimensional collection`);
  const queries = searchQueries(chunks);
  const vectors = queries.map(() => randomVector(dimensions));
  const search = (position: number) =>
    index.search({
      text: queries[position % queries.length]!,
      vector: vectors[position % queries.length]!,
      limit: 10,
      mode: "hybrid",
    });
  for (let warm = 0; warm < queries.length; warm++) search(warm);
  const times: number[] = [];
  const searches = Math.max(200, queries.length * 4);
  for (let position = 0; position < searches; position++) {
    const start = performance.now();
    search(position);
    times.push(performance.now() - start);
  }
  times.sort((left, right) => left - right);
  return {
    dimensions,
    coldMs,
    coldCpuMs,
    keysMs,
    warmP50Ms: percentile(times, 0.5),
    warmP99Ms: percentile(times, 0.99),
    searches,
    indexBytes: index.bytes,
    heapBytes: held,
  };
}
