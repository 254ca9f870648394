// Turns a request's JSON Schema (response_format json_schema, a function tool's parameters) into the
// subset that node-llama-cpp's JSON-schema grammar enforces token by token, so a local model's output
// always parses and matches it. A keyword the grammar cannot enforce (pattern, minimum, allOf...) is
// refused with a 400 naming where it sits, never dropped: the output could break it.
import { errors } from "../core/errors.ts";

/** A schema node node-llama-cpp's createGrammarForJsonSchema takes (GbnfJsonSchema), as plain data. */
export type GrammarSchema = Record<string, unknown>;

type Json = Record<string, unknown>;

/** Keywords that describe and constrain nothing: dropped. */
const annotations = new Set([
  "title",
  "$schema",
  "$id",
  "$comment",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
]);
const typeKeywords: Record<string, readonly string[]> = {
  string: ["minLength", "maxLength", "format"],
  object: ["properties", "required", "additionalProperties", "minProperties", "maxProperties"],
  array: ["items", "prefixItems", "minItems", "maxItems"],
  number: [],
  integer: [],
  boolean: [],
  null: [],
};
const allTypeKeywords = new Set(Object.values(typeKeywords).flat());
const formats = new Set(["date-time", "date", "time"]);
const maxNodes = 2000;
const maxDepth = 32;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isLiteral = (value: unknown) =>
  value === null || ["string", "number", "boolean"].includes(typeof value);

class Converter {
  #nodes = 0;
  readonly defs: Json = {};

  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  refuse(where: string, why: string): never {
    throw errors.invalidRequest(
      `Invalid schema for '${where}': ${why} Local models enforce a schema with a grammar, which supports type, properties, required, additionalProperties, items, prefixItems, enum, const, anyOf/oneOf, $ref to $defs, min/max length, items and properties, and the formats date-time, date and time.`,
      this.root,
      "invalid_schema",
    );
  }

  convert(schema: unknown, where: string, depth: number): GrammarSchema {
    if (++this.#nodes > maxNodes) this.refuse(where, `more than ${maxNodes} schema nodes.`);
    if (depth > maxDepth) this.refuse(where, `nested deeper than ${maxDepth} levels.`);
    if (!isObject(schema)) this.refuse(where, "a schema is a JSON object.");
    const out: GrammarSchema = {};
    if (typeof schema.description === "string") out.description = schema.description;
    const rest = Object.entries(schema).filter(([key]) => !annotations.has(key) && key !== "description");
    const keys = new Set(rest.map(([key]) => key));
    if (depth === 0) this.#collectDefs(schema, where);
    keys.delete("$defs");
    keys.delete("definitions");
    for (const key of keys)
      if (!allTypeKeywords.has(key) && !["type", "enum", "const", "anyOf", "oneOf", "$ref"].includes(key))
        this.refuse(`${where}.${key}`, `the keyword '${key}' cannot be enforced.`);
    const alone = (key: string) => {
      if (keys.size > 1) this.refuse(where, `'${key}' beside other keywords cannot be enforced.`);
    };
    if (keys.has("$ref")) {
      alone("$ref");
      const ref = String(schema.$ref);
      const match = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref);
      if (!match || !(match[1]! in this.defs)) this.refuse(`${where}.$ref`, "a reference points to $defs.");
      return { ...out, $ref: `#/$defs/${match[1]}` };
    }
    for (const key of ["anyOf", "oneOf"])
      if (keys.has(key)) {
        alone(key);
        const options = schema[key];
        if (!Array.isArray(options) || options.length === 0)
          this.refuse(`${where}.${key}`, "a non-empty array of schemas.");
        return {
          ...out,
          oneOf: options.map((option, i) => this.convert(option, `${where}.${key}[${i}]`, depth + 1)),
        };
      }
    if (keys.has("const")) {
      if (!isLiteral(schema.const)) this.refuse(`${where}.const`, "only a string, number, boolean or null.");
      return { ...out, const: schema.const };
    }
    if (keys.has("enum")) {
      const values = schema.enum;
      if (!Array.isArray(values) || values.length === 0 || !values.every(isLiteral))
        this.refuse(`${where}.enum`, "strings, numbers, booleans or null.");
      return { ...out, enum: values };
    }
    const types = typeof schema.type === "string" ? [schema.type] : schema.type;
    if (!Array.isArray(types) || types.length === 0) this.refuse(where, "every schema names its 'type'.");
    for (const type of types)
      if (typeof type !== "string" || !(type in typeKeywords))
        this.refuse(`${where}.type`, `unknown type '${String(type)}'.`);
    if (types.length > 1)
      return { ...out, oneOf: (types as string[]).map((type) => this.#typed(schema, type, where, depth)) };
    return { ...out, ...this.#typed(schema, types[0] as string, where, depth) };
  }

  /** One type's node, with the keywords that apply to that type (the others constrain nothing). */
  #typed(schema: Json, type: string, where: string, depth: number): GrammarSchema {
    const out: GrammarSchema = { type };
    const count = (key: string) => {
      const value = schema[key];
      if (value === undefined) return;
      if (!Number.isInteger(value) || (value as number) < 0)
        this.refuse(`${where}.${key}`, "a non-negative integer.");
      out[key] = value;
    };
    if (type === "string") {
      count("minLength");
      count("maxLength");
      if (schema.format !== undefined) {
        if (!formats.has(String(schema.format)))
          this.refuse(`${where}.format`, `the format '${String(schema.format)}' cannot be enforced.`);
        if (schema.minLength !== undefined || schema.maxLength !== undefined)
          this.refuse(where, "a format with a length cannot be enforced.");
        return { type, format: schema.format };
      }
    } else if (type === "object") {
      const properties = schema.properties ?? {};
      if (!isObject(properties)) this.refuse(`${where}.properties`, "an object of schemas.");
      out.properties = Object.fromEntries(
        Object.entries(properties).map(([name, value]) => [
          name,
          this.convert(value, `${where}.properties.${name}`, depth + 1),
        ]),
      );
      const required = schema.required;
      if (
        required !== undefined &&
        (!Array.isArray(required) || required.some((name) => !(name in properties)))
      )
        this.refuse(`${where}.required`, "names of properties the schema lists.");
      const extra = schema.additionalProperties;
      if (extra === true) out.additionalProperties = true;
      else if (extra !== undefined && extra !== false)
        out.additionalProperties = this.convert(extra, `${where}.additionalProperties`, depth + 1);
      count("minProperties");
      count("maxProperties");
    } else if (type === "array") {
      if (schema.items !== undefined) out.items = this.convert(schema.items, `${where}.items`, depth + 1);
      if (schema.prefixItems !== undefined) {
        if (!Array.isArray(schema.prefixItems)) this.refuse(`${where}.prefixItems`, "an array of schemas.");
        out.prefixItems = schema.prefixItems.map((item, i) =>
          this.convert(item, `${where}.prefixItems[${i}]`, depth + 1),
        );
      }
      count("minItems");
      count("maxItems");
    }
    return out;
  }

  #collectDefs(schema: Json, where: string): void {
    for (const key of ["$defs", "definitions"]) {
      const defs = schema[key];
      if (defs === undefined) continue;
      if (!isObject(defs)) this.refuse(`${where}.${key}`, "an object of schemas.");
      // Named first, so definitions may refer to each other.
      for (const name of Object.keys(defs)) this.defs[name] = {};
      for (const [name, value] of Object.entries(defs))
        this.defs[name] = this.convert(value, `${where}.${key}.${name}`, 1);
    }
  }
}

/**
 * The grammar's form of `schema`, or a 400 naming `param`. `where` is the schema's path as the caller
 * wrote it, quoted in the message.
 */
export function toGrammarSchema(schema: unknown, param: string): GrammarSchema {
  const converter = new Converter(param);
  const converted = converter.convert(schema, param, 0);
  return Object.keys(converter.defs).length > 0 ? { ...converted, $defs: converter.defs } : converted;
}
