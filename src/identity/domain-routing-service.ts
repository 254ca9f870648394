// Email domains of an organisation: claimed, verified (a published token, or an operator's recorded
// reason), optionally with SSO enforced; and the routing of an email address to its organisation's
// SSO. A domain is verified by at most one organisation. Every change is audited.
import { randomToken } from "../core/ids.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import { domainErrors } from "./domain-errors.ts";
import {
  verificationRecordName,
  verificationRecordValue,
  type DomainOwnershipCheck,
} from "./domain-ownership-check.ts";
import "./domain-tables.ts";

export type SsoProtocol = "oidc" | "saml";

export interface EmailDomain {
  organizationId: string;
  domain: string;
  verified: boolean;
  verificationMethod: string | null;
  enforceSso: boolean;
  /** Where and what the organisation publishes to prove it holds the domain. */
  record: { name: string; value: string };
}

export interface DomainRoute {
  organizationId: string;
  domain: string;
  enforceSso: boolean;
  /** The organisation's SSO protocol, or null when it has no connection. */
  protocol: SsoProtocol | null;
}

export function normalizeDomain(value: string): string {
  const domain = value.trim().toLowerCase().replace(/\.$/, "");
  const label = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
  if (domain.length > 253 || !new RegExp(`^(?:${label}\\.)+[a-z]{2,63}$`).test(domain)) {
    throw domainErrors.invalidDomain();
  }
  return domain;
}

/** The domain part of an email address, or null. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf("@");
  if (at < 0) return null;
  try {
    return normalizeDomain(email.slice(at + 1));
  } catch {
    return null;
  }
}

type Row = {
  organization_id: string;
  domain: string;
  verification_token: string;
  verified_at: Date | null;
  verification_method: string | null;
  enforce_sso: boolean;
};

function toDomain(row: Row): EmailDomain {
  return {
    organizationId: row.organization_id,
    domain: row.domain,
    verified: row.verified_at !== null,
    verificationMethod: row.verification_method,
    enforceSso: row.enforce_sso,
    record: {
      name: verificationRecordName(row.domain),
      value: verificationRecordValue(row.verification_token),
    },
  };
}

export class DomainRoutingService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #check: DomainOwnershipCheck;
  readonly #ssoProtocol: (organizationId: string) => Promise<SsoProtocol | null>;

  constructor(dependencies: {
    db: Db;
    audit: AuditLog;
    check: DomainOwnershipCheck;
    /** Which SSO the organisation has configured (OIDC first), or null. */
    ssoProtocol: (organizationId: string) => Promise<SsoProtocol | null>;
  }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#check = dependencies.check;
    this.#ssoProtocol = dependencies.ssoProtocol;
  }

  #domains(organizationId: string) {
    return this.#db
      .selectFrom("email_domains")
      .select([
        "organization_id",
        "domain",
        "verification_token",
        "verified_at",
        "verification_method",
        "enforce_sso",
      ])
      .where("organization_id", "=", organizationId);
  }

  async #get(organizationId: string, domain: string): Promise<Row> {
    const row = await this.#domains(organizationId).where("domain", "=", domain).executeTakeFirst();
    if (!row) throw domainErrors.notClaimed(domain);
    return row;
  }

  /** Start claiming a domain: the record to publish (the same one if it was claimed before). */
  async claim(organizationId: string, domainName: string, actor: string): Promise<EmailDomain> {
    const domain = normalizeDomain(domainName);
    await this.#db
      .insertInto("email_domains")
      .values({ organization_id: organizationId, domain, verification_token: randomToken(32) })
      .onConflict((conflict) => conflict.columns(["organization_id", "domain"]).doNothing())
      .execute();
    await this.#audit.append({
      actor,
      action: "sso.domain.claimed",
      target: domain,
      organizationId,
    });
    return toDomain(await this.#get(organizationId, domain));
  }

  /** Verify by looking for the published token. */
  async verify(organizationId: string, domainName: string, actor: string): Promise<EmailDomain> {
    const domain = normalizeDomain(domainName);
    const row = await this.#get(organizationId, domain);
    if (row.verified_at) return toDomain(row);
    if (!(await this.#check.hasToken(domain, row.verification_token))) {
      await this.#audit.append({
        actor,
        action: "sso.domain.verification_failed",
        target: domain,
        organizationId,
        metadata: { reason: "token_not_found" },
      });
      throw domainErrors.tokenNotFound(domain);
    }
    return this.#markVerified(organizationId, domain, "token", null, actor);
  }

  /** An operator vouches for the organisation's hold on the domain; the reason is recorded. */
  async markVerified(
    organizationId: string,
    domainName: string,
    reason: string,
    actor: string,
  ): Promise<EmailDomain> {
    const domain = normalizeDomain(domainName);
    const trimmed = reason.trim();
    if (trimmed.length < 5 || trimmed.length > 500) throw domainErrors.reasonRequired();
    await this.#get(organizationId, domain);
    return this.#markVerified(organizationId, domain, "manual", trimmed, actor);
  }

  async #markVerified(
    organizationId: string,
    domain: string,
    method: "token" | "manual",
    reason: string | null,
    actor: string,
  ): Promise<EmailDomain> {
    const elsewhere = await this.#db
      .selectFrom("email_domains")
      .select("organization_id")
      .where("domain", "=", domain)
      .where("verified_at", "is not", null)
      .where("organization_id", "<>", organizationId)
      .executeTakeFirst();
    if (elsewhere) throw domainErrors.heldElsewhere(domain);
    try {
      await this.#db
        .updateTable("email_domains")
        .set({ verified_at: new Date(), verification_method: method, verification_reason: reason })
        .where("organization_id", "=", organizationId)
        .where("domain", "=", domain)
        .execute();
    } catch (error) {
      // Two organisations verifying at once: the unique index lets one win.
      throw domainErrors.heldElsewhere(domain, { cause: error });
    }
    await this.#audit.append({
      actor,
      action: "sso.domain.verified",
      target: domain,
      organizationId,
      // The reason is an operator's short justification, recorded as the audit trail's fact.
      metadata: { method, ...(reason ? { reason: reason.slice(0, 200) } : {}) },
    });
    return toDomain(await this.#get(organizationId, domain));
  }

  async setEnforceSso(
    organizationId: string,
    domainName: string,
    enforce: boolean,
    actor: string,
  ): Promise<EmailDomain> {
    const domain = normalizeDomain(domainName);
    const row = await this.#get(organizationId, domain);
    if (enforce && !row.verified_at) throw domainErrors.notVerified(domain);
    if (enforce && !(await this.#ssoProtocol(organizationId))) throw domainErrors.noSsoConnection();
    await this.#db
      .updateTable("email_domains")
      .set({ enforce_sso: enforce })
      .where("organization_id", "=", organizationId)
      .where("domain", "=", domain)
      .execute();
    await this.#audit.append({
      actor,
      action: enforce ? "sso.domain.enforced" : "sso.domain.unenforced",
      target: domain,
      organizationId,
    });
    return toDomain(await this.#get(organizationId, domain));
  }

  async remove(organizationId: string, domainName: string, actor: string): Promise<void> {
    const domain = normalizeDomain(domainName);
    await this.#get(organizationId, domain);
    await this.#db
      .deleteFrom("email_domains")
      .where("organization_id", "=", organizationId)
      .where("domain", "=", domain)
      .execute();
    await this.#audit.append({ actor, action: "sso.domain.removed", target: domain, organizationId });
  }

  async list(organizationId: string): Promise<EmailDomain[]> {
    return (await this.#domains(organizationId).orderBy("domain").execute()).map(toDomain);
  }

  /** The organisation that verified an email's domain, with its SSO protocol; null when none did. */
  async route(email: string): Promise<DomainRoute | null> {
    const domain = emailDomain(email);
    if (!domain) return null;
    const row = await this.#db
      .selectFrom("email_domains")
      .select(["organization_id", "enforce_sso"])
      .where("domain", "=", domain)
      .where("verified_at", "is not", null)
      .executeTakeFirst();
    if (!row) return null;
    return {
      organizationId: row.organization_id,
      domain,
      enforceSso: row.enforce_sso,
      protocol: await this.#ssoProtocol(row.organization_id),
    };
  }

  /** Whether an email must sign in through SSO: its domain is verified with SSO enforced. */
  async requiresSso(email: string): Promise<boolean> {
    return (await this.route(email))?.enforceSso ?? false;
  }
}
