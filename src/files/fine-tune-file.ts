// Validates and parses fine-tuning files: JSONL of {"prompt","completion"} pairs or {"messages":[...]}
// chat examples. Errors name the line and the problem, never the line's content.
import { errors } from "../core/errors.ts";

export interface FineTuneFileLimits {
  /** Whole file. */
  maxBytes: number;
  maxLines: number;
  /** One line, in bytes. */
  maxLineBytes: number;
}

export const defaultFineTuneFileLimits: FineTuneFileLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxLines: 100_000,
  maxLineBytes: 256 * 1024,
};

export interface FineTuneMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** One training example, in chat form: prompt/completion pairs become a user turn and an assistant turn. */
export interface FineTuneExample {
  messages: FineTuneMessage[];
}

const roles = new Set(["system", "user", "assistant"]);

function invalid(line: number, problem: string) {
  return errors.invalidRequest(`Invalid fine-tuning file: line ${line}: ${problem}.`, "file", "invalid_file");
}

function example(value: unknown, line: number): FineTuneExample {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(line, 'expected a JSON object with "prompt" and "completion", or "messages"');
  }
  const record = value as Record<string, unknown>;
  if ("messages" in record) {
    const messages = record.messages;
    if (!Array.isArray(messages) || messages.length === 0) {
      throw invalid(line, '"messages" must be a non-empty array');
    }
    const parsed = messages.map((message: unknown, index): FineTuneMessage => {
      if (typeof message !== "object" || message === null) {
        throw invalid(line, `messages[${index}] must be an object`);
      }
      const { role, content } = message as Record<string, unknown>;
      if (typeof role !== "string" || !roles.has(role)) {
        throw invalid(line, `messages[${index}].role must be "system", "user" or "assistant"`);
      }
      if (typeof content !== "string") throw invalid(line, `messages[${index}].content must be a string`);
      return { role: role as FineTuneMessage["role"], content };
    });
    if (parsed.at(-1)?.role !== "assistant") {
      throw invalid(line, "the last message must be an assistant message (the answer to learn)");
    }
    return { messages: parsed };
  }
  const { prompt, completion } = record;
  if (prompt === undefined && completion === undefined) {
    throw invalid(line, 'expected "prompt" and "completion", or "messages"');
  }
  if (typeof prompt !== "string") throw invalid(line, '"prompt" must be a string');
  if (typeof completion !== "string") throw invalid(line, '"completion" must be a string');
  if (completion.length === 0) throw invalid(line, '"completion" must not be empty');
  return {
    messages: [
      { role: "user", content: prompt },
      { role: "assistant", content: completion },
    ],
  };
}

/**
 * Parses a fine-tuning file into examples, or throws a 400 naming the first bad line. Blank lines
 * are skipped; at least one example is required.
 */
export function parseFineTuneFile(
  content: Buffer,
  limits: FineTuneFileLimits = defaultFineTuneFileLimits,
): FineTuneExample[] {
  if (content.length > limits.maxBytes) {
    throw errors.invalidRequest(
      `A fine-tuning file may be at most ${limits.maxBytes} bytes.`,
      "file",
      "file_too_large",
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    throw errors.invalidRequest("Invalid fine-tuning file: it is not UTF-8 text.", "file", "invalid_file");
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length > limits.maxLines) {
    throw errors.invalidRequest(
      `A fine-tuning file may have at most ${limits.maxLines} lines.`,
      "file",
      "too_many_lines",
    );
  }
  const examples: FineTuneExample[] = [];
  for (const [index, raw] of lines.entries()) {
    const number = index + 1;
    if (Buffer.byteLength(raw, "utf8") > limits.maxLineBytes) {
      throw invalid(number, `longer than ${limits.maxLineBytes} bytes`);
    }
    const line = raw.trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw invalid(number, "not valid JSON");
    }
    examples.push(example(value, number));
  }
  if (examples.length === 0) {
    throw errors.invalidRequest("Invalid fine-tuning file: it has no examples.", "file", "invalid_file");
  }
  return examples;
}
