// Per-organisation SAML connections: the IdP's metadata, certificates and attribute mapping, and the
// SP's own key pair (private key sealed by the organisation's keyring). Changes are audited.
import { X509Certificate } from "node:crypto";
import { errors } from "../../core/errors.ts";
import type { Insertable, Selectable } from "kysely";
import type { AuditLog } from "../../audit/audit-log.ts";
import type { Keyring } from "../../crypto/keyring.ts";
import type { Db } from "../../db/database.ts";
import { identityErrors } from "../identity-errors.ts";
import type { SamlConnectionsTable } from "../identity-tables.ts";
import { checkBaseUrl, SsoConnectionService } from "../sso-connection-service.ts";
import { parseIdentityProviderMetadata } from "./identity-provider-metadata.ts";

export interface SamlConnection {
  organizationId: string;
  baseUrl: string;
  /** This SP's entity id (also the URL of its metadata). */
  spEntityId: string;
  acsUrl: string;
  idpEntityId: string;
  idpSsoUrl: string;
  idpCertificates: string[];
  emailAttribute: string;
  nameAttribute: string;
  allowIdpInitiated: boolean;
  /** Whether RSA-SHA1 signatures and SHA-1 digests are accepted from this IdP; off by default. */
  allowSha1: boolean;
  spCertificate: string;
  spPrivateKey: string;
}

export type SamlConnectionSummary = Omit<SamlConnection, "spPrivateKey" | "idpCertificates"> & {
  idpCertificateCount: number;
};

export interface SetSamlConnection {
  organizationId: string;
  metadataXml: string;
  baseUrl: string;
  emailAttribute?: string;
  nameAttribute?: string;
  allowIdpInitiated?: boolean;
  allowSha1?: boolean;
  actor: string;
}

type SamlConnectionRow = Omit<Insertable<SamlConnectionsTable>, "organization_id">;

const place = (organizationId: string) => ({ table: "saml_connections", row: organizationId });

export function serviceProviderUrls(
  baseUrl: string,
  organizationId: string,
): { spEntityId: string; acsUrl: string } {
  const root = `${baseUrl}/sso/saml/${encodeURIComponent(organizationId)}`;
  return { spEntityId: `${root}/metadata`, acsUrl: `${root}/acs` };
}

function checkAttribute(value: string | undefined, fallback: string, param: string): string {
  const name = (value ?? fallback).trim();
  if (name.length === 0 || name.length > 200)
    throw errors.invalidRequest(`'${param}' must be 1 to 200 characters.`, param);
  return name;
}

export class SamlConnectionService extends SsoConnectionService<
  SamlConnection,
  SamlConnectionRow,
  Selectable<SamlConnectionsTable>
> {
  constructor(dependencies: { db: Db; keyring: Keyring; audit: AuditLog }) {
    super(dependencies, {
      table: "saml_connections",
      action: "sso.saml",
      notConfigured: identityErrors.ssoNotConfigured,
    });
  }

  async set(input: SetSamlConnection): Promise<SamlConnectionSummary> {
    if (input.metadataXml.length > 512 * 1024) throw identityErrors.invalidMetadata("larger than 512 KiB");
    const metadata = parseIdentityProviderMetadata(input.metadataXml);
    for (const certificate of metadata.certificates) {
      try {
        new X509Certificate(certificate);
      } catch {
        throw identityErrors.invalidMetadata("a signing certificate cannot be read");
      }
    }
    const baseUrl = checkBaseUrl(input.baseUrl, (problem) =>
      errors.invalidRequest(`'base_url' ${problem}.`, "base_url"),
    );
    const existing = await this.db
      .selectFrom("saml_connections")
      .select([
        "sp_certificate",
        "sp_private_key",
        "allow_idp_initiated",
        "allow_sha1",
        "email_attribute",
        "name_attribute",
      ])
      .where("organization_id", "=", input.organizationId)
      .executeTakeFirst();
    let spCertificate = existing?.sp_certificate;
    let sealedKey = existing?.sp_private_key;
    if (!spCertificate || !sealedKey) {
      // Imported here, once per new connection: the certificate libraries behind it are large.
      const { generate } = await import("selfsigned");
      const generated = await generate(
        [{ name: "commonName", value: `custodian-sp-${input.organizationId}` }],
        {
          keySize: 2048,
          algorithm: "sha256",
          notAfterDate: new Date(Date.now() + 10 * 365 * 24 * 60 * 60_000),
        },
      );
      spCertificate = generated.cert;
      sealedKey = await this.keyring.seal(
        input.organizationId,
        place(input.organizationId),
        generated.private,
      );
    }
    const row: SamlConnectionRow = {
      base_url: baseUrl,
      idp_entity_id: metadata.entityId,
      idp_sso_url: metadata.ssoUrl,
      idp_certificates: JSON.stringify(metadata.certificates),
      metadata_xml: input.metadataXml,
      email_attribute: checkAttribute(
        input.emailAttribute,
        existing?.email_attribute ?? "email",
        "email_attribute",
      ),
      name_attribute: checkAttribute(
        input.nameAttribute,
        existing?.name_attribute ?? "name",
        "name_attribute",
      ),
      allow_idp_initiated: input.allowIdpInitiated ?? existing?.allow_idp_initiated ?? false,
      allow_sha1: input.allowSha1 ?? existing?.allow_sha1 ?? false,
      sp_certificate: spCertificate,
      sp_private_key: sealedKey,
      updated_at: new Date(),
    };
    const saved = await this.save({
      organizationId: input.organizationId,
      actor: input.actor,
      existed: existing !== undefined,
      row,
      metadata: {
        idp_entity_id: metadata.entityId.slice(0, 200),
        idp_certificates: metadata.certificates.length,
        idp_initiated: row.allow_idp_initiated ?? false,
        allow_sha1: row.allow_sha1 ?? false,
      },
    });
    return summarize(saved);
  }

  protected async open(
    organizationId: string,
    row: Selectable<SamlConnectionsTable>,
  ): Promise<SamlConnection> {
    const spPrivateKey = await this.keyring.open(organizationId, place(organizationId), row.sp_private_key);
    return {
      organizationId,
      baseUrl: row.base_url,
      ...serviceProviderUrls(row.base_url, organizationId),
      idpEntityId: row.idp_entity_id,
      idpSsoUrl: row.idp_sso_url,
      idpCertificates: JSON.parse(row.idp_certificates) as string[],
      emailAttribute: row.email_attribute,
      nameAttribute: row.name_attribute,
      allowIdpInitiated: row.allow_idp_initiated,
      allowSha1: row.allow_sha1,
      spCertificate: row.sp_certificate,
      spPrivateKey: spPrivateKey.toString("utf8"),
    };
  }
}

export function summarize(connection: SamlConnection): SamlConnectionSummary {
  const { spPrivateKey, idpCertificates, ...rest } = connection;
  void spPrivateKey;
  return { ...rest, idpCertificateCount: idpCertificates.length };
}
