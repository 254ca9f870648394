// Reads a batch's input file (JSONL, one request a line) and checks every line before any work starts,
// as OpenAI does: a bad file fails the batch with an `errors` list naming codes and lines. Messages are
// fixed wordings: they never quote the file, which is business content.

export const batchEndpoints = ["/v1/chat/completions", "/v1/embeddings", "/v1/responses"] as const;
export type BatchEndpoint = (typeof batchEndpoints)[number];

/** OpenAI's limit on requests in one batch. */
export const maxBatchRequests = 50_000;

export interface BatchLine {
  /** Zero-based index of the request in the file (its line among the non-empty ones). */
  index: number;
  customId: string;
  body: Record<string, unknown>;
}

export interface BatchInputError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

/** Errors beyond this many are not listed (the first ones say what is wrong). */
const maxListedErrors = 100;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The requests of a batch file, or the reasons it is refused. */
export function parseBatchInput(
  content: Buffer,
  endpoint: BatchEndpoint,
): { lines: BatchLine[]; errors: [] } | { lines: []; errors: BatchInputError[] } {
  const errors: BatchInputError[] = [];
  const lines: BatchLine[] = [];
  const seen = new Set<string>();
  const fail = (code: string, message: string, param: string | null, line: number | null) => {
    if (errors.length < maxListedErrors) errors.push({ code, message, param, line });
  };
  const rows = content.toString("utf8").split("\n");
  rows.forEach((raw, position) => {
    const line = position + 1;
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      fail("invalid_json_line", "This line is not valid JSON.", null, line);
      return;
    }
    if (!isObject(value)) {
      fail("invalid_request", "Each line must be a JSON object.", null, line);
      return;
    }
    const { custom_id: customId, method, url, body } = value;
    if (typeof customId !== "string" || customId.length === 0 || customId.length > 512) {
      fail(
        "missing_required_parameter",
        "'custom_id' must be a string of 1 to 512 characters.",
        "custom_id",
        line,
      );
    } else if (seen.has(customId)) {
      fail("duplicate_custom_id", "The custom_id of this line is used by another line.", "custom_id", line);
    }
    if (method !== "POST") fail("invalid_method", "'method' must be 'POST'.", "method", line);
    if (url !== endpoint) {
      fail("mismatched_url", "'url' must be the batch's endpoint.", "url", line);
    }
    if (!isObject(body)) fail("missing_required_parameter", "'body' must be a JSON object.", "body", line);
    if (typeof customId === "string") seen.add(customId);
    if (isObject(body) && typeof customId === "string") lines.push({ index: lines.length, customId, body });
  });
  if (errors.length === 0 && lines.length === 0)
    fail("empty_file", "The input file has no requests.", null, null);
  if (lines.length > maxBatchRequests) {
    fail("too_many_requests", `A batch may have at most ${maxBatchRequests} requests.`, null, null);
  }
  return errors.length > 0 ? { lines: [], errors } : { lines, errors: [] };
}
