// The `file_search` tool of /v1/responses (issue 20): the request's vector stores are searched with the
// input's last user text before the model runs, the passages found are given to the model as a system
// message naming each file, and the response's output begins with a `file_search_call` item, as
// OpenAI's does. The search is the document library's, under the caller's project (its stores only).
import { errors } from "../core/errors.ts";
import { parseAttributeFilter, type AttributeFilter } from "../documents/library/attribute-filter.ts";
import { parseRankingOptions } from "../documents/library/ranking-options.ts";
import { publicToken } from "../core/ids.ts";
import type { Caller } from "../inference/completion-hooks.ts";
import type { ChatMessage } from "../inference/language-model.ts";
import type { Json } from "./response-store.ts";

export interface FileSearchHit {
  fileId: string;
  filename: string;
  score: number;
  text: string;
  attributes: Record<string, string | number | boolean>;
}

/** Searches the caller's vector stores; an id the caller may not read is a 404. */
export type FileSearcher = (
  caller: Caller,
  search: {
    vectorStoreIds: string[];
    query: string;
    limit: number;
    minScore: number;
    filter: AttributeFilter | null;
  },
  /** Told the tokens of the query's embedding, for the caller's usage meter. */
  usage?: (model: string, promptTokens: number) => void,
) => Promise<FileSearchHit[]>;

export interface FileSearchTool {
  vectorStoreIds: string[];
  limit: number;
  /** `ranking_options.score_threshold`: hits scoring below it (0 to 1) are dropped. */
  minScore: number;
  /** `filters`: only documents whose attributes match are searched. */
  filter: AttributeFilter | null;
  /** `include: ["file_search_call.results"]`: the item carries the results. */
  withResults: boolean;
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The `include` entry that asks for the search results in the `file_search_call` item. */
const resultsEntry = "file_search_call.results";

/** The body without `include`'s results entry (the rest of `include` is checked as before). */
function takeResultsEntry(body: Json): { body: Json; withResults: boolean } {
  if (!Array.isArray(body.include) || !body.include.includes(resultsEntry))
    return { body, withResults: false };
  const include = body.include.filter((entry) => entry !== resultsEntry);
  const rest: Json = { ...body, include };
  if (include.length === 0) delete rest.include;
  return { body: rest, withResults: true };
}

/**
 * The body without its `file_search` tool, and that tool (at most one is taken); `include:
 * ["file_search_call.results"]` is taken with it (and is harmless without the tool, as at OpenAI).
 */
export function splitFileSearch(given: Json): { body: Json; tool: FileSearchTool | null } {
  const { body, withResults } = takeResultsEntry(given);
  if (!Array.isArray(body.tools)) return { body, tool: null };
  const found = body.tools.findIndex((tool) => isObject(tool) && tool.type === "file_search");
  if (found === -1) return { body, tool: null };
  const raw = body.tools[found] as Json;
  const param = `tools[${found}]`;
  const ids = raw.vector_store_ids;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 10 || ids.some((id) => typeof id !== "string"))
    throw errors.invalidRequest(
      "'vector_store_ids' is a list of 1 to 10 vector store ids.",
      `${param}.vector_store_ids`,
    );
  const limit = raw.max_num_results ?? 10;
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 50)
    throw errors.invalidRequest(
      "'max_num_results' is a whole number from 1 to 50.",
      `${param}.max_num_results`,
    );
  const { minScore } = parseRankingOptions(raw.ranking_options, `${param}.ranking_options`);
  const filter = raw.filters == null ? null : parseAttributeFilter(raw.filters, `${param}.filters`);
  if (body.tools.some((tool, index) => index !== found && isObject(tool) && tool.type === "file_search"))
    throw errors.invalidRequest("Give one 'file_search' tool.", "tools");
  const tools = body.tools.filter((_tool, index) => index !== found);
  const rest: Json = { ...body, tools };
  if (tools.length === 0) delete rest.tools;
  if (tools.length === 0 && isObject(body.tool_choice)) delete rest.tool_choice;
  return {
    body: rest,
    tool: { vectorStoreIds: ids as string[], limit: limit as number, minScore, filter, withResults },
  };
}

/** The query: the last user message's text. */
export function searchQuery(messages: readonly ChatMessage[]): string {
  for (const message of messages.toReversed()) {
    if (message.role !== "user") continue;
    const content = message.content as unknown;
    if (typeof content === "string") return content;
    if (Array.isArray(content))
      return content
        .map((part) => (isObject(part) && typeof part.text === "string" ? part.text : ""))
        .join(" ");
  }
  return "";
}

/** The passages, as the model sees them. */
export function passagesMessage(hits: readonly FileSearchHit[]): ChatMessage {
  const listed = hits
    .map((hit, index) => `[${index + 1}] ${hit.filename} (${hit.fileId}):\n${hit.text}`)
    .join("\n\n");
  return {
    role: "system",
    content:
      hits.length === 0
        ? "A search of the user's files found nothing relevant."
        : `Passages from the user's files. Answer from them where they apply and name the file you used.\n\n${listed}`,
  };
}

export function fileSearchCallItem(
  query: string,
  hits: readonly FileSearchHit[],
  withResults: boolean,
): Json {
  return {
    id: `fs_${publicToken(24)}`,
    type: "file_search_call",
    status: "completed",
    queries: [query],
    results: withResults
      ? hits.map((hit) => ({
          file_id: hit.fileId,
          filename: hit.filename,
          score: hit.score,
          text: hit.text,
          attributes: hit.attributes,
        }))
      : null,
  };
}
