// `custodian import FILE --org ID --user ID`: read a user's conversations export (bounded in size) and
// load it into that user's account, through the running server if there is one.
import { readFileSync, statSync } from "node:fs";
import { maxImportBytes } from "../workspace/conversation-export-format.ts";
import type { ImportResult } from "../workspace/conversation-import.ts";
import { CommandError, runOperation } from "./admin-client.ts";
import type { Command } from "./command.ts";

export const importCommand: Command = {
  words: "import",
  arguments: "FILE",
  usage: "--org ID --user ID [--json]",
  description:
    "load a user's conversations export (from the web app's Export, or GET /api/export) into that user's account here",
  options: { org: { type: "string" }, user: { type: "string" }, json: { type: "boolean" } },
  async run({ config, flags, arguments: files, print }) {
    const [file] = files;
    if (!file || files.length > 1) throw new CommandError("Give one export file to import.");
    const { org: organization, user } = flags;
    if (typeof organization !== "string" || !organization) throw new CommandError("--org is required.");
    if (typeof user !== "string" || !user)
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
      organization,
      user,
      export: readFileSync(file, "utf8"),
    })) as ImportResult;
    print(
      result,
      `Imported ${result.conversations.length} conversations (${result.messages} messages) for ${user}.\n` +
        result.conversations
          .map((conversation) => `${conversation.source_id}\t-> ${conversation.id}`)
          .join("\n"),
    );
    return 0;
  },
};
