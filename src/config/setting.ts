// How one setting is declared and read: a TypeBox schema that carries its variable, default,
// description and whether it is secret, and the reading of a raw value (an environment string, or a
// JSON value from the config file) through that schema into a typed, checked value.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ConfigError } from "./config-error.ts";

/** How a raw value becomes the schema's type: environment variables are always strings. */
export type SettingInput = "text" | "integer" | "flag" | "json";

/** What every setting's schema carries besides its type (TypeBox keeps extra keys on a schema). */
export interface SettingFacts {
  /** The environment variable; the config file names the setting by its key in the schema. */
  env: `CUSTODIAN_${string}`;
  description: string;
  /** Secret settings are never printed: not in errors, logs, or the configuration's printed form. */
  secret: boolean;
  input: SettingInput;
  /** The default as the README shows it, where the value itself would not say it. */
  shownDefault?: string;
  /** What an error says when the value does not fit the schema. */
  errorMessage?: string;
}

export interface Setting<T> {
  schema: TSchema & SettingFacts;
  /** Raw value (undefined: not set) to the typed value; throws ConfigError naming the setting. */
  read(raw: unknown): T;
}

interface Facts {
  env: `CUSTODIAN_${string}`;
  description: string;
  secret?: boolean;
  shownDefault?: string;
  errorMessage?: string;
}

function facts(options: Facts, input: SettingInput): SettingFacts {
  return { ...options, secret: options.secret ?? false, input };
}

/** TypeBox keeps the extra keys it is given; this says so to the type checker. */
function described<S extends TSchema>(schema: S): S & SettingFacts {
  return schema as S & SettingFacts;
}

/** A TypeBox error path ("/0/models/1") as the setting's suffix ("[0].models[1]"). */
function pathSuffix(path: string): string {
  return path
    .split("/")
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, "/").replace(/~0/g, "~")}`))
    .join("");
}

/** Check `value` against `schema`; the first error names the setting (and the part of it) that is wrong. */
export function checkValue(setting: string, schema: TSchema, value: unknown): void {
  const error = Value.Errors(schema, value).First();
  if (!error) return;
  const message = (error.schema as { errorMessage?: unknown }).errorMessage;
  throw new ConfigError(
    `${setting}${pathSuffix(error.path)}`,
    typeof message === "string" ? message : error.message.toLowerCase(),
  );
}

/** A string setting's raw value: file values may be numbers (a port, a host written bare). */
function rawText(setting: string, raw: unknown): string {
  if (typeof raw !== "string" && typeof raw !== "number") throw new ConfigError(setting, "must be a string");
  return String(raw);
}

type Decode<T> = (value: string, setting: string) => T;

/** A text setting that may be unset (null). `decode` checks and converts what is set. */
export function optionalText<T = string>(
  options: Facts & { pattern?: string },
  decode?: Decode<T>,
): Setting<T | null> {
  const { pattern, ...rest } = options;
  const schema = described(Type.String({ ...facts(rest, "text"), ...(pattern ? { pattern } : {}) }));
  return {
    schema,
    read(raw) {
      if (raw === undefined || raw === null) return null;
      const value = rawText(options.env, raw);
      checkValue(options.env, schema, value);
      return decode ? decode(value, options.env) : (value as T);
    },
  };
}

/** A text setting with a default. */
export function text<T = string>(
  options: Facts & { default: string; pattern?: string },
  decode?: Decode<T>,
): Setting<T> {
  const optional = optionalText<T>(options, decode);
  const schema = { ...optional.schema, default: options.default };
  return { schema, read: (raw) => optional.read(raw ?? options.default)! };
}

/** One of a few words (a log level, a kind of store). */
export function choice<const Values extends readonly string[]>(
  values: Values,
  options: Facts & { default: Values[number] },
): Setting<Values[number]> {
  const schema = described(
    Type.Union(
      values.map((value) => Type.Literal(value)),
      {
        ...facts({ errorMessage: `must be one of ${values.join(", ")}`, ...options }, "text"),
        default: options.default,
      },
    ),
  );
  return {
    schema,
    read(raw) {
      if (raw === undefined || raw === null) return options.default;
      const value = rawText(options.env, raw);
      checkValue(options.env, schema, value);
      return value as Values[number];
    },
  };
}

/** A whole number in a range; environment values must be plain digits. */
export function integer(
  options: Facts & { default: number; minimum: number; maximum: number },
): Setting<number> {
  const { minimum, maximum } = options;
  const schema = described(
    Type.Integer({
      ...facts(options, "integer"),
      default: options.default,
      minimum,
      maximum,
      errorMessage: `must be between ${minimum} and ${maximum}`,
    }),
  );
  return {
    schema,
    read(raw) {
      if (raw === undefined || raw === null) return options.default;
      const value = rawText(options.env, raw);
      if (!/^\d+$/.test(value)) {
        const shown = options.secret ? "the value" : `'${value}'`;
        throw new ConfigError(options.env, `${shown} is not a whole number`);
      }
      const number = Number(value);
      checkValue(options.env, schema, number);
      return number;
    },
  };
}

/** On or off: 1/0 or true/false, in the environment or the file. */
export function flag(options: Facts & { default: boolean }): Setting<boolean> {
  const schema = described(Type.Boolean({ ...facts(options, "flag"), default: options.default }));
  return {
    schema,
    read(raw) {
      if (raw === undefined || raw === null) return options.default;
      if (raw === true || raw === "1" || raw === "true") return true;
      if (raw === false || raw === "0" || raw === "false") return false;
      throw new ConfigError(options.env, "must be 1 or 0");
    },
  };
}

/**
 * A JSON array of entries (`item` is each entry's schema): a JSON string in the environment, an array
 * in the file. `decode` makes the checked entries what the platform uses, with checks across entries.
 */
export function jsonList<Item extends TSchema, T>(
  item: Item,
  options: Facts,
  decode: (entries: Static<Item>[], setting: string) => T[],
): Setting<T[]> {
  const schema = described(
    Type.Array(item, { ...facts({ errorMessage: "must be a JSON array", ...options }, "json"), default: [] }),
  );
  return {
    schema,
    read(raw) {
      if (raw === undefined || raw === null) return [];
      let value = raw;
      if (typeof value === "string") {
        try {
          value = JSON.parse(value);
        } catch {
          throw new ConfigError(options.env, "must be a JSON array");
        }
      }
      checkValue(options.env, schema, value);
      return decode(value as Static<Item>[], options.env);
    },
  };
}
