// The OpenAI shapes of a local model's token log probabilities, where a token is part of a character:
// legacy completions' text_offset counts the characters before each token, from the prompt's start.
import { describe, expect, it } from "vitest";
import { chatShape, CompletionLogprobs } from "./logprobs-request.ts";
import type { TokenLogprob } from "./llama-protocol.ts";

const token = (bytes: number[], logprob = -0.5): TokenLogprob => ({
  token: Buffer.from(bytes).toString("utf8"),
  logprob,
  bytes,
  top: [{ token: Buffer.from(bytes).toString("utf8"), logprob, bytes }],
});

describe("[PLAT-1] local logprobs in OpenAI's shapes", () => {
  // "é" is two bytes, written by two tokens; then "x".
  const tokens = [token([0xc3]), token([0xa9]), token([0x78], -1)];

  it("text_offset: a character split over tokens counts once, after its last byte; streamed chunks continue the count", () => {
    const whole = new CompletionLogprobs("Hi ").shape(tokens);
    expect(whole.text_offset).toEqual([3, 3, 4]);
    expect(whole.tokens).toEqual(["\ufffd", "\ufffd", "x"]);
    expect(whole.token_logprobs).toEqual([-0.5, -0.5, -1]);
    expect(whole.top_logprobs[2]).toEqual({ x: -1 });
    const streamed = new CompletionLogprobs("Hi ");
    const offsets = [
      ...streamed.shape(tokens.slice(0, 1)).text_offset,
      ...streamed.shape(tokens.slice(1)).text_offset,
    ];
    expect(offsets).toEqual(whole.text_offset);
  });

  it("chat: token, logprob, bytes and top_logprobs per token; the bytes together are the text", () => {
    const shaped = chatShape(tokens);
    expect(shaped.refusal).toBeNull();
    expect(shaped.content.map((entry) => entry.top_logprobs.length)).toEqual([1, 1, 1]);
    expect(Buffer.from(shaped.content.flatMap((entry) => entry.bytes)).toString("utf8")).toBe("éx");
  });
});
