// logprobs and top_logprobs on a local model (the real demo model, llama.cpp through node-llama-cpp),
// through the official `openai` client: each sampled token's log probability and its alternatives in
// OpenAI's shapes, for chat completions (whole and streamed) and legacy completions; the combinations
// a local model cannot honour answer 400 naming the parameter.
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoAndUpstream, type DemoAndUpstream } from "./helpers/demo-and-upstream.ts";

interface Scored {
  token: string;
  logprob: number;
  bytes: number[] | null;
}
interface Entry extends Scored {
  top_logprobs: Scored[];
}

const messages = [{ role: "user" as const, content: "Hello!" }];
const prompt = "Hello! I am";

const decode = (bytes: number[]) => Buffer.from(bytes).toString("utf8");

/** Every figure is a log probability: finite and at most 0. */
function expectLogprob(value: number) {
  expect(Number.isFinite(value)).toBe(true);
  expect(value).toBeLessThanOrEqual(0);
}

/**
 * One token's entry: its figures, its alternatives sorted most likely first, as many as asked (or, where
 * the sampler keeps fewer candidates above temperature 0, at least one and at most as many).
 */
function expectEntry(entry: Entry, top: number, exact = true) {
  expectLogprob(entry.logprob);
  expect(entry.bytes).not.toBeNull();
  if (exact) expect(entry.top_logprobs).toHaveLength(top);
  else expect(entry.top_logprobs.length).toBeGreaterThanOrEqual(1);
  expect(entry.top_logprobs.length).toBeLessThanOrEqual(top);
  entry.top_logprobs.forEach((alternative, index) => {
    expectLogprob(alternative.logprob);
    expect(decode(alternative.bytes!)).toBe(alternative.token);
    if (index > 0) expect(alternative.logprob).toBeLessThanOrEqual(entry.top_logprobs[index - 1]!.logprob);
  });
  // They are probabilities of one distribution: together at most 1.
  const total = entry.top_logprobs.reduce((sum, alternative) => sum + Math.exp(alternative.logprob), 0);
  expect(total).toBeLessThanOrEqual(1 + 1e-4);
}

describe("[PLAT-1] logprobs on a local model", () => {
  let platform: DemoAndUpstream;
  let client: OpenAI;
  let model: string;

  beforeAll(async () => {
    // The demo model's platform (its upstream goes unused here).
    platform = await startDemoAndUpstream();
    ({ client, local: model } = platform);
  });
  afterAll(async () => {
    await platform?.close();
  });

  const scoredChat = async (top: number) => {
    const completion = await client.chat.completions.create({
      model,
      messages,
      temperature: 0,
      max_tokens: 24,
      logprobs: true,
      top_logprobs: top,
    });
    const choice = completion.choices[0]!;
    return { content: choice.message.content!, entries: choice.logprobs!.content as Entry[] };
  };

  it("[PLAT-1] chat: each token's log probability, its bytes, and as many alternatives as asked", async () => {
    for (const top of [0, 1, 5, 20]) {
      const { content, entries } = await scoredChat(top);
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) {
        expectEntry(entry, top);
        // Under temperature 0 the chosen token is the most likely: first among the alternatives.
        if (top > 0) {
          expect(entry.top_logprobs[0]!.bytes).toEqual(entry.bytes);
          expect(entry.top_logprobs[0]!.logprob).toBeCloseTo(entry.logprob, 5);
        }
      }
      // The tokens' bytes are the answer's, in order; each token's text is its bytes decoded.
      expect(decode(entries.flatMap((entry) => entry.bytes!))).toBe(content);
      for (const entry of entries) expect(entry.token).toBe(decode(entry.bytes!));
    }
  });

  it("[PLAT-1] chat streamed: the chunks carry their tokens, the same as the whole answer's under temperature 0", async () => {
    const whole = await scoredChat(3);
    const stream = await client.chat.completions.create({
      model,
      messages,
      temperature: 0,
      max_tokens: 24,
      logprobs: true,
      top_logprobs: 3,
      stream: true,
    });
    const streamed: Entry[] = [];
    let content = "";
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      const text = choice.delta.content ?? "";
      const entries = (choice.logprobs?.content ?? []) as Entry[];
      // A chunk's tokens wrote its text (the demo model's tokens are single bytes).
      expect(decode(entries.flatMap((entry) => entry.bytes!))).toBe(text);
      content += text;
      streamed.push(...entries);
    }
    expect(content).toBe(whole.content);
    expect(streamed.map((entry) => entry.token)).toEqual(whole.entries.map((entry) => entry.token));
    streamed.forEach((entry, index) => {
      const other = whole.entries[index]!;
      expect(entry.logprob).toBeCloseTo(other.logprob, 5);
      expect(entry.top_logprobs.map((alternative) => alternative.token)).toEqual(
        other.top_logprobs.map((alternative) => alternative.token),
      );
    });
  });

  it("[PLAT-1] sampled at a high temperature: the tokens still make the text, whole and streamed", async () => {
    // Unlikely tokens get sampled here (tokens with no text too), and the sampler's candidates may be fewer than asked.
    const request = { model, messages, temperature: 1.8, max_tokens: 40, logprobs: true, top_logprobs: 2 };
    for (let round = 0; round < 3; round++) {
      const whole = await client.chat.completions.create(request);
      const content = whole.choices[0]!.message.content!;
      const entries = whole.choices[0]!.logprobs!.content as Entry[];
      for (const entry of entries) expectEntry(entry, 2, false);
      expect(decode(entries.flatMap((entry) => entry.bytes!))).toBe(content);
      const stream = await client.chat.completions.create({ ...request, stream: true });
      let text = "";
      const streamed: Entry[] = [];
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (!choice) continue;
        const entries = (choice.logprobs?.content ?? []) as Entry[];
        for (const entry of entries) expectEntry(entry, 2, false);
        streamed.push(...entries);
        text += choice.delta.content ?? "";
      }
      expect(decode(streamed.flatMap((entry) => entry.bytes!))).toBe(text);
    }
  });

  it("[PLAT-1] completions: tokens, token_logprobs, top_logprobs and text_offset, whole and streamed", async () => {
    const request = { model, prompt, temperature: 0, max_tokens: 16, logprobs: 3 };
    const completion = await client.completions.create(request);
    const choice = completion.choices[0]!;
    const logprobs = choice.logprobs!;
    const tokens = logprobs.tokens!;
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.join("")).toBe(choice.text);
    expect(logprobs.token_logprobs).toHaveLength(tokens.length);
    for (const value of logprobs.token_logprobs!) expectLogprob(value);
    // Offsets count from the start of the prompt, as OpenAI's do.
    let offset = prompt.length;
    tokens.forEach((token, index) => {
      expect(logprobs.text_offset![index]).toBe(offset);
      offset += token.length;
      const top = Object.entries(logprobs.top_logprobs![index]!);
      expect(top.length).toBeGreaterThan(0);
      expect(top.length).toBeLessThanOrEqual(3);
      for (const [, value] of top) expectLogprob(value);
      // The chosen token is the most likely under temperature 0.
      expect(logprobs.top_logprobs![index]![token]).toBeCloseTo(logprobs.token_logprobs![index]!, 5);
    });

    const stream = await client.completions.create({ ...request, stream: true });
    const streamed = { tokens: [] as string[], token_logprobs: [] as number[], text_offset: [] as number[] };
    let text = "";
    for await (const chunk of stream) {
      const part = chunk.choices[0];
      if (!part) continue;
      text += part.text;
      streamed.tokens.push(...(part.logprobs?.tokens ?? []));
      streamed.token_logprobs.push(...(part.logprobs?.token_logprobs ?? []));
      streamed.text_offset.push(...(part.logprobs?.text_offset ?? []));
    }
    expect(text).toBe(choice.text);
    expect(streamed.tokens).toEqual(tokens);
    expect(streamed.text_offset).toEqual(logprobs.text_offset);
    streamed.token_logprobs.forEach((value, index) =>
      expect(value).toBeCloseTo(logprobs.token_logprobs![index]!, 5),
    );
  });

  it("[PLAT-1] completions echo: the prompt comes before the answer, whole and streamed", async () => {
    const plain = await client.completions.create({ model, prompt, temperature: 0, max_tokens: 8 });
    const echoed = await client.completions.create({
      model,
      prompt,
      temperature: 0,
      max_tokens: 8,
      echo: true,
    });
    expect(echoed.choices[0]!.text).toBe(prompt + plain.choices[0]!.text);
    const stream = await client.completions.create({
      model,
      prompt,
      temperature: 0,
      max_tokens: 8,
      echo: true,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(text).toBe(echoed.choices[0]!.text);
  });

  it("[PLAT-1] what a local model cannot honour is a 400 naming the parameter; the control passes", async () => {
    const base = { model, messages, max_tokens: 4 };
    const tool = { type: "function" as const, function: { name: "lookup", parameters: { type: "object" } } };
    // The control: logprobs with a text response_format and tool_choice "none" are honoured.
    const control = await client.chat.completions.create({
      ...base,
      logprobs: true,
      response_format: { type: "text" },
      tools: [tool],
      tool_choice: "none",
    });
    expect(control.choices[0]!.logprobs!.content!.length).toBeGreaterThan(0);
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ logprobs: true, response_format: { type: "json_object" } }, "logprobs"],
      [{ logprobs: true, tools: [tool], tool_choice: "required" }, "logprobs"],
      [{ logprobs: true, tools: [tool] }, "logprobs"],
      [{ logprobs: true, top_logprobs: 21 }, "top_logprobs"],
      [{ top_logprobs: 2 }, "top_logprobs"],
      [{ logprobs: "yes" }, "logprobs"],
    ];
    for (const [fields, param] of refusals) {
      await expect(client.chat.completions.create({ ...base, ...fields } as never)).rejects.toMatchObject({
        status: 400,
        type: "invalid_request_error",
        param,
      });
    }
    const text = { model, prompt, max_tokens: 4 };
    for (const [fields, param] of [
      [{ logprobs: 6 }, "logprobs"],
      [{ logprobs: 2, echo: true }, "echo"],
    ] as const) {
      await expect(client.completions.create({ ...text, ...fields })).rejects.toMatchObject({
        status: 400,
        type: "invalid_request_error",
        param,
      });
    }
  });
});
