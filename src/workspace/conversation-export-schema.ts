// The schemas of the user export's open format (OWN-2): version 2, which carries each conversation's
// message tree (edits and regenerated versions), and version 1 (one line of messages), still read by
// imports. Documented in docs/exports.md.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { maxInstructions, maxMessage, maxTitle } from "./conversation-types.ts";

export const conversationExportFormat = "custodian-conversations-export";
export const conversationExportVersion = 2 as const;

const isoDatePattern = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$";
const IsoDate = Type.String({ pattern: isoDatePattern, maxLength: 40 });
const Id = Type.String({ minLength: 1, maxLength: 100 });
const ModelId = Type.String({ minLength: 1, maxLength: 256 });
const strict = { additionalProperties: false } as const;

/** An attachment's metadata. The format defines it; this installation stores none, so imports refuse them. */
const Attachment = Type.Object(
  {
    id: Id,
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    bytes: Type.Integer({ minimum: 0 }),
    media_type: Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()]),
  },
  strict,
);

const messageFields = {
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
};

const conversationFields = {
  id: Id,
  title: Type.Union([Type.String({ minLength: 1, maxLength: maxTitle }), Type.Null()]),
  model: ModelId,
  created_at: IsoDate,
  updated_at: IsoDate,
  /** Derived from the source's retention setting; informative only, an import ignores it. */
  kept_until: Type.Union([IsoDate, Type.Null()]),
};

/** Version 2: each message names the one it follows; siblings are edits or regenerated versions. */
const Message = Type.Object(
  {
    ...messageFields,
    /** An earlier message of the same conversation, or null at the root. */
    parent_id: Type.Union([Id, Type.Null()]),
    stopped: Type.Boolean(),
  },
  strict,
);

const Conversation = Type.Object(
  {
    ...conversationFields,
    system_prompt: Type.Union([Type.String({ minLength: 1, maxLength: maxInstructions }), Type.Null()]),
    pinned: Type.Boolean(),
    /** The last message of the branch shown; null when there are no messages. */
    active_message_id: Type.Union([Id, Type.Null()]),
    /** Every message of every branch, each after the one it follows. */
    messages: Type.Array(Message, { maxItems: 100_000 }),
  },
  strict,
);

const LinearConversation = Type.Object(
  { ...conversationFields, messages: Type.Array(Type.Object(messageFields, strict), { maxItems: 100_000 }) },
  strict,
);

function document<V extends number, C extends TSchema>(version: V, conversation: C) {
  return Type.Object(
    {
      format: Type.Literal(conversationExportFormat),
      version: Type.Literal(version),
      exported_at: IsoDate,
      source: Type.Object({ organization: Id, user: Id }, strict),
      counts: Type.Object(
        { conversations: Type.Integer({ minimum: 0 }), messages: Type.Integer({ minimum: 0 }) },
        strict,
      ),
      conversations: Type.Array(conversation, { maxItems: 100_000 }),
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
}

export const ConversationExportSchema = document(conversationExportVersion, Conversation);
/** Version 1: one line of messages per conversation, in order. */
export const ConversationExportV1Schema = document(1, LinearConversation);

export type ConversationExport = Static<typeof ConversationExportSchema>;
export type ConversationExportV1 = Static<typeof ConversationExportV1Schema>;
export type ExportedConversation = ConversationExport["conversations"][number];
export type ExportedMessage = ExportedConversation["messages"][number];
