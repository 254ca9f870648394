// A vector store file's `chunking_strategy`, in OpenAI's shape: `auto` (the library's default) or
// `static` with `max_chunk_size_tokens` (100 to 4096) and `chunk_overlap_tokens` (at most half of it).
// The library chunks by characters; a token is taken as four characters, the usual rule for English
// text, both ways, so a file reports the sizes it was chunked with in the tokens it was asked in.
import { errors } from "../core/errors.ts";
import { defaultChunkingOptions, type ChunkingOptions } from "../documents/document-types.ts";

const charactersPerToken = 4;
const maxChunkTokens = { min: 100, max: 4096 };

/** The chunking asked for at `param`; undefined for none or `auto` (the default). A 400 names the part. */
export function parseChunkingStrategy(given: unknown, param: string): ChunkingOptions | undefined {
  if (given === undefined || given === null) return undefined;
  const strategy =
    typeof given === "object" && !Array.isArray(given) ? (given as Record<string, unknown>) : null;
  if (strategy?.type === "auto") return undefined;
  if (strategy?.type !== "static")
    throw errors.invalidRequest("'chunking_strategy.type' is 'auto' or 'static'.", `${param}.type`);
  const sizes = strategy.static;
  const fields = typeof sizes === "object" && sizes !== null ? (sizes as Record<string, unknown>) : {};
  const size = fields.max_chunk_size_tokens;
  const overlap = fields.chunk_overlap_tokens;
  if (
    !Number.isInteger(size) ||
    (size as number) < maxChunkTokens.min ||
    (size as number) > maxChunkTokens.max
  )
    throw errors.invalidRequest(
      `'max_chunk_size_tokens' is a whole number from ${maxChunkTokens.min} to ${maxChunkTokens.max}.`,
      `${param}.static.max_chunk_size_tokens`,
    );
  if (!Number.isInteger(overlap) || (overlap as number) < 0 || (overlap as number) > (size as number) / 2)
    throw errors.invalidRequest(
      "'chunk_overlap_tokens' is a whole number from 0 to half of 'max_chunk_size_tokens'.",
      `${param}.static.chunk_overlap_tokens`,
    );
  return {
    maxCharacters: (size as number) * charactersPerToken,
    overlapCharacters: (overlap as number) * charactersPerToken,
  };
}

/** The `chunking_strategy` a file reports: the sizes it was chunked with, in tokens. */
export function chunkingStrategyObject(options: ChunkingOptions = defaultChunkingOptions) {
  return {
    type: "static" as const,
    static: {
      max_chunk_size_tokens: Math.round(options.maxCharacters / charactersPerToken),
      chunk_overlap_tokens: Math.round(options.overlapCharacters / charactersPerToken),
    },
  };
}
