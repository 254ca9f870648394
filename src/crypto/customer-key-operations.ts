// The organisation's data key as administrative operations: rotate it (new data sealed under a new
// version, old versions kept to open what they sealed), and wrap its versions with the organisation's
// own AWS KMS or Vault transit key, or go back to the platform's master key. Both are audited (SEC-5:
// the evidence pack's key-rotation history).
import { Type } from "@sinclair/typebox";
import { defineOperation, installationOnly, OrganizationId } from "../core/operation.ts";
import { parseCustomerKeySettings } from "./customer-key-settings.ts";
import type { Keyring } from "./keyring.ts";

const operation = defineOperation<{
  keyring: Keyring;
  // The audit log's append, as a shape: crypto sits below audit and imports nothing of it.
  audit: {
    append(entry: {
      actor: string;
      action: string;
      target: string;
      organizationId: string;
      metadata: Record<string, string | null>;
    }): Promise<unknown>;
  };
  tenancy: { getOrganization(organizationId: string): Promise<unknown> };
}>();

const Text = Type.Optional(Type.String({ minLength: 1 }));
const Named = (title: string) => Type.Optional(Type.String({ minLength: 1, title }));

export const customerKeyOperations = {
  rotateOrganizationKey: operation({
    description: "make a new version of the organisation's data key; new data is sealed with it",
    permission: installationOnly,
    input: Type.Object({ organization: OrganizationId }),
    output: Type.Object({ organization: Type.String(), version: Type.Integer() }),
    async run({ keyring, audit, tenancy }, input, caller) {
      const organizationId = input.organization;
      await tenancy.getOrganization(organizationId);
      const version = await keyring.rotate(organizationId);
      await audit.append({
        actor: caller.actor,
        action: "organization.key_rotated",
        target: organizationId,
        organizationId,
        metadata: { version: String(version) },
      });
      return { organization: organizationId, version };
    },
  }),
  setCustomerKey: operation({
    description: "wrap the organisation's data keys with its own AWS KMS or Vault transit key, or 'local'",
    permission: installationOnly,
    input: Type.Object({
      organization: OrganizationId,
      kind: Type.Union([Type.Literal("aws-kms"), Type.Literal("vault-transit"), Type.Literal("local")]),
      keyId: Named("ARN"),
      region: Named("REGION"),
      endpoint: Named("URL"),
      accessKeyId: Text,
      secretAccessKey: Text,
      address: Named("URL"),
      keyName: Named("NAME"),
      mount: Named("MOUNT"),
      token: Text,
    }),
    output: Type.Object({
      organization: Type.String(),
      kind: Type.Union([Type.Literal("aws-kms"), Type.Literal("vault-transit"), Type.Literal("local")]),
    }),
    async run({ keyring, audit, tenancy }, input, caller) {
      const organizationId = input.organization;
      await tenancy.getOrganization(organizationId);
      const settings = input.kind === "local" ? null : parseCustomerKeySettings(input);
      const kind = settings?.kind ?? ("local" as const);
      await keyring.setCustomerKey(organizationId, settings);
      // The kind and key id are facts for the audit trail; credentials are never recorded.
      await audit.append({
        actor: caller.actor,
        action: "organization.customer_key_set",
        target: organizationId,
        organizationId,
        metadata: {
          kind,
          key: settings?.kind === "aws-kms" ? settings.keyId : (settings?.keyName ?? null),
        },
      });
      return { organization: organizationId, kind };
    },
  }),
};
