// A command of the `custodian` command line, and the commands derived from administrative operations:
// their flags, validation and help line come from the operation's input schema.
import { readFileSync } from "node:fs";
import type { TObject, TSchema } from "@sinclair/typebox";
import type { Config } from "../config/config.ts";
import { CustodianError } from "../core/errors.ts";
import { checkInput, describeSchema, type InputOf, type OutputOf } from "../core/operation.ts";
import { operationTable, type AdminOperationTable } from "../platform/operations.ts";
import { CommandError, runOperation } from "./admin-client.ts";

/** The parsed flags: `--name value` as a string, `--switch` as true. */
export type Flags = Readonly<Record<string, string | boolean | undefined>>;

export interface CommandContext {
  config: Readonly<Config>;
  flags: Flags;
  /** What follows the command's words (`models pull SOURCE`). */
  arguments: readonly string[];
  /** Prints `value` as JSON with --json, otherwise `text`. */
  print(value: unknown, text: string): void;
}

export interface Command {
  /** The words that name it: "keys create". */
  words: string;
  /** Its flags, for the help text: "--org ID [--json]". */
  usage: string;
  description: string;
  /** The flags it reads, as node:util's parseArgs declares them. */
  options: Readonly<Record<string, { type: "string" | "boolean" }>>;
  /** Names of the arguments after its words ("SOURCE"); none when absent. */
  arguments?: string;
  /** It may create the data directory (serve, migrate); every other command refuses to. */
  createsDataDir?: boolean;
  /** The exit code; -1 keeps the process running (serve). */
  run(context: CommandContext): Promise<number>;
}

type Input<Name extends keyof AdminOperationTable> = InputOf<AdminOperationTable[Name]>;
type Output<Name extends keyof AdminOperationTable> = OutputOf<AdminOperationTable[Name]>;

/** How an operation's command line differs from its schema; the rest is derived. */
export interface OperationBinding<Name extends keyof AdminOperationTable> {
  /** Booleans given by presence (`--read-only`) rather than as `on|off`. */
  switches?: ReadonlyArray<keyof Input<Name>>;
  /** Parameters named as a file whose content is sent (`--metadata FILE`). */
  files?: ReadonlyArray<keyof Input<Name>>;
  /** Parameters read from an environment variable, never from the command line (credentials). */
  environment?: Partial<Record<keyof Input<Name>, string>>;
  /** Parameters that are not flags: fixed by the words (`hipaa on`) or made by `input`. */
  omit?: ReadonlyArray<keyof Input<Name>>;
  /** Flags of the command's own that no parameter names (`--jsonl`), read by `input`. */
  switchFlags?: readonly string[];
  /** Parameters made from other flags, and checks across flags; throw a CommandError to refuse. */
  input?(flags: Flags): Partial<Input<Name>>;
  /** What the command prints without --json. */
  text(result: Output<Name>, flags: Flags): string;
  /** Prints the result itself instead (`export`). */
  print?(result: Output<Name>, flags: Flags): void;
  /** The exit code for a result; 0 unless said. */
  exit?(result: Output<Name>): number;
  description?: string;
}

/** The flag of a parameter: `organization` is --org, otherwise its name in kebab case. */
export function flagName(parameter: string): string {
  if (parameter === "organization") return "org";
  return parameter.replace(/_/g, "-").replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

const idParameters = new Set(["organization", "project", "id", "key", "user", "group"]);

function placeholder(parameter: string, schema: TSchema, isFile: boolean): string {
  if (isFile) return "FILE";
  if (typeof schema.title === "string") return schema.title;
  if (schema.type === "boolean") return "on|off";
  if (schema.type === "integer") return "N";
  if (Array.isArray(schema.anyOf))
    return (schema.anyOf as TSchema[]).map((choice) => String(choice.const)).join("|");
  return idParameters.has(parameter) ? "ID" : flagName(parameter).toUpperCase().replace(/-/g, "_");
}

/** A command that runs the operation `name` with the flags its input schema names. */
export function operationCommand<Name extends keyof AdminOperationTable>(
  words: string,
  name: Name,
  binding: OperationBinding<Name>,
): Command {
  const operation = operationTable[name];
  // Read here as any object schema: the typed binding above has already matched it to the operation.
  const schema: TObject = operation.input;
  const names = (list: ReadonlyArray<keyof Input<Name>> | undefined) => (list ?? []).map(String);
  const required = new Set<string>(schema.required ?? []);
  const switches = new Set(names(binding.switches));
  const files = new Set(names(binding.files));
  const hidden = new Set([...names(binding.omit), ...Object.keys(binding.environment ?? {})]);
  const parameters = Object.keys(schema.properties).filter((parameter) => !hidden.has(parameter));
  const options: Record<string, { type: "string" | "boolean" }> = { json: { type: "boolean" } };
  const usage: string[] = [];
  for (const parameter of parameters) {
    const flag = flagName(parameter);
    const isSwitch = switches.has(parameter);
    options[flag] = { type: isSwitch ? "boolean" : "string" };
    const shown = isSwitch
      ? `--${flag}`
      : `--${flag} ${placeholder(parameter, schema.properties[parameter]!, files.has(parameter))}`;
    usage.push(required.has(parameter) ? shown : `[${shown}]`);
  }
  for (const flag of binding.switchFlags ?? []) {
    options[flag] = { type: "boolean" };
    usage.push(`[--${flag}]`);
  }
  const line = [...usage, "[--json]"].join(" ");

  /** A flag's text as the parameter's type; anything else is refused naming the flag. */
  function parse(parameter: string, value: string | boolean): unknown {
    const flag = flagName(parameter);
    const property = schema.properties[parameter]!;
    if (typeof value === "boolean") return value;
    if (files.has(parameter)) return readFileSync(value, "utf8");
    if (property.type === "boolean") {
      if (value !== "on" && value !== "off") throw new CommandError(`--${flag} must be on or off.`);
      return value === "on";
    }
    if (property.type === "integer") {
      if (!/^\d{1,15}$/.test(value)) throw new CommandError(`--${flag} must be ${describeSchema(property)}.`);
      return Number(value);
    }
    return value;
  }

  return {
    words,
    usage: line,
    description: binding.description ?? operation.description,
    options,
    async run({ config, flags, print }) {
      const input: Record<string, unknown> = {};
      for (const parameter of parameters) {
        const value = flags[flagName(parameter)];
        if (value !== undefined && value !== "") input[parameter] = parse(parameter, value);
      }
      for (const [parameter, variable] of Object.entries(binding.environment ?? {})) {
        input[parameter] = process.env[variable as string];
      }
      Object.assign(input, binding.input?.(flags));
      // The schema's own check, before anything runs: its messages name the flags.
      try {
        checkInput(schema, input);
      } catch (error) {
        if (!(error instanceof CustodianError) || !error.param) throw error;
        const flag = `--${flagName(error.param)}`;
        throw new CommandError(
          error.message.startsWith("Missing")
            ? `${flag} is required.\n\nUsage: custodian ${words} ${line}`
            : error.message.replace(`'${error.param}'`, flag),
        );
      }
      const result = (await runOperation(config, name, input)) as Output<Name>;
      if (binding.print) binding.print(result, flags);
      else print(result, binding.text(result, flags));
      return binding.exit?.(result) ?? 0;
    },
  };
}
