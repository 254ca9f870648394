// Checks on what a caller gives a collection (issue 20): its name, its metadata (OpenAI's limits: 16
// keys of at most 64 characters, values of at most 512) and its search requests.
import type { CollectionOwner, SearchRequest } from "../document-types.ts";
import { libraryErrors } from "./library-errors.ts";

const ownerKinds = ["user", "group", "project", "conversation"] as const;

export function checkName(name: unknown): string {
  if (typeof name !== "string" || name.length > 256)
    throw libraryErrors.invalid("'name' must be a string of at most 256 characters.", "name");
  return name;
}

export function checkMetadata(metadata: unknown): Record<string, string> {
  if (metadata === undefined || metadata === null) return {};
  if (typeof metadata !== "object" || Array.isArray(metadata))
    throw libraryErrors.invalid("'metadata' must be an object of strings.", "metadata");
  const entries = Object.entries(metadata);
  if (
    entries.length > 16 ||
    entries.some(([key, value]) => key.length > 64 || typeof value !== "string" || value.length > 512)
  )
    throw libraryErrors.invalid(
      "'metadata' holds at most 16 keys of at most 64 characters, each a string of at most 512.",
      "metadata",
    );
  return Object.fromEntries(entries) as Record<string, string>;
}

export function checkOwner(owner: CollectionOwner): CollectionOwner {
  if (!ownerKinds.includes(owner.kind) || typeof owner.id !== "string" || owner.id === "")
    throw libraryErrors.invalid(
      "A collection's owner is a user, a group, a project or a conversation.",
      "owner",
    );
  return owner;
}

export function checkSearch(
  request: SearchRequest,
): Required<Omit<SearchRequest, "collectionIds" | "documentIds">> {
  if (typeof request.query !== "string" || request.query.trim() === "" || request.query.length > 4096)
    throw libraryErrors.invalid("'query' must be a string of 1 to 4096 characters.", "query");
  const limit = request.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 50)
    throw libraryErrors.invalid("'max_num_results' must be a whole number from 1 to 50.", "max_num_results");
  const minScore = request.minScore ?? 0;
  if (typeof minScore !== "number" || !(minScore >= 0 && minScore <= 1))
    throw libraryErrors.invalid("'score_threshold' must be a number from 0 to 1.", "score_threshold");
  const mode = request.mode ?? "hybrid";
  if (!["hybrid", "vector", "keyword"].includes(mode))
    throw libraryErrors.invalid("Unknown search mode.", "mode");
  if (request.collectionIds.length === 0 || request.collectionIds.length > 10)
    throw libraryErrors.invalid("Search 1 to 10 vector stores at once.", "vector_store_ids");
  return { query: request.query, limit, minScore, mode };
}
