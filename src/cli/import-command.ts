// `custodian import FILE --org ID --user ID`: read a user's conversations export (bounded in size) and
// load it into that user's account, through the running server if there is one.
import { readFileSync, statSync } from "node:fs";
import type { Config } from "../config/config.ts";
import { maxImportBytes } from "../workspace/conversation-export-format.ts";
import type { ImportResult } from "../workspace/conversation-import.ts";
import { CommandError, runOperation } from "./admin-client.ts";

export async function importCommand(
  config: Readonly<Config>,
  files: string[],
  options: { organization?: string; user?: string; json: boolean },
): Promise<number> {
  const [file] = files;
  if (!file || files.length > 1) throw new CommandError("Give one export file to import.");
  if (!options.organization) throw new CommandError("--org is required.");
  if (!options.user)
    throw new CommandError("--user is required (the id of the user who gets the conversations).");
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new CommandError(`Cannot read ${file}.`);
  }
  if (size > maxImportBytes)
    throw new CommandError(
      `Import refused, nothing was imported: an export is at most ${maxImportBytes} bytes.`,
    );
  const result = (await runOperation(config, "importConversations", {
    organization: options.organization,
    user: options.user,
    export: readFileSync(file, "utf8"),
  })) as ImportResult;
  console.log(
    options.json
      ? JSON.stringify(result)
      : `Imported ${result.conversations.length} conversations (${result.messages} messages) for ${options.user}.\n` +
          result.conversations
            .map((conversation) => `${conversation.source_id}\t-> ${conversation.id}`)
            .join("\n"),
  );
  return 0;
}
