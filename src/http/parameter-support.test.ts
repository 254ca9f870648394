// Every row of the parameter table (src/inference/parameter-support.ts), through the official client: a
// local model (the real demo model) honours the field or answers 400 naming it; an upstream (a fake model
// server on 127.0.0.1) gets it unchanged, and every field of its answer comes back.
import { readFileSync } from "node:fs";
import path from "node:path";
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { messageRules, parameterTable, supportTableMarkdown } from "../inference/parameter-support.ts";
import { startDemoAndUpstream, type DemoAndUpstream } from "../../test/helpers/demo-and-upstream.ts";
import { upstreamLogprobs, type ScriptedUpstream } from "../../test/helpers/scripted-upstream.ts";

type Body = Record<string, unknown>;
const tool = {
  type: "function",
  function: { name: "lookup", parameters: { type: "object", properties: {} } },
};

/** For each row: fields that ask for something (never a neutral value), merged into a plain request. */
const samples: Record<string, Record<string, Body>> = {
  "chat.completions": {
    model: {},
    messages: {},
    stream: { stream: true },
    stream_options: { stream: true, stream_options: { include_usage: true } },
    temperature: { temperature: 0.5 },
    top_p: { top_p: 0.9 },
    seed: { seed: 3 },
    stop: { stop: ["\n\n"] },
    store: { store: false },
    user: { user: "user-1" },
    metadata: { metadata: { team: "a" } },
    safety_identifier: { safety_identifier: "s-1" },
    prompt_cache_key: { prompt_cache_key: "k-1" },
    service_tier: { service_tier: "flex" },
    frequency_penalty: { frequency_penalty: 0.5 },
    presence_penalty: { presence_penalty: 0.5 },
    logit_bias: { logit_bias: { "42": -100 } },
    max_tokens: { max_tokens: 2 },
    max_completion_tokens: { max_completion_tokens: 2 },
    n: { n: 2 },
    tools: { tools: [tool] },
    tool_choice: { tools: [tool], tool_choice: "required" },
    parallel_tool_calls: { tools: [tool], tool_choice: "none", parallel_tool_calls: false },
    functions: { functions: [{ name: "f", parameters: {} }] },
    function_call: { function_call: "auto" },
    response_format: { response_format: { type: "json_object" } },
    logprobs: { logprobs: true },
    top_logprobs: { logprobs: true, top_logprobs: 2 },
    modalities: { modalities: ["text", "audio"] },
    audio: { audio: { voice: "alloy", format: "wav" } },
    prediction: { prediction: { type: "content", content: "x" } },
    reasoning_effort: { reasoning_effort: "low" },
    verbosity: { verbosity: "low" },
    web_search_options: { web_search_options: {} },
  },
  completions: {
    model: {},
    prompt: {},
    stream: { stream: true },
    stream_options: { stream: true, stream_options: { include_usage: true } },
    temperature: { temperature: 0.5 },
    top_p: { top_p: 0.9 },
    seed: { seed: 3 },
    stop: { stop: "\n\n" },
    store: { store: false },
    user: { user: "user-1" },
    metadata: { metadata: { team: "a" } },
    safety_identifier: { safety_identifier: "s-1" },
    prompt_cache_key: { prompt_cache_key: "k-1" },
    service_tier: { service_tier: "flex" },
    frequency_penalty: { frequency_penalty: 0.5 },
    presence_penalty: { presence_penalty: 0.5 },
    logit_bias: { logit_bias: { "42": -100 } },
    max_tokens: { max_tokens: 2 },
    n: { n: 2 },
    best_of: { best_of: 2 },
    echo: { echo: true },
    logprobs: { logprobs: 1 },
    suffix: { suffix: "end" },
  },
  embeddings: {
    model: {},
    input: {},
    encoding_format: { encoding_format: "float" },
    dimensions: { dimensions: 8 },
    user: { user: "user-1" },
    store: { store: false },
  },
};

const user = { role: "user", content: "Hi" };
/** Each message rule: messages that use it, and the parameter a local model's refusal names. */
const messageSamples: Record<string, { messages: Body[]; param: string | null }> = {
  role: { messages: [{ role: "system", content: "Be brief." }, user], param: null },
  content: { messages: [user], param: null },
  "content[].text": { messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], param: null },
  "content[].image_url": {
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "Hi" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
        ],
      },
    ],
    param: "messages[0].content[1]",
  },
  "content[].input_audio": {
    messages: [
      { role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] },
    ],
    param: "messages[0].content[0]",
  },
  "content[].file": {
    messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-1" } }] }],
    param: "messages[0].content[0]",
  },
  name: { messages: [{ ...user, name: "bob" }], param: "messages[0].name" },
  tool_calls: {
    messages: [
      user,
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "c", content: "42" },
    ],
    param: null,
  },
  tool_call_id: {
    messages: [user, { role: "tool", tool_call_id: "c", content: "42" }],
    param: null,
  },
  refusal: {
    messages: [user, { role: "assistant", content: "no", refusal: "no" }, user],
    param: "messages[1].refusal",
  },
  audio: {
    messages: [user, { role: "assistant", content: "x", audio: { id: "a" } }, user],
    param: "messages[1].audio",
  },
};

const paths = {
  "chat.completions": "/chat/completions",
  completions: "/completions",
  embeddings: "/embeddings",
};

describe("[PLAT-1] every request field is honoured or refused, per backend", () => {
  let both: DemoAndUpstream;
  let upstream: ScriptedUpstream;
  let client: OpenAI;
  let local: string;

  beforeAll(async () => {
    both = await startDemoAndUpstream();
    ({ upstream, client, local } = both);
  });
  beforeEach(() => upstream.reset());
  afterAll(async () => {
    await both?.close();
  });

  const base = (endpoint: string, model: string): Body =>
    endpoint === "chat.completions"
      ? { model, messages: [user], max_tokens: 3 }
      : endpoint === "completions"
        ? { model, prompt: "Hello", max_tokens: 3 }
        : { model, input: "hello" };

  /** Sends through the official client; a stream is read to its end. */
  async function send(endpoint: keyof typeof paths, body: Body): Promise<unknown> {
    const result = await client.post(paths[endpoint], { body, stream: body.stream === true });
    if (body.stream !== true) return result;
    const chunks: unknown[] = [];
    for await (const chunk of result as AsyncIterable<unknown>) chunks.push(chunk);
    return chunks;
  }

  it("has a sample for every row, so no row goes untested", () => {
    for (const [endpoint, table] of Object.entries(parameterTable)) {
      expect(Object.keys(samples[endpoint]!).sort()).toEqual(Object.keys(table).sort());
    }
    expect(Object.keys(messageSamples).sort()).toEqual(Object.keys(messageRules).sort());
  });

  for (const [endpoint, table] of Object.entries(parameterTable) as Array<[keyof typeof paths, object]>) {
    for (const [field, rule] of Object.entries(table) as Array<[string, { local: string }]>) {
      it(`${endpoint} '${field}': local ${rule.local}, upstream passthrough`, async () => {
        const sample = samples[endpoint]![field]!;
        const onLocal = send(endpoint, { ...base(endpoint, local), ...sample });
        if (rule.local === "honoured") await expect(onLocal).resolves.toBeTruthy();
        else
          await expect(onLocal).rejects.toMatchObject({
            status: 400,
            type: "invalid_request_error",
            param: field,
          });
        await send(endpoint, { ...base(endpoint, "up-model"), ...sample });
        const forwarded = upstream.last(paths[endpoint]);
        expect(forwarded.model).toBe("real-name");
        for (const [name, value] of Object.entries(sample)) {
          if (name === "stream_options") expect(forwarded[name]).toEqual({ include_usage: true });
          else expect(forwarded[name]).toEqual(value);
        }
      });
    }
  }

  for (const [field, sample] of Object.entries(messageSamples)) {
    it(`chat.completions 'messages[].${field}': local ${sample.param ? "refused" : "honoured"}, upstream passthrough`, async () => {
      const body = { ...base("chat.completions", local), messages: sample.messages };
      const onLocal = send("chat.completions", body);
      if (sample.param === null) await expect(onLocal).resolves.toBeTruthy();
      else await expect(onLocal).rejects.toMatchObject({ status: 400, param: sample.param });
      await send("chat.completions", { ...body, model: "up-model" });
      expect(upstream.last("/chat/completions").messages).toEqual(sample.messages);
    });
  }

  it("a field in no row is refused on a local model and passed to an upstream", async () => {
    const sample = { frobnicate: { deep: [1, 2] } };
    await expect(
      send("chat.completions", { ...base("chat.completions", local), ...sample }),
    ).rejects.toMatchObject({ status: 400, param: "frobnicate", code: "unsupported_parameter" });
    await send("chat.completions", { ...base("chat.completions", "up-model"), ...sample });
    expect(upstream.last("/chat/completions").frobnicate).toEqual(sample.frobnicate);
  });

  it("stream_options.include_obfuscation: false passes, true is refused on every backend (no padding is added)", async () => {
    for (const endpoint of ["chat.completions", "completions"] as const)
      for (const model of [local, "up-model"]) {
        const streamed = { ...base(endpoint, model), stream: true };
        await expect(
          send(endpoint, {
            ...streamed,
            stream_options: { include_usage: true, include_obfuscation: false },
          }),
        ).resolves.toBeTruthy();
        await expect(
          send(endpoint, { ...streamed, stream_options: { include_obfuscation: true } }),
        ).rejects.toMatchObject({ status: 400, param: "stream_options.include_obfuscation" });
      }
  });

  it("values that ask for nothing pass on a local model (the control for the refusals)", async () => {
    const neutral = {
      n: 1,
      logprobs: false,
      top_logprobs: 0,
      tools: [],
      tool_choice: "none",
      response_format: { type: "text" },
      frequency_penalty: 0,
      presence_penalty: 0,
      logit_bias: {},
      service_tier: "auto",
      modalities: ["text"],
      audio: null,
    };
    await expect(
      send("chat.completions", { ...base("chat.completions", local), ...neutral }),
    ).resolves.toBeTruthy();
    const completion = { n: 1, best_of: 1, echo: false, logprobs: null, suffix: null };
    await expect(send("completions", { ...base("completions", local), ...completion })).resolves.toBeTruthy();
  });

  it("an upstream's whole answer comes back: tool calls, refusal, reasoning, logprobs, fingerprint, tier", async () => {
    const completion = (await send("chat.completions", base("chat.completions", "up-model"))) as {
      choices: Array<{ message: Body; logprobs: unknown; finish_reason: string }>;
      system_fingerprint: string;
      service_tier: string;
      model: string;
      id: string;
    };
    expect(completion.model).toBe("up-model");
    expect(completion.id).not.toBe("upstream-id");
    expect(completion.system_fingerprint).toBe("fp_upstream");
    expect(completion.service_tier).toBe("scale");
    expect(completion.choices[0]!.message).toEqual(upstream.script.message);
    expect(completion.choices[0]!.logprobs).toEqual(upstreamLogprobs);
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("an upstream's stream comes back whole: tool-call deltas, refusal, reasoning, logprobs, fingerprint", async () => {
    const chunks = (await send("chat.completions", {
      ...base("chat.completions", "up-model"),
      stream: true,
    })) as Array<{
      choices: Array<{ delta: Body; logprobs: unknown; finish_reason: string | null }>;
      system_fingerprint?: string;
      service_tier?: string;
    }>;
    const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta));
    expect(deltas.slice(0, upstream.script.deltas.length)).toEqual(upstream.script.deltas);
    expect(chunks.every((chunk) => chunk.system_fingerprint === "fp_upstream")).toBe(true);
    expect(chunks.every((chunk) => chunk.service_tier === "scale")).toBe(true);
    expect(chunks[1]!.choices[0]!.logprobs).toEqual(upstreamLogprobs);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
    const text = (await send("completions", base("completions", "up-model"))) as {
      choices: Array<{ logprobs: unknown }>;
      service_tier: string;
    };
    expect(text.choices[0]!.logprobs).toEqual({ tokens: ["done"] });
    expect(text.service_tier).toBe("scale");
  });

  it("the README's per-backend table is the parameter table", () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
    // Prettier aligns the README's columns: compare cell by cell.
    const cells = (text: string) =>
      text
        .split("\n")
        .filter((line) => line.startsWith("|"))
        .map((line) => line.replace(/\s*\|\s*/g, "|").replace(/\|-+(?=\|)/g, "|---"))
        .join("\n");
    expect(cells(readme)).toContain(cells(supportTableMarkdown()));
  });
});
