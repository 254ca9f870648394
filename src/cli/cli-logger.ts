// The logger of a command-line command that opens the platform itself (admin commands, backups): only
// warnings and errors, and on standard error, so that standard output carries nothing but the command's
// result (`--json` output stays parseable; a piped backup or export stays byte-exact).
import pino, { type Logger } from "pino";
import { createLogger } from "../platform/platform.ts";

export function cliLogger(): Logger {
  return createLogger({ logLevel: "warn" }, pino.destination({ fd: 2, sync: true }));
}
