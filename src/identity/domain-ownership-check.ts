// How Custodian learns that an organisation holds an email domain: the organisation publishes a token
// (a DNS TXT record) and a check looks for it. The check is an interface so that installations (and
// tests) without DNS can supply their own; operators can also vouch manually, with a recorded reason.
import { resolveTxt } from "node:dns/promises";

export interface DomainOwnershipCheck {
  /** Whether the domain publishes this verification token. */
  hasToken(domain: string, token: string): Promise<boolean>;
}

/** Where the TXT record goes: a name of its own, so it cannot clash with the domain's SPF record. */
export function verificationRecordName(domain: string): string {
  return `_custodian-verification.${domain}`;
}

export function verificationRecordValue(token: string): string {
  return `custodian-domain-verification=${token}`;
}

/** The production check: a TXT record at `_custodian-verification.<domain>` holding the token. */
export const dnsTxtOwnershipCheck: DomainOwnershipCheck = {
  async hasToken(domain, token) {
    try {
      const records = await resolveTxt(verificationRecordName(domain));
      return records.some((chunks) => chunks.join("") === verificationRecordValue(token));
    } catch {
      // No record, no such name, or no DNS at all: not verified.
      return false;
    }
  },
};
