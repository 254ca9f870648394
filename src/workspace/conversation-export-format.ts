// The user export's open format (OWN-2), version 1: its schema, its digest, and the one check an
// import runs before it writes anything. The format is documented in docs/exports.md.
import { createHash } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import { TypeCompiler, ValueErrorType } from "@sinclair/typebox/compiler";
import { maxMessage, maxTitle } from "./conversation-types.ts";
import { workspaceErrors } from "./workspace-errors.ts";

export const conversationExportFormat = "custodian-conversations-export";
export const conversationExportVersion = 1;
/** The largest export an import reads (bytes of JSON); the API's body limit for the import route. */
export const maxImportBytes = 32 * 1024 * 1024;

const isoDatePattern = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$";
const IsoDate = Type.String({ pattern: isoDatePattern, maxLength: 40 });
const Id = Type.String({ minLength: 1, maxLength: 100 });
const ModelId = Type.String({ minLength: 1, maxLength: 256 });
const strict = { additionalProperties: false } as const;

/** An attachment's metadata. Version 1 defines it; this installation stores none, so imports refuse them. */
const Attachment = Type.Object(
  {
    id: Id,
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    bytes: Type.Integer({ minimum: 0 }),
    media_type: Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()]),
  },
  strict,
);

const Message = Type.Object(
  {
    id: Id,
    role: Type.Union([Type.Literal("system"), Type.Literal("user"), Type.Literal("assistant")]),
    content: Type.String({ maxLength: maxMessage }),
    model: Type.Union([ModelId, Type.Null()]),
    usage: Type.Union([
      Type.Object(
        { prompt_tokens: Type.Integer({ minimum: 0 }), completion_tokens: Type.Integer({ minimum: 0 }) },
        strict,
      ),
      Type.Null(),
    ]),
    created_at: IsoDate,
    attachments: Type.Array(Attachment, { maxItems: 100 }),
  },
  strict,
);

const Conversation = Type.Object(
  {
    id: Id,
    title: Type.Union([Type.String({ minLength: 1, maxLength: maxTitle }), Type.Null()]),
    model: ModelId,
    created_at: IsoDate,
    updated_at: IsoDate,
    /** Derived from the source's retention setting; informative only, an import ignores it. */
    kept_until: Type.Union([IsoDate, Type.Null()]),
    messages: Type.Array(Message, { maxItems: 100_000 }),
  },
  strict,
);

export const ConversationExportSchema = Type.Object(
  {
    format: Type.Literal(conversationExportFormat),
    version: Type.Literal(conversationExportVersion),
    exported_at: IsoDate,
    source: Type.Object({ organization: Id, user: Id }, strict),
    counts: Type.Object(
      { conversations: Type.Integer({ minimum: 0 }), messages: Type.Integer({ minimum: 0 }) },
      strict,
    ),
    conversations: Type.Array(Conversation, { maxItems: 100_000 }),
    digest: Type.Object(
      {
        algorithm: Type.Literal("sha256"),
        canonicalization: Type.Literal("RFC8785"),
        value: Type.String({ pattern: "^[0-9a-f]{64}$" }),
      },
      strict,
    ),
  },
  strict,
);

export type ConversationExport = Static<typeof ConversationExportSchema>;
export type ExportedConversation = ConversationExport["conversations"][number];
export type ExportedMessage = ExportedConversation["messages"][number];

/** Compiled on first use, so processes that never import (most CLI commands) do not pay for it. */
let compiled: ReturnType<typeof TypeCompiler.Compile<typeof ConversationExportSchema>> | null = null;

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
export function exportDigest(document: Omit<ConversationExport, "digest"> & { digest?: unknown }): string {
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
  if (head.version !== conversationExportVersion)
    throw workspaceErrors.invalidExport(
      `Export version ${typeof head.version === "number" ? head.version : "(missing)"} is not supported; this installation reads version ${conversationExportVersion}.`,
    );
  compiled ??= TypeCompiler.Compile(ConversationExportSchema);
  if (!compiled.Check(value)) {
    const first = compiled.Errors(value).First();
    const place = (first && pathName(first.path)) || "the export";
    const problem =
      first?.type === ValueErrorType.ObjectRequiredProperty
        ? "is missing"
        : first?.type === ValueErrorType.ObjectAdditionalProperties
          ? "is not part of the format"
          : `is invalid: ${first?.message ?? "it does not match the format"}`;
    throw workspaceErrors.invalidExport(`${place} ${problem}.`);
  }
  const document = value;
  const messages = document.conversations.reduce(
    (sum, conversation) => sum + conversation.messages.length,
    0,
  );
  if (
    document.counts.conversations !== document.conversations.length ||
    document.counts.messages !== messages
  ) {
    throw workspaceErrors.invalidExport(
      `The export is incomplete or altered: it declares ${document.counts.conversations} conversations and ${document.counts.messages} messages but holds ${document.conversations.length} and ${messages}.`,
    );
  }
  if (exportDigest(document) !== document.digest.value)
    throw workspaceErrors.invalidExport(
      "The export was altered or damaged: its content does not match its SHA-256 digest.",
      "digest",
    );
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
    conversation.messages.forEach((message, position) => {
      const place = `${path}.messages[${position}]`;
      if (ids.has(message.id)) throw workspaceErrors.invalidExport(`${place}.id is used twice.`);
      ids.add(message.id);
      checkDate(message.created_at, `${place}.created_at`);
      // Dropping them silently would lose data; refusing says so.
      if (message.attachments.length > 0)
        throw workspaceErrors.invalidExport(`${place}.attachments: this installation stores no attachments.`);
    });
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
