// Reads the events of a stream that differ from an earlier one only in one string value without parsing
// them: a model server sends a thousand chunks that are the same text around the next token's text.

/** A JSON string literal, whole: what JSON.parse accepts between two quotes (no raw control characters). */
// The control characters are the point: JSON forbids them unescaped inside a string.
// eslint-disable-next-line no-control-regex
const stringLiteral = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
// eslint-disable-next-line no-control-regex
const wholeStringLiteral = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"$/;

/**
 * Put in place of the value when a template is learnt. Its `#` is no JSON token, so if the cut fell
 * inside another string (where the quotes would close and reopen it) the probe cannot parse.
 */
const sentinel = "#custodian-template#";
const sentinelLiteral = JSON.stringify(sentinel);

/**
 * One event's text cut around the string value of a key: the text before it and the text after it.
 * Another event with the same text before and after and a JSON string literal between them is the same
 * JSON with only that value changed (a string token replaced by another in the same place), so it is as
 * valid as the event it was learnt from, and its value is the one thing to read.
 */
export class StringValueTemplate {
  readonly #prefix: string;
  readonly #suffix: string;
  readonly #length: number;

  private constructor(prefix: string, suffix: string) {
    this.#prefix = prefix;
    this.#suffix = suffix;
    this.#length = prefix.length + suffix.length;
  }

  /**
   * The template of `data` (valid JSON, already parsed) around the first value of `key`, or null where
   * that value is not where `read` finds it: a probe with a sentinel in its place must parse, and `read`
   * must find the sentinel there.
   */
  static learn(data: string, key: string, read: (parsed: unknown) => unknown): StringValueTemplate | null {
    const name = data.indexOf(`"${key}"`);
    if (name === -1) return null;
    let at = name + key.length + 2;
    while (isSpace(data.charCodeAt(at))) at += 1;
    if (data.charCodeAt(at) !== 58 /* : */) return null;
    at += 1;
    while (isSpace(data.charCodeAt(at))) at += 1;
    stringLiteral.lastIndex = at;
    const literal = stringLiteral.exec(data);
    if (literal === null) return null;
    const prefix = data.slice(0, at);
    const suffix = data.slice(at + literal[0].length);
    try {
      if (read(JSON.parse(prefix + sentinelLiteral + suffix)) !== sentinel) return null;
    } catch {
      return null;
    }
    return new StringValueTemplate(prefix, suffix);
  }

  /** The value in `data` when it fits the template, else undefined (parse it the usual way). */
  match(data: string): string | undefined {
    if (data.length < this.#length + 2 || !data.startsWith(this.#prefix) || !data.endsWith(this.#suffix)) {
      return undefined;
    }
    const literal = data.slice(this.#prefix.length, data.length - this.#suffix.length);
    if (!wholeStringLiteral.test(literal)) return undefined;
    return literal.includes("\\") ? (JSON.parse(literal) as string) : literal.slice(1, -1);
  }
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}
