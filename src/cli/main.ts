// The `custodian` command line (started by src/main.ts): finds the command its words name and runs it.
// The commands are listed in admin-commands.ts (the administrative operations), audit-commands.ts and
// platform-commands.ts.
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, type Config } from "../config/config.ts";
import { CommandError } from "./admin-client.ts";
import { adminCommands } from "./admin-commands.ts";
import { auditCommands } from "./audit-commands.ts";
import { evidenceCommands } from "./evidence-command.ts";
import { backupCommands } from "./backup-commands.ts";
import type { Command } from "./command.ts";
import { helpText } from "./help.ts";
import { platformCommands } from "./platform-commands.ts";

const commands: readonly Command[] = [
  ...platformCommands,
  ...adminCommands,
  ...auditCommands,
  ...evidenceCommands,
  ...backupCommands,
];
const usage = helpText(commands);

/** Every command's flags: a flag a command does not read is accepted and ignored, as it always was. */
function allOptions(): Record<string, { type: "string" | "boolean"; short?: string }> {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const command of commands) {
    for (const [flag, option] of Object.entries(command.options)) {
      if (options[flag] && options[flag].type !== option.type)
        throw new Error(
          `The flag --${flag} is a ${options[flag].type} in one command, a ${option.type} in another.`,
        );
      options[flag] = option;
    }
  }
  return options;
}

/** The command the words name; one that takes arguments may be followed by them. */
function find(positionals: string[]): { command: Command; rest: string[] } | null {
  const words = positionals.join(" ");
  const exact = commands.find((command) => command.words === words);
  if (exact) return { command: exact, rest: [] };
  for (const command of commands) {
    const count = command.words.split(" ").length;
    if (command.arguments && positionals.slice(0, count).join(" ") === command.words)
      return { command, rest: positionals.slice(count) };
  }
  return null;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: allOptions() });
  const words = positionals.join(" ");
  if (values.help || words === "" || words === "help") {
    console.log(usage);
    return 0;
  }
  const found = find(positionals);
  if (!found) throw new CommandError(`Unknown command '${words}'.\n\n${usage}`);
  // Read at first use: `audit verify --offline` needs no configuration at all.
  let config: Readonly<Config> | undefined;
  return found.command.run({
    get config() {
      if (!config) {
        config = loadConfig();
        if (!found.command.createsDataDir && !existsSync(config.dataDir))
          throw new CommandError(
            `No Custodian data directory at ${config.dataDir}. Point CUSTODIAN_DATA_DIR at your installation's ` +
              "data directory, or start one there with `custodian serve`.",
          );
      }
      return config;
    },
    flags: values,
    arguments: found.rest,
    print: (value, text) => console.log(values.json ? JSON.stringify(value) : text),
  });
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
