// `ranking_options` of vector store search and the file_search tool, in OpenAI's shape. One ranker is
// offered (keyword and vector rankings fused by rank), so the names that mean "the default" are
// accepted and any other ranker, or `hybrid_search` weights, is refused rather than ignored.
import { errors } from "../../core/errors.ts";

/** OpenAI's ranker names that leave the choice to the platform, or ask for no reranking. */
const rankerNames = new Set(["auto", "none", "default-2024-11-15"]);
const known = new Set(["ranker", "score_threshold"]);

/** The options given at `param` (absent or null: the defaults); a 400 names the part that is wrong. */
export function parseRankingOptions(given: unknown, param: string): { minScore: number } {
  if (given === undefined || given === null) return { minScore: 0 };
  if (typeof given !== "object" || Array.isArray(given))
    throw errors.invalidRequest("'ranking_options' is an object.", param);
  const options = given as Record<string, unknown>;
  for (const key of Object.keys(options))
    if (!known.has(key) && options[key] !== undefined && options[key] !== null)
      throw errors.invalidRequest(
        `'${key}' is not offered here: search ranks by one fused ranking.`,
        `${param}.${key}`,
        "unsupported_parameter",
      );
  const ranker = options.ranker;
  if (ranker !== undefined && ranker !== null && (typeof ranker !== "string" || !rankerNames.has(ranker)))
    throw errors.invalidRequest(
      `'ranker' is one of ${[...rankerNames].join(", ")}.`,
      `${param}.ranker`,
      "unsupported_parameter",
    );
  const minScore = options.score_threshold ?? 0;
  if (typeof minScore !== "number" || !(minScore >= 0 && minScore <= 1))
    throw errors.invalidRequest("'score_threshold' is a number from 0 to 1.", `${param}.score_threshold`);
  return { minScore };
}
