// The settings of a customer-managed key, and the wrapper they build. Stored sealed by the master key,
// because they hold credentials (a Vault token, AWS access keys).
import type { ColumnType } from "kysely";
import { errors } from "../core/errors.ts";
import { AwsKmsKeyWrapper, type AwsKmsSettings } from "./aws-kms-key-wrapper.ts";
import type { KeyWrapper } from "./key-wrapper.ts";
import { VaultTransitKeyWrapper, type VaultTransitSettings } from "./vault-transit-key-wrapper.ts";

export type CustomerKeySettings =
  ({ kind: "aws-kms" } & AwsKmsSettings) | ({ kind: "vault-transit" } & VaultTransitSettings);

export interface OrganizationKeyProvidersTable {
  organization_id: string;
  kind: CustomerKeySettings["kind"];
  settings: Buffer;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

declare module "../db/schema.ts" {
  interface Database {
    organization_key_providers: OrganizationKeyProvidersTable;
  }
}

function field(input: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === "") {
    if (required) throw errors.invalidRequest(`Missing required parameter: '${name}'.`, name);
    return undefined;
  }
  if (typeof value !== "string") throw errors.invalidRequest(`'${name}' must be a string.`, name);
  return value;
}

function url(input: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = field(input, name, required);
  if (value !== undefined && !/^https?:\/\/[^\s]+$/.test(value)) {
    throw errors.invalidRequest(`'${name}' must be an http(s) URL.`, name);
  }
  return value;
}

/** Validate untrusted input (CLI, admin API) into settings. */
export function parseCustomerKeySettings(input: Record<string, unknown>): CustomerKeySettings {
  const kind = field(input, "kind", true);
  if (kind === "aws-kms") {
    return {
      kind,
      keyId: field(input, "keyId", true)!,
      region: field(input, "region", true)!,
      endpoint: url(input, "endpoint", false),
      accessKeyId: field(input, "accessKeyId", false),
      secretAccessKey: field(input, "secretAccessKey", false),
    };
  }
  if (kind === "vault-transit") {
    return {
      kind,
      address: url(input, "address", true)!,
      keyName: field(input, "keyName", true)!,
      token: field(input, "token", true)!,
      mount: field(input, "mount", false),
    };
  }
  throw errors.invalidRequest("'kind' must be 'aws-kms' or 'vault-transit'.", "kind");
}

export function customerKeyWrapper(settings: CustomerKeySettings, cacheMs: number): KeyWrapper {
  return settings.kind === "aws-kms"
    ? new AwsKmsKeyWrapper(settings, { cacheMs })
    : new VaultTransitKeyWrapper(settings, { cacheMs });
}
