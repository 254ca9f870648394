// Reading the parameters of an administrative operation (from the CLI or the admin socket): one set of
// rules and one wording of errors for every domain's operations.
import { errors } from "./errors.ts";

export type OperationInput = Record<string, unknown>;
export type Operation = (input: OperationInput) => Promise<unknown>;

/** A string parameter; absent (missing, null or empty) is undefined. */
export function optionalText(input: OperationInput, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw errors.invalidRequest(`'${name}' must be a string.`, name);
  return value;
}

export function requiredText(input: OperationInput, name: string): string {
  const value = optionalText(input, name);
  if (value === undefined) throw errors.invalidRequest(`Missing required parameter: '${name}'.`, name);
  return value;
}

/** A true/false parameter; absent is undefined. */
export function optionalFlag(input: OperationInput, name: string): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw errors.invalidRequest(`'${name}' must be true or false.`, name);
  return value;
}
