// Function calling and JSON output on a local model (the real demo model, llama.cpp through
// node-llama-cpp), through the official `openai` client: tool_choice "required" and a named function
// answer OpenAI's tool_calls whose arguments validate against the function's schema (checked with Ajv,
// a real JSON Schema validator), whole and streamed; a tool result turn is accepted; response_format
// json_object and json_schema answers parse and validate; /v1/responses gets the same on a local model.
import { Ajv } from "ajv";
import type OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoModelEnv } from "./helpers/demo-model.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";

const ajv = new Ajv({ strict: false });
type Schema = Record<string, unknown>;
const valid = (schema: Schema, value: unknown) => {
  const check = ajv.compile(schema);
  if (!check(value)) throw new Error(`${JSON.stringify(value)} fails: ${ajv.errorsText(check.errors)}`);
  return true;
};

const weatherParams = {
  type: "object",
  properties: {
    city: { type: "string", maxLength: 12 },
    unit: { type: "string", enum: ["celsius", "fahrenheit"] },
  },
  required: ["city", "unit"],
  additionalProperties: false,
};
const lookupParams = {
  type: "object",
  properties: { ids: { type: "array", items: { type: "integer", enum: [1, 2, 3] }, maxItems: 3 } },
  required: ["ids"],
  additionalProperties: false,
};
const tools = [
  {
    type: "function" as const,
    function: { name: "get_weather", description: "Weather in a city", parameters: weatherParams },
  },
  { type: "function" as const, function: { name: "lookup", parameters: lookupParams } },
];
const paramsOf: Record<string, Schema> = { get_weather: weatherParams, lookup: lookupParams };
const question = [{ role: "user" as const, content: "What is the weather in Paris?" }];

/** The schemas json_schema answers must match: nested objects, arrays, enums, nullable, $defs. */
const schemas: Record<string, Schema> = {
  flat: {
    type: "object",
    properties: { ok: { type: "boolean" }, mood: { enum: ["happy", "sad"] } },
    required: ["ok", "mood"],
    additionalProperties: false,
  },
  nested: {
    type: "object",
    properties: {
      person: {
        type: "object",
        properties: {
          name: { type: "string", maxLength: 10 },
          role: { type: "string", enum: ["admin", "member"] },
          nickname: { anyOf: [{ type: "string", maxLength: 6 }, { type: "null" }] },
        },
        required: ["name", "role", "nickname"],
        additionalProperties: false,
      },
      scores: { type: "array", items: { type: "boolean" }, minItems: 1, maxItems: 3 },
    },
    required: ["person", "scores"],
    additionalProperties: false,
  },
  defs: {
    type: "object",
    $defs: {
      item: {
        type: "object",
        properties: { kind: { const: "item" }, size: { enum: ["s", "m", "l"] } },
        required: ["kind", "size"],
        additionalProperties: false,
      },
    },
    properties: { items: { type: "array", items: { $ref: "#/$defs/item" }, maxItems: 2 } },
    required: ["items"],
    additionalProperties: false,
  },
};

describe("[PLAT-1] local models: function calling and structured outputs", () => {
  let platform: TestPlatform;
  let client: OpenAI;
  let model: string;

  beforeAll(async () => {
    const env = await demoModelEnv();
    model = (JSON.parse(env.CUSTODIAN_MODELS!) as Array<{ id: string }>)[0]!.id;
    platform = await startTestPlatform({ env });
    client = platform.client({ timeout: 120_000 });
  });
  afterAll(async () => {
    await platform?.close();
  });

  const chat = (body: Omit<ChatCompletionCreateParamsNonStreaming, "model">) =>
    client.chat.completions.create({ model, max_tokens: 200, ...body });

  /** Every call is OpenAI's shape and its arguments validate against its function's schema. */
  function expectValidCalls(
    calls: Array<{ id: string; type: string; function: { name: string; arguments: string } }>,
  ) {
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.id).toMatch(/^call_[A-Za-z0-9]+$/);
      expect(call.type).toBe("function");
      expect(valid(paramsOf[call.function.name]!, JSON.parse(call.function.arguments))).toBe(true);
    }
  }

  it("[PLAT-1] tool_choice required: a call to one of the tools, arguments valid against its schema", async () => {
    for (const parallel of [false, true]) {
      // Up to 4 calls of up to ~90 characters each, on a tokenizer of about a character a token.
      const completion = await chat({
        messages: question,
        tools,
        tool_choice: "required",
        parallel_tool_calls: parallel,
        max_tokens: 600,
      });
      const choice = completion.choices[0]!;
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.role).toBe("assistant");
      expect(choice.message.content).toBeNull();
      const calls = choice.message.tool_calls as Parameters<typeof expectValidCalls>[0];
      expectValidCalls(calls);
      if (!parallel) expect(calls).toHaveLength(1);
      else expect(calls.length).toBeLessThanOrEqual(4);
      expect(new Set(calls.map((call) => call.id)).size).toBe(calls.length);
    }
  });

  it("[PLAT-1] a named function: exactly that function, arguments valid", async () => {
    for (const name of ["get_weather", "lookup"]) {
      const completion = await chat({
        messages: question,
        tools,
        tool_choice: { type: "function", function: { name } },
      });
      const calls = completion.choices[0]!.message.tool_calls as Parameters<typeof expectValidCalls>[0];
      expect(calls).toHaveLength(1);
      expect(calls[0]!.function.name).toBe(name);
      expectValidCalls(calls);
      expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    }
  });

  it("[PLAT-1] streamed tool calls come as OpenAI streams them and reassemble to the same shape", async () => {
    const stream = await client.chat.completions.create({
      model,
      max_tokens: 600,
      messages: question,
      tools,
      tool_choice: "required",
      stream: true,
    });
    const calls: Array<{ id: string; type: string; function: { name: string; arguments: string } }> = [];
    let finish: string | null = null;
    let pieces = 0;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      finish = choice.finish_reason ?? finish;
      for (const delta of choice.delta.tool_calls ?? []) {
        pieces += 1;
        const call = calls[delta.index];
        if (!call) {
          // The first piece of a call: its index, id, type and name (arguments follow in fragments).
          expect(delta.id).toMatch(/^call_/);
          expect(delta.type).toBe("function");
          expect(delta.function?.name).toBeTruthy();
          calls[delta.index] = {
            id: delta.id!,
            type: "function",
            function: { name: delta.function!.name!, arguments: delta.function?.arguments ?? "" },
          };
        } else {
          expect(delta.id).toBeUndefined();
          expect(delta.function?.name).toBeUndefined();
          call.function.arguments += delta.function?.arguments ?? "";
        }
      }
    }
    expect(finish).toBe("tool_calls");
    expect(pieces).toBeGreaterThan(calls.length); // arguments came in fragments, not whole
    expectValidCalls(calls);
  });

  it("[PLAT-1] a tool result turn is accepted and fed to the model, with tools or without", async () => {
    const first = await chat({
      messages: question,
      tools,
      tool_choice: { type: "function", function: { name: "get_weather" } },
    });
    const assistant = first.choices[0]!.message;
    const call = assistant.tool_calls![0]!;
    const messages = [
      ...question,
      { role: "assistant" as const, content: null, tool_calls: assistant.tool_calls! },
      { role: "tool" as const, tool_call_id: call.id, content: '{"temperature": 21}' },
    ];
    const answer = await chat({ messages, tools, tool_choice: "none", max_tokens: 8 });
    expect(answer.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(typeof answer.choices[0]!.message.content).toBe("string");
    // The history with the call and its result counts: the prompt is longer than the question alone.
    const plain = await chat({ messages: question, max_tokens: 8 });
    expect(answer.usage!.prompt_tokens).toBeGreaterThan(plain.usage!.prompt_tokens);
    const again = await chat({ messages, tools, tool_choice: "required", parallel_tool_calls: false });
    expectValidCalls(again.choices[0]!.message.tool_calls as Parameters<typeof expectValidCalls>[0]);
  });

  it("[PLAT-1] tool_choice none answers text; auto lets the model decide, in OpenAI's shape either way", async () => {
    const none = await chat({ messages: question, tools, tool_choice: "none", max_tokens: 8 });
    expect(none.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(typeof none.choices[0]!.message.content).toBe("string");
    expect(["stop", "length"]).toContain(none.choices[0]!.finish_reason);
    // node-llama-cpp documents the tools in the system prompt (~900 of the demo model's 1024 tokens).
    // With no max_tokens the answer ends when the context is full: that system prompt cannot be shifted out.
    const auto = await chat({ messages: question, tools: [tools[1]!], max_tokens: null });
    const message = auto.choices[0]!.message;
    if (message.tool_calls?.length)
      expectValidCalls(message.tool_calls as Parameters<typeof expectValidCalls>[0]);
    else expect(typeof message.content).toBe("string");
  });

  it("[PLAT-1] response_format json_schema: every answer parses and validates, for several schemas", async () => {
    for (const [name, schema] of Object.entries(schemas)) {
      for (const stream of [false, true]) {
        let text = "";
        if (stream) {
          const chunks = await client.chat.completions.create({
            model,
            max_tokens: 300,
            messages: question,
            response_format: { type: "json_schema", json_schema: { name, strict: true, schema } },
            stream: true,
          });
          for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? "";
        } else {
          const completion = await chat({
            max_tokens: 300,
            messages: question,
            response_format: { type: "json_schema", json_schema: { name, strict: true, schema } },
          });
          expect(completion.choices[0]!.finish_reason).toBe("stop");
          text = completion.choices[0]!.message.content!;
        }
        expect(valid(schema, JSON.parse(text))).toBe(true);
      }
    }
  });

  it("[PLAT-1] response_format json_object: what the model finishes parses as a JSON object", async () => {
    // The demo model writes long nonsense strings; a grammar keeps them JSON, and some seeds finish.
    let finished = 0;
    for (let seed = 1; seed <= 40 && finished < 2; seed++) {
      const completion = await chat({
        messages: [{ role: "user", content: "Answer in JSON." }],
        response_format: { type: "json_object" },
        max_tokens: 200,
        seed,
      });
      const choice = completion.choices[0]!;
      if (choice.finish_reason !== "stop") {
        expect(choice.finish_reason).toBe("length");
        expect(choice.message.content!.trimStart().startsWith("{")).toBe(true);
        continue;
      }
      finished += 1;
      const parsed = JSON.parse(choice.message.content!) as unknown;
      expect(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)).toBe(true);
    }
    expect(finished).toBeGreaterThan(0);
  });

  it("[PLAT-1] a schema the grammar cannot enforce, or a bad tool choice, is a 400 naming the parameter", async () => {
    const refused = (body: Record<string, unknown>, param: string) =>
      expect(
        client.chat.completions.create({ model, messages: question, max_tokens: 5, ...body } as never),
      ).rejects.toMatchObject({ status: 400, type: "invalid_request_error", param });
    const pattern = { type: "object", properties: { a: { type: "string", pattern: "^x" } } };
    await refused(
      { tools: [{ type: "function", function: { name: "f", parameters: pattern } }] },
      "tools[0].function.parameters",
    );
    await refused(
      { tools: [tools[0], { type: "function", function: { name: "bad name!" } }] },
      "tools[1].function.name",
    );
    await refused(
      { response_format: { type: "json_schema", json_schema: { name: "x", schema: pattern } } },
      "response_format.json_schema.schema",
    );
    await refused({ tool_choice: "required" }, "tool_choice");
    await refused(
      { tools, tool_choice: { type: "function", function: { name: "nope" } } },
      "tool_choice.function.name",
    );
    await refused({ tools: [{ type: "custom", custom: { name: "x" } }] }, "tools[0]");
    // The control: the same request with an enforceable schema is answered.
    const fine = { type: "object", properties: { a: { type: "string", maxLength: 3 } } };
    await expect(
      chat({
        messages: question,
        tools: [{ type: "function", function: { name: "f", parameters: fine } }],
        tool_choice: "required",
      }),
    ).resolves.toBeTruthy();
  });

  it("[PLAT-1] /v1/responses on a local model: function tools and text.format json_schema", async () => {
    const called = await client.responses.create({
      model,
      input: "What is the weather in Paris?",
      tools: tools.map((tool) => ({ type: "function" as const, strict: true, ...tool.function })),
      tool_choice: "required",
      parallel_tool_calls: false,
      max_output_tokens: 200,
    });
    const calls = called.output.filter((item) => item.type === "function_call");
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.call_id).toMatch(/^call_/);
    expect(valid(paramsOf[call.name]!, JSON.parse(call.arguments))).toBe(true);
    const formatted = await client.responses.create({
      model,
      input: "Describe someone.",
      text: { format: { type: "json_schema", name: "person", strict: true, schema: schemas.nested! } },
      max_output_tokens: 300,
    });
    expect(valid(schemas.nested!, JSON.parse(formatted.output_text))).toBe(true);
    // Streamed: OpenAI's typed events, the arguments in .delta events that add up to the .done ones.
    const stream = await client.responses.create({
      model,
      input: "What is the weather in Paris?",
      tools: tools.map((tool) => ({ type: "function" as const, strict: true, ...tool.function })),
      tool_choice: { type: "function", name: "get_weather" },
      max_output_tokens: 200,
      stream: true,
    });
    let deltas = "";
    let done = "";
    for await (const event of stream) {
      if (event.type === "response.function_call_arguments.delta") deltas += event.delta;
      if (event.type === "response.function_call_arguments.done") done = event.arguments;
    }
    expect(deltas).toBe(done);
    expect(valid(weatherParams, JSON.parse(done))).toBe(true);
  });
});
