// Freezes the loaded configuration so that nothing changes it, and so that printing it, whole or in
// part (JSON, pino, console.log, util.inspect), shows "[secret]" wherever a secret setting's value is.
import { inspect } from "node:util";
import type { TSchema } from "@sinclair/typebox";

export const hidden = "[secret]";

/** The values of `value` that its schema marks secret, nested entries (an upstream's apiKey) included. */
export function secretsIn(schema: TSchema, value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if ((schema as { secret?: unknown }).secret === true) return [value];
  const found: unknown[] = [];
  if (Array.isArray(value) && schema.items) {
    for (const item of value) found.push(...secretsIn(schema.items as TSchema, item));
  } else if (typeof value === "object" && schema.properties) {
    for (const [key, inner] of Object.entries(schema.properties as Record<string, TSchema>)) {
      found.push(...secretsIn(inner, (value as Record<string, unknown>)[key]));
    }
  } else if (Array.isArray(schema.anyOf)) {
    for (const variant of schema.anyOf as TSchema[]) found.push(...secretsIn(variant, value));
  }
  return found;
}

function redacted(value: unknown, secrets: ReadonlySet<unknown>): unknown {
  // Buffers in the configuration are keys.
  if (Buffer.isBuffer(value)) return hidden;
  if (typeof value === "string") return secrets.has(value) ? hidden : value;
  if (Array.isArray(value)) return value.map((item) => redacted(item, secrets));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redacted(inner, secrets)]));
  }
  return value;
}

/**
 * Freeze `value` and everything in it. Each object gets a hidden `toJSON` and inspector that print it
 * with secrets replaced, so a secret cannot be logged by logging the configuration or a part of it.
 */
export function freezeConfig<T>(value: T, secretValues: unknown[]): Readonly<T> {
  const secrets = new Set(secretValues.filter((secret) => typeof secret === "string"));
  const visit = (node: unknown): void => {
    if (!node || typeof node !== "object" || Buffer.isBuffer(node)) return;
    for (const inner of Object.values(node)) visit(inner);
    if (!Array.isArray(node)) {
      const view = () => redacted(node, secrets);
      Object.defineProperty(node, "toJSON", { value: view, enumerable: false });
      Object.defineProperty(node, inspect.custom, {
        value: (_depth: number, options: object) => inspect(view(), options),
        enumerable: false,
      });
    }
    Object.freeze(node);
  };
  visit(value);
  return value;
}
