// The contract of an administrative operation: declared once, with TypeBox schemas for its input and
// output, the permission it needs and a description, then offered by the admin socket, the CLI and,
// where a console route does the same thing, the HTTP admin API (docs/architecture.md).
import { Type, type Static, type TObject, type TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType } from "@sinclair/typebox/value";
import { errors } from "./errors.ts";

/** Who runs an operation: the audit log names `actor`. */
export interface OperationCaller {
  /** "cli" (or a test's name) for the installation's administrator; the user's id over HTTP. */
  actor: string;
  /** Set over HTTP: the signed-in member running it, whose organisation the input names. */
  member?: { organizationId: string; userId: string };
}

/** The organisation an operation acts in: most operations' first parameter. */
export const OrganizationId = Type.String({ minLength: 1, maxLength: 100 });

/** Only the installation's administrator (the CLI and the admin socket) may run the operation. */
export const installationOnly = "installation";

export interface Operation<Services, Input extends TObject, Output extends TSchema> {
  /** One line for help texts and the documentation. */
  readonly description: string;
  /**
   * The permission (src/access/permissions.ts) a signed-in member needs where an HTTP route offers the
   * operation, or `installationOnly`. The CLI and the admin socket act for the installation and may
   * run every operation.
   */
  readonly permission: string;
  readonly input: Input;
  readonly output: Output;
  /** Runs against the services it names (the platform's module exports), with input already checked. */
  readonly run: (
    services: Services,
    input: Static<Input>,
    caller: OperationCaller,
  ) => Promise<Static<Output>>;
}

/** An operation of any shape, for tables and dispatchers (they check input against its schema). */
export interface AnyOperation {
  readonly description: string;
  readonly permission: string;
  readonly input: TObject;
  readonly output: TSchema;
  // `never` parameters: every operation's run fits; dispatchers check input and bind services first.
  readonly run: (services: never, input: never, caller: OperationCaller) => Promise<unknown>;
}

/**
 * Declares operations that run against `Services`: `const operation = defineOperation<Services>()`, then
 * `operation({ description, permission, input, output, run })`, so `run`'s input and result are typed.
 */
export function defineOperation<Services>() {
  return <Input extends TObject, Output extends TSchema>(
    operation: Operation<Services, Input, Output>,
  ): Operation<Services, Input, Output> => operation;
}

/** What a value of the schema must be, in words: "a whole number from 0 to 30", "on or off"... */
export function describeSchema(schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) {
    const choices = (schema.anyOf as TSchema[]).map(describeSchema);
    return choices.length > 1 ? `${choices.slice(0, -1).join(", ")} or ${choices.at(-1)!}` : choices[0]!;
  }
  if (schema.const !== undefined) return `'${String(schema.const)}'`;
  switch (schema.type) {
    case "boolean":
      return "true or false";
    case "null":
      return "null";
    case "integer":
    case "number": {
      const kind = schema.type === "integer" ? "a whole number" : "a number";
      const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
      if (minimum !== undefined && maximum !== undefined) return `${kind} from ${minimum} to ${maximum}`;
      if (minimum !== undefined) return `${kind} of ${minimum} or more`;
      return kind;
    }
    case "string":
      return schema.pattern !== undefined || schema.format !== undefined
        ? `a string such as ${String((schema.examples as string[] | undefined)?.[0] ?? schema.pattern)}`
        : "a string";
    default:
      return `of the type ${String(schema.type ?? "described")}`;
  }
}

/**
 * Checks an operation's input against its schema: the first problem becomes a 400 in the platform's
 * error shape, naming the parameter. Absent, null and empty-string optional parameters count as absent.
 */
export function checkInput<Input extends TObject>(schema: Input, input: unknown): Static<Input> {
  const given = typeof input === "object" && input !== null && !Array.isArray(input) ? input : {};
  const cleaned = Object.fromEntries(
    Object.entries(given).filter(([, value]) => value !== undefined && value !== null && value !== ""),
  );
  // Required parameters given as null or "" are missing; optional nullable ones keep their null.
  for (const [name, value] of Object.entries(given)) {
    const property = schema.properties[name];
    if (value === null && property && Value.Check(property, null)) cleaned[name] = null;
  }
  const problem = Value.Errors(schema, cleaned).First();
  if (!problem) return cleaned as Static<Input>;
  const name = problem.path.split("/")[1] ?? "";
  if (problem.type === ValueErrorType.ObjectRequiredProperty)
    throw errors.invalidRequest(`Missing required parameter: '${name}'.`, name);
  const property = schema.properties[name];
  throw errors.invalidRequest(
    property ? `'${name}' must be ${describeSchema(property)}.` : `'${name}' is not valid.`,
    name,
  );
}

/** Operations by name: a domain's, or the platform's whole table (platform/operations.ts). */
export type OperationTable = Readonly<Record<string, AnyOperation>>;

export type InputOf<Op> = Op extends { input: infer Input extends TObject } ? Static<Input> : never;
export type OutputOf<Op> = Op extends { output: infer Output extends TSchema } ? Static<Output> : never;
type ServicesOf<Op> = Op extends { run: (services: infer Services, ...rest: never[]) => unknown }
  ? Services
  : never;
/** One type with every member of a union: the services a whole table needs, a platform's operations. */
export type Intersection<Union> = (Union extends unknown ? (value: Union) => void : never) extends (
  value: infer Both,
) => void
  ? Both
  : never;
/** What a whole table needs to run: every service any of its operations names. */
export type TableServices<Table extends OperationTable> = Intersection<ServicesOf<Table[keyof Table]>>;

/** A table's operations as typed functions for one caller: `operations.setPrivacy({ ... })`. */
export type BoundOperations<Table extends OperationTable> = {
  readonly [Name in keyof Table]: (input: InputOf<Table[Name]>) => Promise<OutputOf<Table[Name]>>;
};

/** Checks the input, then runs the operation; the services were checked against the table when bound. */
export async function runOperation(
  operation: AnyOperation,
  services: unknown,
  input: unknown,
  caller: OperationCaller,
): Promise<unknown> {
  const checked = checkInput(operation.input, input);
  const run = operation.run as (
    services: unknown,
    input: unknown,
    caller: OperationCaller,
  ) => Promise<unknown>;
  return run(services, checked, caller);
}

/** The table bound to its services and a caller; inputs are checked on every call, as from the socket. */
export function bindOperations<Table extends OperationTable>(
  table: Table,
  services: TableServices<Table>,
  caller: OperationCaller,
): BoundOperations<Table> {
  return Object.fromEntries(
    Object.entries(table).map(([name, operation]) => [
      name,
      (input: unknown) => runOperation(operation, services, input, caller),
    ]),
  ) as BoundOperations<Table>;
}
