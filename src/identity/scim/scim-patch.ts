// PATCH operations (RFC 7644 section 3.5.2) in the shapes identity providers really send, reduced to
// one form: Entra ID capitalises ops ("Replace") and sends booleans as "True"/"False"; Okta sends a
// replace without a path whose value is an object of attributes; group membership comes as
// add/remove on "members", or remove on `members[value eq "id"]`.
import { scimErrors } from "./scim-errors.ts";

export interface PatchOperation {
  op: "add" | "replace" | "remove";
  /** Lower-cased attribute path; "" when the operation had none. */
  path: string;
  /** For `members[value eq "x"]`: the member id the path selects. */
  selectedMember: string | null;
  value: unknown;
}

export const patchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const memberSelector = /^members\[\s*value\s+eq\s+"([^"]{1,200})"\s*\]$/i;

export function readPatchOperations(body: unknown): PatchOperation[] {
  const operations = (body as { Operations?: unknown } | null)?.Operations;
  if (!Array.isArray(operations) || operations.length === 0 || operations.length > 1000) {
    throw scimErrors.invalidSyntax("A PATCH needs 'Operations': a list of 1 to 1000 operations.");
  }
  const result: PatchOperation[] = [];
  for (const operation of operations as unknown[]) {
    if (typeof operation !== "object" || operation === null) {
      throw scimErrors.invalidSyntax("Each operation must be an object.");
    }
    const { op, path, value } = operation as { op?: unknown; path?: unknown; value?: unknown };
    const name = typeof op === "string" ? op.toLowerCase() : "";
    if (name !== "add" && name !== "replace" && name !== "remove") {
      throw scimErrors.invalidSyntax("'op' must be add, replace or remove.");
    }
    if (path !== undefined && typeof path !== "string")
      throw scimErrors.invalidSyntax("'path' must be a string.");
    const trimmed = (path ?? "").trim();
    const selected = memberSelector.exec(trimmed);
    if (selected) {
      result.push({ op: name, path: "members", selectedMember: selected[1]!, value });
      continue;
    }
    if (trimmed === "" && name !== "remove") {
      // Okta: replace with an object of attributes; each becomes an operation of its own.
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw scimErrors.invalidSyntax("An operation without 'path' needs an object 'value'.");
      }
      for (const [key, inner] of flatten(value as Record<string, unknown>)) {
        result.push({ op: name, path: key, selectedMember: null, value: inner });
      }
      continue;
    }
    if (trimmed === "") throw scimErrors.invalidSyntax("A remove operation needs a 'path'.");
    result.push({ op: name, path: stripSchema(trimmed.toLowerCase()), selectedMember: null, value });
  }
  return result;
}

/** "urn:...:core:2.0:User:name.givenName" and "name.givenName" are the same path. */
function stripSchema(path: string): string {
  const core = /^urn:ietf:params:scim:schemas:core:2\.0:(?:user|group):/;
  return path.replace(core, "");
}

/** {"name": {"givenName": "A"}, "active": false} -> [["name.givenname", "A"], ["active", false]] */
function flatten(value: Record<string, unknown>, prefix = ""): Array<[string, unknown]> {
  const entries: Array<[string, unknown]> = [];
  for (const [key, inner] of Object.entries(value)) {
    const path = stripSchema(`${prefix}${key}`.toLowerCase());
    if (
      key === "name" &&
      prefix === "" &&
      typeof inner === "object" &&
      inner !== null &&
      !Array.isArray(inner)
    ) {
      entries.push(...flatten(inner as Record<string, unknown>, "name."));
    } else entries.push([path, inner]);
  }
  return entries;
}

/** A SCIM boolean, as sent: true/false, or Entra ID's "True"/"False". */
export function readBoolean(value: unknown, attribute: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  throw scimErrors.invalidValue(`'${attribute}' must be true or false.`);
}

/** A SCIM string attribute; null or "" clears it where clearing is allowed. */
export function readText(value: unknown, attribute: string, maxLength = 320): string {
  if (typeof value !== "string" || value.length > maxLength) {
    throw scimErrors.invalidValue(`'${attribute}' must be a string of at most ${maxLength} characters.`);
  }
  return value;
}

/** The member ids of a "members" value: [{"value": "user_..."}]. */
export function readMemberIds(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.map((member) => {
    const id = (member as { value?: unknown } | null)?.value;
    if (typeof id !== "string" || id.length === 0 || id.length > 200) {
      throw scimErrors.invalidValue("Each member needs a 'value' naming a user id.");
    }
    return id;
  });
}
