// The user export's open format (OWN-2): its digest, and the one check an import runs before it
// writes anything; a version 1 export is read as one branch per conversation. The schemas are in
// conversation-export-schema.ts; the format is documented in docs/exports.md.
import { createHash } from "node:crypto";
import { TypeCompiler, ValueErrorType } from "@sinclair/typebox/compiler";
import {
  ConversationExportSchema,
  ConversationExportV1Schema,
  conversationExportFormat,
  conversationExportVersion,
  type ConversationExport,
  type ConversationExportV1,
} from "./conversation-export-schema.ts";
import { workspaceErrors } from "./workspace-errors.ts";

export {
  conversationExportFormat,
  conversationExportVersion,
  type ConversationExport,
  type ExportedConversation,
  type ExportedMessage,
} from "./conversation-export-schema.ts";
/** The largest export an import reads (bytes of JSON); the API's body limit for the import route. */
export const maxImportBytes = 32 * 1024 * 1024;

/** Compiled on first use, so processes that never import (most CLI commands) do not pay for it. */
let compiled: ReturnType<typeof TypeCompiler.Compile<typeof ConversationExportSchema>> | null = null;
let compiledV1: ReturnType<typeof TypeCompiler.Compile<typeof ConversationExportV1Schema>> | null = null;

/** A version 1 document as version 2: each message follows the one before it; the last is shown. */
function upgrade(document: ConversationExportV1): ConversationExport {
  return {
    ...document,
    version: conversationExportVersion,
    conversations: document.conversations.map((conversation) => ({
      ...conversation,
      system_prompt: null,
      pinned: false,
      active_message_id: conversation.messages.at(-1)?.id ?? null,
      messages: conversation.messages.map((message, index) => ({
        ...message,
        parent_id: index === 0 ? null : conversation.messages[index - 1]!.id,
        stopped: false,
      })),
    })),
  };
}

/**
 * JSON in the canonical form of RFC 8785 (JCS) for the values an export holds (strings, finite
 * numbers, booleans, null, arrays, objects): keys sorted by UTF-16 code units, no whitespace,
 * ECMAScript number and string serialisation. Reformatting or reordering a file keeps its digest.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the canonical form of the whole document except its `digest` member. */
export function exportDigest(
  document: Omit<ConversationExport | ConversationExportV1, "digest"> & { digest?: unknown },
): string {
  const { digest: _ignored, ...covered } = document;
  return createHash("sha256").update(canonicalJson(covered)).digest("hex");
}

/** "/conversations/0/messages/1/role" -> "conversations[0].messages[1].role" */
function pathName(pointer: string): string {
  return pointer
    .split("/")
    .filter(Boolean)
    .reduce(
      (joined, part) => (/^\d+$/.test(part) ? `${joined}[${part}]` : joined ? `${joined}.${part}` : part),
      "",
    );
}

function checkDate(value: string, path: string): void {
  if (Number.isNaN(new Date(value).getTime())) throw workspaceErrors.invalidExport(`${path} is not a date.`);
}

/**
 * The export, checked whole before anything is written: its format and version, its schema (which
 * bounds every string and array), its counts (a truncated list), its digest (any change not made
 * through a new digest), unique ids and real dates. Errors name the place, never the content.
 */
export function checkConversationExport(value: unknown): ConversationExport {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw workspaceErrors.invalidExport("The export is not a JSON object.");
  const head = value as Record<string, unknown>;
  if (head.format !== conversationExportFormat)
    throw workspaceErrors.invalidExport(
      `This is not a Custodian conversations export ('format' is not '${conversationExportFormat}').`,
    );
  if (head.version !== conversationExportVersion && head.version !== 1)
    throw workspaceErrors.invalidExport(
      `Export version ${typeof head.version === "number" ? head.version : "(missing)"} is not supported; this installation reads versions 1 and ${conversationExportVersion}.`,
    );
  const checker =
    head.version === 1
      ? (compiledV1 ??= TypeCompiler.Compile(ConversationExportV1Schema))
      : (compiled ??= TypeCompiler.Compile(ConversationExportSchema));
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    const place = (first && pathName(first.path)) || "the export";
    const problem =
      first?.type === ValueErrorType.ObjectRequiredProperty
        ? "is missing"
        : first?.type === ValueErrorType.ObjectAdditionalProperties
          ? "is not part of the format"
          : `is invalid: ${first?.message ?? "it does not match the format"}`;
    throw workspaceErrors.invalidExport(`${place} ${problem}.`);
  }
  // The digest covers the document as written; a version 1 export is read as version 2 after it.
  const written = value as ConversationExport | ConversationExportV1;
  const messages = written.conversations.reduce((sum, conversation) => sum + conversation.messages.length, 0);
  if (written.counts.conversations !== written.conversations.length || written.counts.messages !== messages) {
    throw workspaceErrors.invalidExport(
      `The export is incomplete or altered: it declares ${written.counts.conversations} conversations and ${written.counts.messages} messages but holds ${written.conversations.length} and ${messages}.`,
    );
  }
  if (exportDigest(written) !== written.digest.value)
    throw workspaceErrors.invalidExport(
      "The export was altered or damaged: its content does not match its SHA-256 digest.",
      "digest",
    );
  const document = written.version === 1 ? upgrade(written) : written;
  const ids = new Set<string>();
  checkDate(document.exported_at, "exported_at");
  document.conversations.forEach((conversation, index) => {
    const path = `conversations[${index}]`;
    if (ids.has(conversation.id)) throw workspaceErrors.invalidExport(`${path}.id is used twice.`);
    ids.add(conversation.id);
    checkDate(conversation.created_at, `${path}.created_at`);
    checkDate(conversation.updated_at, `${path}.updated_at`);
    if (conversation.title !== null && conversation.title.trim().length === 0)
      throw workspaceErrors.invalidExport(`${path}.title is blank.`);
    // A message follows one written before it in the same conversation, so the tree has no cycle.
    const earlier = new Set<string>();
    conversation.messages.forEach((message, position) => {
      const place = `${path}.messages[${position}]`;
      if (ids.has(message.id)) throw workspaceErrors.invalidExport(`${place}.id is used twice.`);
      ids.add(message.id);
      if (message.parent_id !== null && !earlier.has(message.parent_id))
        throw workspaceErrors.invalidExport(
          `${place}.parent_id names no earlier message of this conversation.`,
        );
      earlier.add(message.id);
      checkDate(message.created_at, `${place}.created_at`);
      // Dropping them silently would lose data; refusing says so.
      if (message.attachments.length > 0)
        throw workspaceErrors.invalidExport(`${place}.attachments: this installation stores no attachments.`);
    });
    if (conversation.active_message_id !== null && !earlier.has(conversation.active_message_id))
      throw workspaceErrors.invalidExport(`${path}.active_message_id names no message of this conversation.`);
  });
  return document;
}

/** Parse an export read from a file, bounded in size; a truncated file fails here or at its counts. */
export function parseConversationExport(text: string): ConversationExport {
  if (Buffer.byteLength(text, "utf8") > maxImportBytes) throw workspaceErrors.exportTooLarge(maxImportBytes);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw workspaceErrors.invalidExport("The export is not valid JSON (is the file complete?).");
  }
  return checkConversationExport(value);
}
