// The bounds every request meets before any model work (PLAT-3), in one place: body size, JSON
// nesting, message and content-part counts. The README's API section lists them. Prompt tokens are
// bounded by each local model against its context (context_length_exceeded), off this thread.
import type { FastifyInstance } from "fastify";
import { CustodianError } from "../core/errors.ts";

export const requestBounds = {
  /** Request bodies: chat requests with images are large, and anything bigger is a mistake (413). */
  bodyBytes: 20 * 1024 * 1024,
  /** Arrays and objects inside one another, checked on the raw text before it is parsed. */
  jsonDepth: 64,
  /** Messages of a chat completion (and input items of any conversation-shaped request). */
  messages: 2048,
  /** Content parts of one message. */
  contentParts: 1024,
  /** Prompts of one text completion. */
  prompts: 64,
  /** Texts (or token arrays) of one embeddings request. */
  embeddingInputs: 2048,
} as const;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`. One pass, no allocation, stopping
 * at the first level too deep; brackets inside strings do not count. Malformed text is left to the
 * parser, which refuses it.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index += 1; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (code === 0x7d || code === 0x5d) depth -= 1;
  }
  return false;
}

export function nestingTooDeep(): CustodianError {
  return new CustodianError(
    `The JSON body nests arrays and objects more than ${requestBounds.jsonDepth} levels deep.`,
    { status: 400, type: "invalid_request_error", code: "json_too_deep" },
  );
}

/**
 * Fastify's own JSON parser behind the nesting check: a 10,000-deep body is refused before JSON.parse
 * and the schema walk ever see it. For every JSON content type a route takes (application/json, SCIM's
 * application/scim+json).
 */
export function boundedJsonParser(app: FastifyInstance): ContentTypeParser {
  const parse = app.getDefaultJsonParser("error", "error");
  return (request, body, done) => {
    const text = body as string;
    if (jsonDepthExceeds(text, requestBounds.jsonDepth)) {
      done(nestingTooDeep(), undefined);
      return;
    }
    return parse(request, text, done);
  };
}

type ContentTypeParser = ReturnType<FastifyInstance["getDefaultJsonParser"]>;

/** Replaces the JSON parser of `app` (and of everything registered in it afterwards) with the bounded one. */
export function installJsonBounds(app: FastifyInstance): void {
  const parser = boundedJsonParser(app);
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, parser);
}
