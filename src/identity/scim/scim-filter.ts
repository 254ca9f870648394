// The subset of SCIM filters identity providers send to find a resource before creating it:
// one `attribute eq "value"` comparison (Entra ID and Okta send nothing more for Users and Groups).
import { scimErrors } from "./scim-errors.ts";

export interface ScimFilter {
  /** Lower-cased attribute path, such as "username" or "emails.value". */
  attribute: string;
  value: string;
}

const comparison = /^\s*([A-Za-z][\w.:-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

export function parseScimFilter(filter: string | undefined, allowed: readonly string[]): ScimFilter | null {
  if (filter === undefined || filter.trim() === "") return null;
  if (filter.length > 1000) throw scimErrors.invalidFilter("The filter is too long.");
  const match = comparison.exec(filter);
  if (!match) throw scimErrors.invalidFilter('Only filters of the form: attribute eq "value" are supported.');
  const attribute = match[1]!.toLowerCase();
  if (!allowed.includes(attribute)) {
    throw scimErrors.invalidFilter(`Filtering on '${match[1]!.slice(0, 100)}' is not supported.`);
  }
  return { attribute, value: JSON.parse(`"${match[2]!}"`) as string };
}
