#!/usr/bin/env node
// The `custodian` command line: serve the platform, and administer it (organisations, keys, audit).
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, type Config } from "./config/config.ts";
import { CommandError, runOperation } from "./cli/admin-client.ts";
import { startServer } from "./platform/server.ts";
import { databaseTarget, openDatabase } from "./db/database.ts";
import type { VerifyResult } from "./audit/audit-log.ts";

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
  audit verify [--json]                   check the audit log's hash chain and signed checkpoints

Configuration comes from CUSTODIAN_* environment variables (see README.md).`;

type Values = Record<string, string | boolean | undefined>;

function option(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

function required(values: Values, name: string): string {
  const value = option(values, name);
  if (!value) throw new CommandError(`--${name} is required.\n\n${usage}`);
  return value;
}

async function serve(config: Readonly<Config>): Promise<void> {
  const server = await startServer(config);
  console.log(`Custodian is listening on ${server.url}/v1`);
  if (server.caFile) console.log(`TLS: certificate signed by the local CA in ${server.caFile}`);
  if (server.bootstrapFile)
    console.log(`First start: organisation, project and API key written to ${server.bootstrapFile}`);
  if (server.platform.models.list().length === 0) {
    console.log("No models are configured yet: set CUSTODIAN_UPSTREAMS to connect a model server.");
  }
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

async function main(argv: string[]): Promise<number> {
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
    case "audit verify": {
      const result = (await runOperation(config, "verifyAudit", {})) as VerifyResult;
      if (result.ok) {
        print(
          result,
          `Audit log intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints.`,
        );
        return 0;
      }
      print(result, `Audit log BROKEN at entry ${result.seq}: ${result.problem}.`);
      return 1;
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
