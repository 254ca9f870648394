import { describe, expect, it } from "vitest";
import { StringValueTemplate } from "./string-value-template.ts";

const chunk = (content: string, id = "chatcmpl-1", extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }],
    ...extra,
  });

const readContent = (parsed: unknown): unknown =>
  (parsed as { choices?: Array<{ delta?: { content?: unknown } }> }).choices?.[0]?.delta?.content;

describe("StringValueTemplate", () => {
  it("reads the text of a chunk that differs from the learnt one only there, as JSON.parse does", () => {
    const template = StringValueTemplate.learn(chunk("first"), "content", readContent);
    expect(template).not.toBeNull();
    const texts = [" word", "", 'quote " and backslash \\', "line\nbreak\ttab", "é ☃ 𝄞 \u2028", "\u0001"];
    for (const text of texts) {
      const data = chunk(text);
      expect(template!.match(data)).toBe(readContent(JSON.parse(data)));
    }
    // Escapes the way another server may write them, not the way JSON.stringify does.
    const escaped = chunk("x").replace('"x"', '"\\u00e9\\/\\""');
    expect(template!.match(escaped)).toBe('é/"');
  });

  it("leaves to JSON.parse whatever is not the same text around one string", () => {
    const template = StringValueTemplate.learn(chunk("first"), "content", readContent)!;
    // Positive control: the same chunk with another text fits.
    expect(template.match(chunk("second"))).toBe("second");
    expect(template.match(chunk("second", "chatcmpl-2"))).toBeUndefined();
    expect(template.match(chunk("second", "chatcmpl-1", { system_fingerprint: "fp" }))).toBeUndefined();
    const around = chunk("x").split('"x"');
    // Text between the same ends that is more than one string: it changes the structure.
    expect(template.match(`${around[0]}"a","role":"assistant"${around[1]}`)).toBeUndefined();
    // Not a valid string: a raw control character, a bad escape, a number.
    expect(template.match(`${around[0]}"a\nb"${around[1]}`)).toBeUndefined();
    expect(template.match(`${around[0]}"a\\qb"${around[1]}`)).toBeUndefined();
    expect(template.match(`${around[0]}12${around[1]}`)).toBeUndefined();
    expect(template.match(`${around[0]}""`)).toBeUndefined();
  });

  it("learns nothing where the first such key is not the value read", () => {
    // Positive control: the plain chunk is learnt.
    expect(StringValueTemplate.learn(chunk("a"), "content", readContent)).not.toBeNull();
    // "content" first appears as a value, not a key.
    const asValue = JSON.stringify({ type: "content", choices: [{ delta: { content: "a" } }] });
    expect(StringValueTemplate.learn(asValue, "content", readContent)).toBeNull();
    // The first "content" key is somewhere else than the delta's.
    const elsewhere = JSON.stringify({ meta: { content: "a" }, choices: [{ delta: { content: "b" } }] });
    expect(StringValueTemplate.learn(elsewhere, "content", readContent)).toBeNull();
    // A duplicate key: JSON.parse keeps the last, so the first cannot be the template's.
    const duplicate = '{"choices":[{"delta":{"content":"a","content":"b"}}]}';
    expect(StringValueTemplate.learn(duplicate, "content", readContent)).toBeNull();
    // Not a string.
    expect(
      StringValueTemplate.learn('{"choices":[{"delta":{"content":null}}]}', "content", readContent),
    ).toBeNull();
  });
});
