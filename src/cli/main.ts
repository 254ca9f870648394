// The `custodian` command line (started by src/main.ts): serve the platform, and administer it.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, type Config } from "../config/config.ts";
import { CommandError, runOperation } from "./admin-client.ts";
import { auditCommand, auditUsage } from "./audit-commands.ts";
import { startServer } from "../platform/server.ts";
import { databaseTarget, openDatabase } from "../db/database.ts";
import { formatTrustReport, type TrustReport } from "../privacy/trust-report.ts";
import { formatModels, modelsList } from "./models-list.ts";
import { modelsPull } from "./models-pull.ts";

const usage = `Usage: custodian <command> [options]

Commands:
  serve                                   start the platform (HTTPS on CUSTODIAN_HOST:CUSTODIAN_PORT)
  migrate                                 bring the database schema up to date
  orgs create --name NAME [--json]        create an organisation (with a default project)
  orgs list [--json]                      list organisations
  keys create --org ID [--project ID] [--name NAME] [--read-only] [--json]
                                          create an API key; it is shown once
  keys list --org ID [--json]             list an organisation's API keys (redacted)
  keys revoke --org ID --id KEY_ID        revoke an API key
  org-key set --org ID --kind aws-kms --key-id ARN --region R [--endpoint URL]
                                          wrap the organisation's data keys with its own AWS KMS key
                                          (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)
  org-key set --org ID --kind vault-transit --address URL --key-name NAME [--mount M]
                                          ... or its own Vault transit key (token from VAULT_TOKEN)
  org-key set --org ID --kind local       back to the platform's master key
${auditUsage}
  models pull SOURCE [--id ID] [--json]   download a GGUF model (SOURCE: hf:OWNER/REPO/FILE.gguf or an
                                          https URL) with resume and SHA-256 check, and register it
  models list [--json]                    the registered models
  usage --org ID --since DATE [--until DATE] [--json]
                                          daily tokens and requests by project (or workspace), user
                                          and model
  limits set --org ID (--project ID | --key KEY_ID) [--rpm N] [--tpm N]
                                          requests and tokens per minute for a project or an API key
  limits clear --org ID (--project ID | --key KEY_ID)
  limits list --org ID [--json]           an organisation's rate limits and budgets
  budgets set --org ID (--project ID | --user ID | --group ID) [--daily N] [--monthly N]
                                          token budgets per day and month (UTC); alerts at 80% and 100%;
                                          a user's covers workspace chat and their personal API keys,
                                          a group's (SCIM) covers each of its members
  budgets clear --org ID (--project ID | --user ID | --group ID)
  sso saml set --org ID --metadata FILE --base-url URL [--email-attribute A] [--name-attribute A]
               [--idp-initiated on|off]   connect an organisation to its SAML IdP (metadata XML file);
                                          base URL = the https address users reach Custodian at
  sso saml show --org ID [--json]         the SP's entity id and ACS URL, and the IdP's settings
  sso saml delete --org ID                remove the organisation's SAML connection
  sso oidc set --org ID --issuer URL --client-id ID --base-url URL [--scopes "email profile"]
               [--email-claim C] [--name-claim C]
                                          connect an organisation to its OpenID provider (client secret
                                          from CUSTODIAN_OIDC_CLIENT_SECRET; kept if unset on update)
  sso oidc show --org ID [--json]         the redirect URI and the provider's settings
  sso oidc delete --org ID                remove the organisation's OIDC connection
  sso domain add --org ID --domain D      claim an email domain; prints the TXT record to publish
  sso domain verify --org ID --domain D [--reason TEXT]
                                          check the published record, or vouch by hand with a reason
  sso domain enforce --org ID --domain D --enforce on|off
                                          refuse password sign-in for the domain's users
  sso domain list --org ID [--json]       the organisation's domains
  sso domain remove --org ID --domain D
  scim token --org ID [--json]            a SCIM bearer token for the organisation (shown once)
  scim tokens --org ID [--json]           the organisation's SCIM tokens
  scim token revoke --org ID --id TOKEN_ID
  owner create --org ID --email EMAIL [--name NAME]
                                          the local bootstrap owner; its password is shown once
  owner disable-password --org ID         end password sign-in once SSO works (needs a SAML connection)
  privacy set --org ID [--project ID] [--retention-days N] [--zdr on|off]
                                          API content retention (0-30 days) and zero data retention
  privacy show --org ID [--json]          an organisation's retention and ZDR settings
  operators create --name NAME [--json]   a platform operator (staff); its sign-in token is shown once
  operators list [--json]                 the platform's operators
  hipaa on|off --org ID [--json]          HIPAA mode: forces ZDR, refuses model backends without baa: true
  export --org ID [--jsonl] [--json]      the organisation's files, jobs, models' metadata, settings and
                                          audit log (JSON; JSON lines with --jsonl)
  trust [--json]                          every commitment, the tests that prove it, live settings;
                                          exits 1 while any commitment lacks a passing proof

Configuration comes from CUSTODIAN_* environment variables (see README.md).`;

type Values = Record<string, string | boolean | undefined>;

function option(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** An object as "key<TAB>value" lines, for `show` commands without --json. */
function fields(result: Record<string, unknown>): string {
  return Object.entries(result)
    .map(([key, value]) => `${key}\t${String(value)}`)
    .join("\n");
}

function required(values: Values, name: string): string {
  const value = option(values, name);
  if (!value) throw new CommandError(`--${name} is required.\n\n${usage}`);
  return value;
}

async function serve(config: Readonly<Config>): Promise<void> {
  const server = await startServer(config, undefined, { demoModel: true });
  console.log(`Custodian is listening on ${server.url}/v1`);
  if (server.caFile) console.log(`TLS: certificate signed by the local CA in ${server.caFile}`);
  if (server.bootstrapFile)
    console.log(`First start: organisation, project and API key written to ${server.bootstrapFile}`);
  if (server.platform.models.list().length === 0) {
    console.log("No models are configured yet: set CUSTODIAN_UPSTREAMS to connect a model server.");
  }
  const demo = server.platform.models.list().find((model) => model.metadata?.demo === true);
  if (demo) {
    console.log(
      `Serving the built-in DEMO model '${demo.id}': a tiny model trained briefly on sample text, for trying ` +
        "Custodian out, not for real work. Pull a real one with `custodian models pull hf:<owner>/<repo>/<file.gguf>` " +
        "or connect a model server with CUSTODIAN_UPSTREAMS.",
    );
  }
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

async function main(argv: string[]): Promise<number> {
  // `audit ...` has its own options, and `audit verify --offline` needs no configuration at all.
  if (argv[0] === "audit") return auditCommand(argv.slice(1), () => loadConfig());
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      org: { type: "string" },
      project: { type: "string" },
      id: { type: "string" },
      json: { type: "boolean" },
      "read-only": { type: "boolean" },
      kind: { type: "string" },
      "key-id": { type: "string" },
      region: { type: "string" },
      endpoint: { type: "string" },
      address: { type: "string" },
      "key-name": { type: "string" },
      mount: { type: "string" },
      "retention-days": { type: "string" },
      zdr: { type: "string" },
      metadata: { type: "string" },
      "base-url": { type: "string" },
      "email-attribute": { type: "string" },
      "name-attribute": { type: "string" },
      "idp-initiated": { type: "string" },
      issuer: { type: "string" },
      "client-id": { type: "string" },
      scopes: { type: "string" },
      "email-claim": { type: "string" },
      "name-claim": { type: "string" },
      domain: { type: "string" },
      reason: { type: "string" },
      enforce: { type: "string" },
      email: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      key: { type: "string" },
      rpm: { type: "string" },
      tpm: { type: "string" },
      daily: { type: "string" },
      monthly: { type: "string" },
      user: { type: "string" },
      group: { type: "string" },
      jsonl: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals.join(" ");
  if (values.help || command === "" || command === "help") {
    console.log(usage);
    return 0;
  }
  const config = loadConfig();
  const print = (value: unknown, text: string) => console.log(values.json ? JSON.stringify(value) : text);

  if (positionals[0] === "models" && positionals[1] === "pull") {
    const spec = positionals[2];
    if (!spec || positionals.length > 3) throw new CommandError(`Give one model source to pull.\n\n${usage}`);
    const result = await modelsPull(config, spec, { id: option(values, "id") });
    print(
      result,
      `Registered ${result.id} (${result.verified ? "SHA-256 verified" : "the server gave no checksum"}): ${result.path}\n` +
        "A running server serves it after a restart.",
    );
    return 0;
  }

  switch (command) {
    case "serve":
      await serve(config);
      return -1;
    case "migrate": {
      const db = await openDatabase(databaseTarget(config));
      await db.destroy();
      console.log("The database schema is up to date.");
      return 0;
    }
    case "orgs create": {
      const result = (await runOperation(config, "createOrganization", {
        name: required(values, "name"),
      })) as {
        id: string;
        project: string;
      };
      print(result, `${result.id} (default project ${result.project})`);
      return 0;
    }
    case "orgs list": {
      const result = (await runOperation(config, "listOrganizations", {})) as Array<{
        id: string;
        name: string;
      }>;
      print(result, result.map((organization) => `${organization.id}\t${organization.name}`).join("\n"));
      return 0;
    }
    case "keys create": {
      const result = (await runOperation(config, "createKey", {
        organization: required(values, "org"),
        project: option(values, "project"),
        name: option(values, "name"),
        readOnly: values["read-only"] === true,
      })) as { key: string };
      print(result, result.key);
      return 0;
    }
    case "keys list": {
      const result = (await runOperation(config, "listKeys", {
        organization: required(values, "org"),
      })) as Array<{
        id: string;
        redacted: string;
        revoked_at: string | null;
      }>;
      print(
        result,
        result.map((key) => `${key.id}\t${key.redacted}${key.revoked_at ? "\trevoked" : ""}`).join("\n"),
      );
      return 0;
    }
    case "keys revoke": {
      const result = await runOperation(config, "revokeKey", {
        organization: required(values, "org"),
        id: option(values, "id") ?? required(values, "id"),
      });
      print(result, `Revoked ${required(values, "id")}.`);
      return 0;
    }
    case "org-key set": {
      // Credentials come from the standard environment variables, never from the command line,
      // where other users of the machine could read them.
      const result = await runOperation(config, "setCustomerKey", {
        organization: required(values, "org"),
        kind: required(values, "kind"),
        keyId: option(values, "key-id"),
        region: option(values, "region"),
        endpoint: option(values, "endpoint"),
        accessKeyId: process.env.AWS_ACCESS_KEY_ID,
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
        address: option(values, "address"),
        keyName: option(values, "key-name"),
        mount: option(values, "mount"),
        token: process.env.VAULT_TOKEN,
      });
      print(result, `The organisation's data keys are now wrapped by: ${required(values, "kind")}.`);
      return 0;
    }
    case "privacy set": {
      const days = option(values, "retention-days");
      const zdr = option(values, "zdr");
      if (days === undefined && zdr === undefined)
        throw new CommandError(`Give --retention-days N, --zdr on|off, or both.\n\n${usage}`);
      if (days !== undefined && !/^\d+$/.test(days))
        throw new CommandError("--retention-days must be a whole number of days (0 to 30).");
      if (zdr !== undefined && zdr !== "on" && zdr !== "off")
        throw new CommandError("--zdr must be 'on' or 'off'.");
      const result = (await runOperation(config, "setPrivacy", {
        organization: required(values, "org"),
        project: option(values, "project"),
        ...(days !== undefined ? { retentionDays: Number(days) } : {}),
        ...(zdr !== undefined ? { zdr: zdr === "on" } : {}),
      })) as { effective: { retention_days: number; zdr: boolean } };
      print(
        result,
        `Now in effect: API content kept ${result.effective.retention_days} days, ZDR ${result.effective.zdr ? "on" : "off"}.`,
      );
      return 0;
    }
    case "privacy show": {
      const result = (await runOperation(config, "showPrivacy", {
        organization: required(values, "org"),
      })) as Array<{ project: string | null; retention_days: number | null; zdr: boolean | null }>;
      print(
        result,
        result.length === 0
          ? "No settings: API content kept 30 days, ZDR off."
          : result
              .map(
                (setting) =>
                  `${setting.project ?? "(organisation)"}\tretention ${setting.retention_days ?? "inherited"}\tzdr ${setting.zdr === null ? "inherited" : setting.zdr ? "on" : "off"}`,
              )
              .join("\n"),
      );
      return 0;
    }
    case "operators create": {
      const result = (await runOperation(config, "createOperator", { name: required(values, "name") })) as {
        id: string;
        token: string;
      };
      print(result, `${result.id}\nsign-in token (shown once): ${result.token}`);
      return 0;
    }
    case "operators list": {
      const result = (await runOperation(config, "listOperators", {})) as Array<{ id: string; name: string }>;
      print(result, result.map((operator) => `${operator.id}\t${operator.name}`).join("\n"));
      return 0;
    }
    case "hipaa on":
    case "hipaa off": {
      const result = (await runOperation(config, "setHipaa", {
        organization: required(values, "org"),
        enabled: command === "hipaa on",
      })) as { covered_models: string[] };
      print(
        result,
        `HIPAA mode ${command === "hipaa on" ? "on (ZDR forced)" : "off"}; covered models: ${result.covered_models.join(", ") || "none"}.`,
      );
      return 0;
    }
    case "export": {
      const result = await runOperation(config, "exportOrganization", {
        organization: required(values, "org"),
        format: values.jsonl ? "jsonl" : "json",
      });
      if (values.jsonl) process.stdout.write((result as { jsonl: string }).jsonl);
      else console.log(JSON.stringify(result, null, 2));
      return 0;
    }
    case "trust": {
      const report = (await runOperation(config, "trustReport", {})) as TrustReport;
      print(report, formatTrustReport(report));
      return report.complete ? 0 : 1;
    }
    case "sso saml set": {
      const idpInitiated = option(values, "idp-initiated");
      if (idpInitiated !== undefined && idpInitiated !== "on" && idpInitiated !== "off") {
        throw new CommandError("--idp-initiated must be on or off.");
      }
      const result = (await runOperation(config, "setSamlConnection", {
        organization: required(values, "org"),
        metadata: readFileSync(required(values, "metadata"), "utf8"),
        base_url: required(values, "base-url"),
        email_attribute: option(values, "email-attribute"),
        name_attribute: option(values, "name-attribute"),
        idp_initiated: idpInitiated === undefined ? undefined : idpInitiated === "on",
      })) as { sp_entity_id: string; acs_url: string };
      print(result, `SP entity id: ${result.sp_entity_id}\nACS URL:      ${result.acs_url}`);
      return 0;
    }
    case "sso saml show": {
      const result = (await runOperation(config, "showSamlConnection", {
        organization: required(values, "org"),
      })) as Record<string, unknown>;
      print(result, fields(result));
      return 0;
    }
    case "sso saml delete": {
      const result = await runOperation(config, "deleteSamlConnection", {
        organization: required(values, "org"),
      });
      print(result, `SAML connection of ${required(values, "org")} deleted.`);
      return 0;
    }
    case "sso oidc set": {
      // The secret comes from the environment, never the command line, where others could read it.
      const result = (await runOperation(config, "setOidcConnection", {
        organization: required(values, "org"),
        issuer: required(values, "issuer"),
        client_id: required(values, "client-id"),
        client_secret: process.env.CUSTODIAN_OIDC_CLIENT_SECRET,
        base_url: required(values, "base-url"),
        scopes: option(values, "scopes"),
        email_claim: option(values, "email-claim"),
        name_claim: option(values, "name-claim"),
      })) as { redirect_uri: string };
      print(result, `Redirect URI (register it at the provider): ${result.redirect_uri}`);
      return 0;
    }
    case "sso oidc show": {
      const result = (await runOperation(config, "showOidcConnection", {
        organization: required(values, "org"),
      })) as Record<string, unknown>;
      print(result, fields(result));
      return 0;
    }
    case "sso oidc delete": {
      const result = await runOperation(config, "deleteOidcConnection", {
        organization: required(values, "org"),
      });
      print(result, `OIDC connection of ${required(values, "org")} deleted.`);
      return 0;
    }
    case "sso domain add":
    case "sso domain verify":
    case "sso domain enforce": {
      const enforce = option(values, "enforce");
      if (command === "sso domain enforce" && enforce !== "on" && enforce !== "off") {
        throw new CommandError("--enforce must be on or off.");
      }
      const operation = { add: "claimDomain", verify: "verifyDomain", enforce: "enforceDomainSso" }[
        positionals[2] as "add" | "verify" | "enforce"
      ];
      const result = (await runOperation(config, operation, {
        organization: required(values, "org"),
        domain: required(values, "domain"),
        reason: option(values, "reason"),
        ...(enforce !== undefined ? { enforce: enforce === "on" } : {}),
      })) as {
        domain: string;
        verified: boolean;
        enforce_sso: boolean;
        txt_record: { name: string; value: string };
      };
      print(
        result,
        result.verified
          ? `${result.domain}: verified; SSO ${result.enforce_sso ? "enforced" : "not enforced"}.`
          : `${result.domain}: publish this TXT record, then run \`sso domain verify\`:\n${result.txt_record.name}\t${result.txt_record.value}`,
      );
      return 0;
    }
    case "sso domain list": {
      const result = (await runOperation(config, "listDomains", {
        organization: required(values, "org"),
      })) as Array<{
        domain: string;
        verified: boolean;
        enforce_sso: boolean;
      }>;
      print(
        result,
        result
          .map(
            (domain) =>
              `${domain.domain}\t${domain.verified ? "verified" : "unverified"}${domain.enforce_sso ? "\tSSO enforced" : ""}`,
          )
          .join("\n"),
      );
      return 0;
    }
    case "sso domain remove": {
      const result = await runOperation(config, "removeDomain", {
        organization: required(values, "org"),
        domain: required(values, "domain"),
      });
      print(result, `${required(values, "domain")} removed.`);
      return 0;
    }
    case "scim token": {
      const result = (await runOperation(config, "createScimToken", {
        organization: required(values, "org"),
      })) as {
        id: string;
        token: string;
      };
      print(
        result,
        `${result.id}\nSCIM base URL: <your base URL>/scim/v2\ntoken (shown once): ${result.token}`,
      );
      return 0;
    }
    case "scim tokens": {
      const result = (await runOperation(config, "listScimTokens", {
        organization: required(values, "org"),
      })) as Array<{
        id: string;
        created_at: string;
        revoked_at: string | null;
      }>;
      print(
        result,
        result
          .map((token) => `${token.id}\t${token.created_at}${token.revoked_at ? "\trevoked" : ""}`)
          .join("\n"),
      );
      return 0;
    }
    case "scim token revoke": {
      const result = await runOperation(config, "revokeScimToken", {
        organization: required(values, "org"),
        id: required(values, "id"),
      });
      print(result, `Revoked ${required(values, "id")}.`);
      return 0;
    }
    case "owner create": {
      const result = (await runOperation(config, "createOwner", {
        organization: required(values, "org"),
        email: required(values, "email"),
        name: option(values, "name"),
      })) as { id: string; email: string; password: string };
      print(result, `${result.id} ${result.email}\npassword (shown once): ${result.password}`);
      return 0;
    }
    case "owner disable-password": {
      const result = (await runOperation(config, "disableLocalSignIn", {
        organization: required(values, "org"),
      })) as { users: number; sessions_revoked: number };
      print(
        result,
        `Password sign-in disabled for ${result.users} user(s); ${result.sessions_revoked} session(s) ended.`,
      );
      return 0;
    }
    case "usage": {
      const rows = (await runOperation(config, "usageReport", {
        organization: required(values, "org"),
        since: required(values, "since"),
        until: option(values, "until"),
      })) as Array<{
        date: string;
        project_id: string;
        user_id: string | null;
        model: string;
        requests: number;
        input_tokens: number;
        output_tokens: number;
      }>;
      const lines = rows.map(
        (row) =>
          `${row.date}\t${row.project_id}\t${row.user_id ?? "-"}\t${row.model}\t${row.requests}\t${row.input_tokens}\t${row.output_tokens}`,
      );
      print(rows, ["date\tproject\tuser\tmodel\trequests\tinput_tokens\toutput_tokens", ...lines].join("\n"));
      return 0;
    }
    case "limits set":
    case "limits clear":
    case "budgets set":
    case "budgets clear": {
      const operation = {
        "limits set": "setRateLimits",
        "limits clear": "clearRateLimits",
        "budgets set": "setBudgets",
        "budgets clear": "clearBudgets",
      }[command];
      const result = await runOperation(config, operation, {
        organization: required(values, "org"),
        project: option(values, "project"),
        key: option(values, "key"),
        user: option(values, "user"),
        group: option(values, "group"),
        rpm: option(values, "rpm"),
        tpm: option(values, "tpm"),
        daily: option(values, "daily"),
        monthly: option(values, "monthly"),
      });
      print(result, JSON.stringify(result, null, 2));
      return 0;
    }
    case "limits list": {
      const result = (await runOperation(config, "listLimits", {
        organization: required(values, "org"),
      })) as Array<Record<string, string | number | null>>;
      const cell = (value: string | number | null | undefined) => (value === null ? "-" : String(value));
      print(
        result,
        [
          "subject\tid\trpm\ttpm\ttokens_per_day\ttokens_per_month",
          ...result.map((row) =>
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
      );
      return 0;
    }
    case "models list": {
      const result = await modelsList(config);
      print(result, formatModels(result));
      return 0;
    }
    default:
      throw new CommandError(`Unknown command '${command}'.\n\n${usage}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof CommandError) {
      console.error(`custodian: ${error.message}`);
      process.exitCode = 2;
    } else if (error instanceof Error && "code" in error && error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      console.error(`custodian: ${error.message}\n\n${usage}`);
      process.exitCode = 2;
    } else {
      console.error(`custodian: ${error instanceof Error ? `${error.name}: ${error.message}` : "failed"}`);
      process.exitCode = 1;
    }
  },
);
