// The command lines of the administrative operations: which words run which operation, and how each
// result reads in a terminal. Flags, their checks and the help line come from the operation's schema.
import { formatTrustReport, formatVerification } from "../privacy/trust-report.ts";
import { CommandError } from "./admin-client.ts";
import { operationCommand, type Command } from "./command.ts";

/** An object as "key<TAB>value" lines, for `show` commands without --json. */
function fields(result: object): string {
  return Object.entries(result)
    .map(([key, value]) => `${key}\t${String(value)}`)
    .join("\n");
}

/** How a verified or claimed domain reads. */
function domainText(domain: {
  domain: string;
  verified: boolean;
  enforce_sso: boolean;
  txt_record: { name: string; value: string };
}): string {
  return domain.verified
    ? `${domain.domain}: verified; SSO ${domain.enforce_sso ? "enforced" : "not enforced"}.`
    : `${domain.domain}: publish this TXT record, then run \`sso domain verify\`:\n${domain.txt_record.name}\t${domain.txt_record.value}`;
}

const pretty = (result: unknown) => JSON.stringify(result, null, 2);
const cell = (value: string | number | null | undefined) => (value === null ? "-" : String(value));

export const adminCommands: Command[] = [
  operationCommand("orgs create", "createOrganization", {
    text: (organization) => `${organization.id} (default project ${organization.project})`,
  }),
  operationCommand("orgs list", "listOrganizations", {
    text: (organizations) =>
      organizations.map((organization) => `${organization.id}\t${organization.name}`).join("\n"),
  }),
  operationCommand("keys create", "createKey", { switches: ["readOnly"], text: (created) => created.key }),
  operationCommand("keys list", "listKeys", {
    text: (keys) =>
      keys.map((key) => `${key.id}\t${key.redacted}${key.revoked_at ? "\trevoked" : ""}`).join("\n"),
  }),
  operationCommand("keys revoke", "revokeKey", { text: (revoked) => `Revoked ${revoked.id}.` }),
  operationCommand("admin-keys create", "createAdminKey", { text: (created) => created.key }),
  operationCommand("admin-keys list", "listAdminKeys", {
    text: (keys) =>
      keys.map((key) => `${key.id}\t${key.redacted}${key.revoked_at ? "\trevoked" : ""}`).join("\n"),
  }),
  operationCommand("admin-keys revoke", "revokeAdminKey", { text: (revoked) => `Revoked ${revoked.id}.` }),
  operationCommand("org-key rotate", "rotateOrganizationKey", {
    text: (rotated) => `${rotated.organization}: new data is sealed with key version ${rotated.version}.`,
  }),
  // Credentials come from the standard environment variables, never from the command line, where
  // other users of the machine could read them.
  operationCommand("org-key set", "setCustomerKey", {
    environment: {
      accessKeyId: "AWS_ACCESS_KEY_ID",
      secretAccessKey: "AWS_SECRET_ACCESS_KEY",
      token: "VAULT_TOKEN",
    },
    description:
      "wrap the organisation's data keys with its own AWS KMS key (credentials from AWS_ACCESS_KEY_ID / " +
      "AWS_SECRET_ACCESS_KEY: --key-id ARN --region R [--endpoint URL]) or Vault transit key (token from " +
      "VAULT_TOKEN: --address URL --key-name NAME [--mount M]); --kind local goes back to the master key",
    text: (set) => `The organisation's data keys are now wrapped by: ${set.kind}.`,
  }),
  operationCommand("usage", "usageReport", {
    text: (rows) =>
      [
        "date\tproject\tuser\tmodel\trequests\tinput_tokens\toutput_tokens",
        ...rows.map(
          (row) =>
            `${row.date}\t${row.project_id}\t${row.user_id ?? "-"}\t${row.model}\t${row.requests}\t${row.input_tokens}\t${row.output_tokens}`,
        ),
      ].join("\n"),
  }),
  // Rate limits are per project and key; user and group budgets are budgets' alone.
  operationCommand("limits set", "setRateLimits", { omit: ["user", "group"], text: pretty }),
  operationCommand("limits clear", "clearRateLimits", { omit: ["user", "group"], text: pretty }),
  operationCommand("limits list", "listLimits", {
    text: (limits) =>
      [
        "subject\tid\trpm\ttpm\ttokens_per_day\ttokens_per_month",
        ...limits.map((row) =>
          [
            row.subject,
            row.id,
            row.requests_per_minute,
            row.tokens_per_minute,
            row.tokens_per_day,
            row.tokens_per_month,
          ]
            .map(cell)
            .join("\t"),
        ),
      ].join("\n"),
  }),
  operationCommand("budgets set", "setBudgets", { omit: ["key"], text: pretty }),
  operationCommand("budgets clear", "clearBudgets", { omit: ["key"], text: pretty }),
  operationCommand("sso saml set", "setSamlConnection", {
    files: ["metadata"],
    text: (connection) => `SP entity id: ${connection.sp_entity_id}\nACS URL:      ${connection.acs_url}`,
  }),
  operationCommand("sso saml show", "showSamlConnection", { text: fields }),
  operationCommand("sso saml delete", "deleteSamlConnection", {
    text: (deleted) => `SAML connection of ${deleted.organization} deleted.`,
  }),
  // The secret comes from the environment, never the command line, where others could read it.
  operationCommand("sso oidc set", "setOidcConnection", {
    environment: { client_secret: "CUSTODIAN_OIDC_CLIENT_SECRET" },
    text: (connection) => `Redirect URI (register it at the provider): ${connection.redirect_uri}`,
  }),
  operationCommand("sso oidc show", "showOidcConnection", { text: fields }),
  operationCommand("sso oidc delete", "deleteOidcConnection", {
    text: (deleted) => `OIDC connection of ${deleted.organization} deleted.`,
  }),
  operationCommand("sso domain add", "claimDomain", { text: domainText }),
  operationCommand("sso domain verify", "verifyDomain", { text: domainText }),
  operationCommand("sso domain enforce", "enforceDomainSso", { text: domainText }),
  operationCommand("sso domain list", "listDomains", {
    text: (domains) =>
      domains
        .map(
          (domain) =>
            `${domain.domain}\t${domain.verified ? "verified" : "unverified"}${domain.enforce_sso ? "\tSSO enforced" : ""}`,
        )
        .join("\n"),
  }),
  operationCommand("sso domain remove", "removeDomain", { text: (removed) => `${removed.domain} removed.` }),
  operationCommand("scim token", "createScimToken", {
    text: (created) =>
      `${created.id}\nSCIM base URL: <your base URL>/scim/v2\ntoken (shown once): ${created.token}`,
  }),
  operationCommand("scim tokens", "listScimTokens", {
    text: (tokens) =>
      tokens
        .map((token) => `${token.id}\t${token.created_at}${token.revoked_at ? "\trevoked" : ""}`)
        .join("\n"),
  }),
  operationCommand("scim token revoke", "revokeScimToken", { text: (revoked) => `Revoked ${revoked.id}.` }),
  operationCommand("sso link", "linkSsoIdentity", {
    text: (linked) =>
      `Linked a ${linked.provider} identity to ${linked.user}; ${linked.sessions_ended} session(s) ended.`,
  }),
  operationCommand("owner create", "createOwner", {
    text: (owner) => `${owner.id} ${owner.email}\npassword (shown once): ${owner.password}`,
  }),
  operationCommand("owner disable-password", "disableLocalSignIn", {
    text: (result) =>
      `Password sign-in disabled for ${result.users} user(s); ${result.sessions_revoked} session(s) ended.`,
  }),
  operationCommand("privacy set", "setPrivacy", {
    input(flags) {
      if (flags["retention-days"] === undefined && flags.zdr === undefined)
        throw new CommandError("Give --retention-days N, --zdr on|off, or both.");
      return {};
    },
    text: (saved) =>
      `Now in effect: API content kept ${saved.effective.retention_days} days, ZDR ${saved.effective.zdr ? "on" : "off"}.`,
  }),
  operationCommand("privacy show", "showPrivacy", {
    text: (settings) =>
      settings.length === 0
        ? "No settings: API content kept 30 days, ZDR off."
        : settings
            .map(
              (setting) =>
                `${setting.project ?? "(organisation)"}\tretention ${setting.retention_days ?? "inherited"}\tzdr ${setting.zdr === null ? "inherited" : setting.zdr ? "on" : "off"}`,
            )
            .join("\n"),
  }),
  operationCommand("operators create", "createOperator", {
    text: (operator) => `${operator.id}\nsign-in token (shown once): ${operator.token}`,
  }),
  operationCommand("operators list", "listOperators", {
    text: (operators) => operators.map((operator) => `${operator.id}\t${operator.name}`).join("\n"),
  }),
  ...(["on", "off"] as const).map((state) =>
    operationCommand(`hipaa ${state}`, "setHipaa", {
      omit: ["enabled"],
      input: () => ({ enabled: state === "on" }),
      text: (result) =>
        `HIPAA mode ${state === "on" ? "on (ZDR forced)" : "off"}; covered models: ${result.covered_models.join(", ") || "none"}.`,
    }),
  ),
  operationCommand("export", "exportOrganization", {
    omit: ["format"],
    switches: ["includeContent"],
    switchFlags: ["jsonl"],
    description:
      "the organisation's files (contents with --include-content), jobs and events, models' metadata, " +
      "settings, members and roles, and audit log with checkpoints (JSON; JSON lines with --jsonl)",
    input: (flags) => ({ format: flags.jsonl ? ("jsonl" as const) : ("json" as const) }),
    text: pretty,
    print(result, flags) {
      if (flags.jsonl) process.stdout.write((result as { jsonl: string }).jsonl);
      else console.log(pretty(result));
    },
  }),
  operationCommand("trust", "trustReport", {
    description:
      "every commitment with its live probes' latest results and its tests' proofs; exits 1 until every " +
      "commitment has a passing live probe",
    text: formatTrustReport,
    exit: (report) => (report.complete ? 0 : 1),
  }),
  operationCommand("verify", "verifyTrust", {
    description:
      "run every live trust probe now against this installation (on the running server when there is one); " +
      "exits 1 when any fails",
    text: formatVerification,
    exit: (result) => (result.ok ? 0 : 1),
  }),
];
