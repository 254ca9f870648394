// What shape a local model's answer must take, read from a chat request's tools, tool_choice,
// parallel_tool_calls and response_format: plain text, JSON (any object, or matching a schema), or
// function calls. Checked on the HTTP thread (a bad tool schema is a 400 naming it before any model
// work) and sent to the llama.cpp worker as plain data, where it becomes a grammar or node-llama-cpp's
// function calling (llama/output-shaping.ts).
import { errors } from "../core/errors.ts";
import { toGrammarSchema, type GrammarSchema } from "./grammar-schema.ts";

export interface FunctionSpec {
  name: string;
  description?: string;
  /** The arguments' schema, in the grammar's form (always an object). */
  parameters: GrammarSchema;
}

export type OutputPlan =
  | { type: "text" }
  /** JSON text: any object (json_object), or one matching `schema` (json_schema). */
  | { type: "json"; schema: GrammarSchema | null }
  /**
   * Function tools. "auto": node-llama-cpp's function calling, the model decides whether to call.
   * "required" (or one named function, then `functions` holds only it): the answer is constrained by a
   * grammar to be calls whose arguments match their schema.
   */
  | { type: "tools"; choice: "auto" | "required"; functions: FunctionSpec[]; parallel: boolean };

/** Calls at most in one answer under "required" with parallel tool calls (a grammar needs a bound). */
export const maxParallelCalls = 4;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const namePattern = /^[a-zA-Z0-9_-]{1,64}$/;

/** A function's parameters schema: absent, `{}` or without a type, it describes an object (as OpenAI reads it). */
function objectByDefault(parameters: unknown): unknown {
  if (parameters == null) return { type: "object", properties: {} };
  if (!isObject(parameters)) return parameters;
  const typed = ["type", "anyOf", "oneOf", "$ref", "enum", "const"].some((key) => key in parameters);
  return typed ? parameters : { type: "object", ...parameters };
}

function functions(tools: unknown): FunctionSpec[] {
  if (tools == null) return [];
  if (!Array.isArray(tools)) throw errors.invalidRequest("'tools' is an array of function tools.", "tools");
  const seen = new Set<string>();
  return tools.map((tool: unknown, index) => {
    const param = `tools[${index}]`;
    if (!isObject(tool) || tool.type !== "function" || !isObject(tool.function))
      throw errors.invalidRequest(
        `'${param}' is not a function tool: local models take { type: "function", function: {...} }.`,
        param,
      );
    const fn = tool.function;
    if (typeof fn.name !== "string" || !namePattern.test(fn.name))
      throw errors.invalidRequest(
        `'${param}.function.name' must be 1 to 64 letters, digits, underscores or dashes.`,
        `${param}.function.name`,
      );
    if (seen.has(fn.name))
      throw errors.invalidRequest(`Two tools are named '${fn.name}'.`, `${param}.function.name`);
    seen.add(fn.name);
    const where = `${param}.function.parameters`;
    const parameters = toGrammarSchema(objectByDefault(fn.parameters), where);
    if (parameters.type !== "object")
      throw errors.invalidRequest(`'${where}' must be a schema of type "object".`, where, "invalid_schema");
    return {
      name: fn.name,
      ...(typeof fn.description === "string" ? { description: fn.description } : {}),
      parameters,
    };
  });
}

function jsonPlan(format: unknown): OutputPlan {
  if (format == null) return { type: "text" };
  if (!isObject(format))
    throw errors.invalidRequest("'response_format' is an object with a 'type'.", "response_format");
  if (format.type === "text") return { type: "text" };
  if (format.type === "json_object") return { type: "json", schema: null };
  if (format.type !== "json_schema")
    throw errors.invalidRequest(
      `Unknown response_format type '${String(format.type)}': text, json_object or json_schema.`,
      "response_format.type",
    );
  const spec = format.json_schema;
  if (!isObject(spec) || typeof spec.name !== "string" || !namePattern.test(spec.name))
    throw errors.invalidRequest(
      "'response_format.json_schema' needs a 'name' of 1 to 64 letters, digits, underscores or dashes.",
      "response_format.json_schema.name",
    );
  if (spec.schema == null) return { type: "json", schema: null };
  return { type: "json", schema: toGrammarSchema(spec.schema, "response_format.json_schema.schema") };
}

/** The plan for a chat request on a local model, or a 400 naming the field that cannot be honoured. */
export function outputPlan(request: Json): OutputPlan {
  const tools = functions(request.tools);
  const json = jsonPlan(request.response_format);
  const choice = request.tool_choice ?? (tools.length > 0 ? "auto" : "none");
  const parallel = request.parallel_tool_calls ?? true;
  if (typeof parallel !== "boolean")
    throw errors.invalidRequest("'parallel_tool_calls' is true or false.", "parallel_tool_calls");
  if (choice === "none") return json;
  if (tools.length === 0)
    throw errors.invalidRequest("'tool_choice' is only allowed when 'tools' are given.", "tool_choice");
  if (choice === "auto") {
    if (json.type !== "text")
      throw errors.invalidRequest(
        "On local models 'response_format' JSON and tools the model may call ('tool_choice' auto) cannot be combined: node-llama-cpp constrains one or the other. Use tool_choice \"required\", a named function or \"none\".",
        "response_format",
      );
    return { type: "tools", choice: "auto", functions: tools, parallel };
  }
  if (choice === "required") return { type: "tools", choice: "required", functions: tools, parallel };
  const named =
    isObject(choice) && choice.type === "function" && isObject(choice.function) ? choice.function : null;
  if (named) {
    const fn = tools.find((tool) => tool.name === named.name);
    if (!fn)
      throw errors.invalidRequest(
        `'tool_choice' names a function that is not among the tools.`,
        "tool_choice.function.name",
      );
    return { type: "tools", choice: "required", functions: [fn], parallel: false };
  }
  throw errors.invalidRequest(
    `'tool_choice' is "none", "auto", "required" or { type: "function", function: { name } }.`,
    "tool_choice",
  );
}
