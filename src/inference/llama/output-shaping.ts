// Inside the llama.cpp worker: turns a request's output plan (output-plan.ts) into what node-llama-cpp's
// LlamaChat takes, and its answer back into text or tool calls. JSON answers and forced function calls
// are sampled under a grammar made by node-llama-cpp from a JSON schema, so they always parse and match;
// "auto" tool choice uses node-llama-cpp's own function calling, where the model decides whether to call.
import type {
  ChatHistoryItem,
  ChatModelFunctions,
  GbnfJsonSchema,
  Llama,
  LlamaChatResponse,
  LlamaChatResponseFunctionCallParamsChunk,
  LlamaGrammar,
} from "node-llama-cpp";
import { maxParallelCalls, type FunctionSpec, type OutputPlan } from "../output-plan.ts";
import type { GrammarSchema } from "../grammar-schema.ts";
import type { Generated, ToolCall, ToolCallDelta } from "./llama-protocol.ts";
import { ToolCallStream, toolCallId } from "./tool-call-stream.ts";

export interface ShapeCallbacks {
  onText?: ((text: string) => void) | undefined;
  onTool?: ((delta: ToolCallDelta) => void) | undefined;
}

/** The options of LlamaChat.generateResponse this plan sets. */
export interface ShapedOptions {
  onTextChunk?: (text: string) => void;
  grammar?: LlamaGrammar;
  functions?: ChatModelFunctions;
  documentFunctionParams?: boolean;
  maxParallelFunctionCalls?: number;
  onFunctionCallParamsChunk?: (chunk: LlamaChatResponseFunctionCallParamsChunk) => void;
}

export interface ShapedChat {
  history: ChatHistoryItem[];
  /** Functions the chat wrapper documents in the prompt (auto tool choice), for counting its tokens. */
  availableFunctions?: ChatModelFunctions;
  options: ShapedOptions;
  finish(
    response: LlamaChatResponse<ChatModelFunctions>,
  ): Pick<Generated, "text" | "toolCalls" | "finishReason">;
}

/** Grammars by schema text: building one parses the schema and compiles its GBNF. */
const grammars = new Map<string, Promise<LlamaGrammar>>();
const cachedGrammars = 32;

function grammarFor(llama: Llama, schema: GrammarSchema | null): Promise<LlamaGrammar> {
  const key = schema === null ? "json" : JSON.stringify(schema);
  let grammar = grammars.get(key);
  if (!grammar) {
    // The schema was checked against the grammar's subset on the HTTP thread (grammar-schema.ts).
    grammar =
      schema === null
        ? llama.getGrammarFor("json")
        : // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the schema's shape is only known at run time
          llama.createGrammarForJsonSchema(schema as any);
    grammar.catch(() => grammars.delete(key));
    grammars.set(key, grammar);
    if (grammars.size > cachedGrammars) grammars.delete(grammars.keys().next().value!);
  }
  return grammar;
}

function finishReason(stopReason: string, calls: boolean): Generated["finishReason"] {
  if (stopReason === "maxTokens") return "length";
  return calls ? "tool_calls" : "stop";
}

/** The grammar's schema for forced calls: an array of `{ name, arguments }`, one per call. */
function callsSchema(functions: FunctionSpec[], parallel: boolean): GrammarSchema {
  const call = (fn: FunctionSpec) => ({
    type: "object",
    properties: { name: { const: fn.name }, arguments: fn.parameters },
  });
  return {
    type: "array",
    items: functions.length === 1 ? call(functions[0]!) : { oneOf: functions.map(call) },
    minItems: 1,
    maxItems: parallel ? maxParallelCalls : 1,
  };
}

/** The forced calls' instructions, in the system turn: the model sees what it may call. */
function withToolInstructions(history: ChatHistoryItem[], functions: FunctionSpec[]): ChatHistoryItem[] {
  const lines = functions.map(
    (fn) =>
      `- ${fn.name}${fn.description ? `: ${fn.description}` : ""} Parameters: ${JSON.stringify(fn.parameters)}`,
  );
  const text = `Answer by calling functions, as a JSON array of {"name", "arguments"}. Functions:\n${lines.join("\n")}`;
  const first = history[0];
  if (first?.type === "system" && typeof first.text === "string")
    return [{ type: "system", text: `${first.text}\n\n${text}` }, ...history.slice(1)];
  return [{ type: "system", text }, ...history];
}

export async function shapeChat(
  plan: OutputPlan | undefined,
  llama: Llama,
  history: ChatHistoryItem[],
  callbacks: ShapeCallbacks,
): Promise<ShapedChat> {
  const { onText, onTool } = callbacks;
  const text = onText ? { onTextChunk: onText } : {};
  if (!plan || plan.type === "text")
    return {
      history,
      options: text,
      finish: (response) => ({
        text: response.response,
        finishReason: finishReason(response.metadata.stopReason, false),
      }),
    };
  if (plan.type === "json") {
    const grammar = await grammarFor(llama, plan.schema);
    return {
      history,
      options: { ...text, grammar },
      finish: (response) => ({
        text: response.response,
        finishReason: finishReason(response.metadata.stopReason, false),
      }),
    };
  }
  if (plan.choice === "required") {
    const grammar = await grammarFor(llama, callsSchema(plan.functions, plan.parallel));
    const calls = new ToolCallStream(onTool);
    return {
      history: withToolInstructions(history, plan.functions),
      options: { grammar, onTextChunk: (chunk) => calls.push(chunk) },
      finish: (response) => ({
        text: "",
        toolCalls: calls.calls,
        finishReason: finishReason(response.metadata.stopReason, true),
      }),
    };
  }
  // "auto": node-llama-cpp documents the functions in the prompt and watches for the model's calls.
  const functions: ChatModelFunctions = Object.fromEntries(
    plan.functions.map((fn) => [
      fn.name,
      {
        ...(fn.description ? { description: fn.description } : {}),
        params: fn.parameters as GbnfJsonSchema,
      },
    ]),
  );
  const ids: string[] = [];
  const idFor = (index: number) => (ids[index] ??= toolCallId());
  return {
    history,
    availableFunctions: functions,
    options: {
      ...text,
      functions,
      documentFunctionParams: true,
      ...(plan.parallel ? {} : { maxParallelFunctionCalls: 1 }),
      ...(onTool
        ? {
            onFunctionCallParamsChunk: (chunk: LlamaChatResponseFunctionCallParamsChunk) => {
              const first = ids[chunk.callIndex] === undefined;
              const id = idFor(chunk.callIndex);
              if (first) onTool({ index: chunk.callIndex, id, name: chunk.functionName, arguments: "" });
              if (chunk.paramsChunk.length > 0)
                onTool({ index: chunk.callIndex, arguments: chunk.paramsChunk });
            },
          }
        : {}),
    },
    finish: (response) => {
      const toolCalls: ToolCall[] = (response.functionCalls ?? []).map((call, index) => ({
        id: idFor(index),
        name: call.functionName,
        arguments: JSON.stringify(call.params ?? {}),
      }));
      return {
        text: response.response,
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
        finishReason: finishReason(response.metadata.stopReason, toolCalls.length > 0),
      };
    },
  };
}
