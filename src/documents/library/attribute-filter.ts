// Attribute filters of vector store search and the file_search tool, in OpenAI's shape: a comparison
// `{ type: "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "in" | "nin", key, value }` or a compound
// `{ type: "and" | "or", filters: [...] }`. A filter picks the documents whose attributes match before
// the search ranks passages, so `max_num_results` counts matching passages only. A client may scope
// results with it (a department, a customer), so it is applied, never ignored, and a malformed one is a
// 400 naming the part that is wrong.
import { errors } from "../../core/errors.ts";
import type { DocumentRecord } from "../document-types.ts";

type Scalar = string | number | boolean;
export type Attributes = DocumentRecord["attributes"];

export type AttributeFilter =
  | { type: "eq" | "ne"; key: string; value: Scalar }
  | { type: "gt" | "gte" | "lt" | "lte"; key: string; value: string | number }
  | { type: "in" | "nin"; key: string; value: Array<string | number> }
  | { type: "and" | "or"; filters: AttributeFilter[] };

const comparisons = new Set(["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"]);
/** Bounds that keep one request's filter cheap to check against every document of a store. */
const maxDepth = 5;
const maxComparisons = 50;
const maxListValues = 100;
const maxKeyLength = 64;
const maxStringLength = 512;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isText = (value: unknown): value is string =>
  typeof value === "string" && value.length <= maxStringLength;
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** The filter as given in a request body at `param`; throws a 400 for anything malformed. */
export function parseAttributeFilter(given: unknown, param: string): AttributeFilter {
  let comparisonsSeen = 0;
  const invalid = (message: string, at: string) => errors.invalidRequest(message, at);
  const parse = (value: unknown, at: string, depth: number): AttributeFilter => {
    if (!isObject(value)) throw invalid("A filter is an object with a 'type'.", at);
    const type = value.type;
    if (type === "and" || type === "or") {
      if (depth >= maxDepth) throw invalid(`Filters nest at most ${maxDepth} levels deep.`, at);
      const filters = value.filters;
      if (!Array.isArray(filters) || filters.length === 0)
        throw invalid(`An '${type}' filter needs a non-empty 'filters' list.`, `${at}.filters`);
      return {
        type,
        filters: filters.map((inner, index) => parse(inner, `${at}.filters[${index}]`, depth + 1)),
      };
    }
    if (typeof type !== "string" || !comparisons.has(type))
      throw invalid("A filter's 'type' is one of eq, ne, gt, gte, lt, lte, in, nin, and, or.", `${at}.type`);
    comparisonsSeen += 1;
    if (comparisonsSeen > maxComparisons)
      throw invalid(`A filter holds at most ${maxComparisons} comparisons.`, param);
    const key = value.key;
    if (typeof key !== "string" || key.length === 0 || key.length > maxKeyLength)
      throw invalid(`A filter's 'key' is a string of 1 to ${maxKeyLength} characters.`, `${at}.key`);
    const operand = value.value;
    if (type === "in" || type === "nin") {
      if (
        !Array.isArray(operand) ||
        operand.length === 0 ||
        operand.length > maxListValues ||
        !operand.every((item) => isText(item) || isNumber(item))
      )
        throw invalid(
          `An '${type}' filter's 'value' is a list of 1 to ${maxListValues} strings or numbers.`,
          `${at}.value`,
        );
      return { type, key, value: operand as Array<string | number> };
    }
    if (type === "eq" || type === "ne") {
      if (!isText(operand) && !isNumber(operand) && typeof operand !== "boolean")
        throw invalid(`An '${type}' filter's 'value' is a string, a number or a boolean.`, `${at}.value`);
      return { type, key, value: operand };
    }
    if (!isText(operand) && !isNumber(operand))
      throw invalid(`A '${type}' filter's 'value' is a number or a string.`, `${at}.value`);
    return { type: type as "gt" | "gte" | "lt" | "lte", key, value: operand };
  };
  return parse(given, param, 0);
}

/** The order of two values of one type (numbers, or strings by code point); null when they differ in type. */
function order(left: Scalar, right: string | number): number | null {
  if (typeof left !== typeof right) return null;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * Whether a document's attributes pass the filter. A key the document lacks fails every comparison but
 * `ne` and `nin` (it is not equal to the value); values of different types are never equal or ordered.
 */
export function matchesAttributes(filter: AttributeFilter, attributes: Attributes): boolean {
  switch (filter.type) {
    case "and":
      return filter.filters.every((inner) => matchesAttributes(inner, attributes));
    case "or":
      return filter.filters.some((inner) => matchesAttributes(inner, attributes));
  }
  const present = Object.hasOwn(attributes, filter.key);
  const actual = attributes[filter.key];
  switch (filter.type) {
    case "eq":
      return present && actual === filter.value;
    case "ne":
      return !present || actual !== filter.value;
    case "in":
      return present && filter.value.some((item) => item === actual);
    case "nin":
      return !present || !filter.value.some((item) => item === actual);
  }
  if (!present) return false;
  const compared = order(actual!, filter.value);
  if (compared === null) return false;
  if (filter.type === "gt") return compared > 0;
  if (filter.type === "gte") return compared >= 0;
  if (filter.type === "lt") return compared < 0;
  return compared <= 0;
}

/** The ids of the documents that pass the filter. */
export function matchingDocuments(
  filter: AttributeFilter,
  documents: Iterable<Pick<DocumentRecord, "id" | "attributes">>,
): Set<string> {
  const matching = new Set<string>();
  for (const document of documents)
    if (matchesAttributes(filter, document.attributes)) matching.add(document.id);
  return matching;
}
