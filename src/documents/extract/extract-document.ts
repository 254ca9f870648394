// Text and its positions out of an uploaded document: PDF, DOCX, PPTX, XLSX, CSV, HTML, Markdown,
// plain text and source code. The format is decided from the bytes (and the name); the parsing runs
// on a worker thread under a memory cap and a deadline (extraction-pool.ts). Every refusal is a
// CustodianError from extraction-errors.ts, which never quotes the document.
import { CustodianError } from "../../core/errors.ts";
import { defaultExtractionLimits, type ExtractedDocument, type ExtractionLimits } from "../document-types.ts";
import { ExtractionFailure } from "./extraction-failure.ts";
import { extractionErrors } from "./extraction-errors.ts";
import { ExtractionBusy, ExtractionPool, type WorkerLimits } from "./extraction-pool.ts";

export interface DocumentInput {
  filename: string;
  content: Buffer;
  mediaType?: string;
}

/** Safety limits beside the document limits: the worker's deadline and memory, and a zip's unpacked size. */
export interface HostileFileLimits extends WorkerLimits {
  /** The most bytes a DOCX, PPTX or XLSX may unpack to (a zip bomb is refused). */
  maxUnpackedBytes: number;
}

export const defaultHostileFileLimits: HostileFileLimits = {
  deadlineMs: 60_000,
  maxMemoryMb: 512,
  maxUnpackedBytes: 256 * 1024 * 1024,
};

let pool: ExtractionPool | null = null;

/** The process's extraction workers (created on first use). */
export function extractionPool(): ExtractionPool {
  pool ??= new ExtractionPool();
  return pool;
}

function refusal(kind: ExtractionFailure["kind"], input: DocumentInput, limits: HostileFileLimits) {
  switch (kind) {
    case "unsupported":
      return extractionErrors.unsupported(input.filename);
    case "encrypted":
      return extractionErrors.encrypted(input.filename);
    case "empty":
      return extractionErrors.empty(input.filename);
    case "unpacksTooLarge":
      return extractionErrors.unpacksTooLarge(input.filename, limits.maxUnpackedBytes);
    case "tooComplex":
      return extractionErrors.tooComplex(input.filename);
    default:
      return extractionErrors.corrupt(input.filename);
  }
}

export async function extractDocument(
  input: DocumentInput,
  limits: ExtractionLimits & Partial<HostileFileLimits> = defaultExtractionLimits,
): Promise<ExtractedDocument> {
  if (input.content.length > limits.maxBytes) throw extractionErrors.tooLarge(limits.maxBytes);
  if (input.content.length === 0) throw extractionErrors.empty(input.filename);
  const hostile: HostileFileLimits = {
    deadlineMs: limits.deadlineMs ?? defaultHostileFileLimits.deadlineMs,
    maxMemoryMb: limits.maxMemoryMb ?? defaultHostileFileLimits.maxMemoryMb,
    maxUnpackedBytes: limits.maxUnpackedBytes ?? defaultHostileFileLimits.maxUnpackedBytes,
  };
  const { filename, content, mediaType } = input;
  const job = {
    request: mediaType === undefined ? { filename, content } : { filename, content, mediaType },
    limits: {
      maxPages: limits.maxPages,
      maxCharacters: limits.maxCharacters,
      maxUnpackedBytes: hostile.maxUnpackedBytes,
    },
  };
  try {
    return await extractionPool().run(job, hostile);
  } catch (error) {
    if (error instanceof ExtractionFailure) throw refusal(error.kind, input, hostile);
    if (error instanceof ExtractionBusy) throw extractionErrors.busy();
    if (error instanceof CustodianError) throw error;
    throw extractionErrors.corrupt(input.filename);
  }
}
