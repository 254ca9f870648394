// Chatting in a conversation: send (or edit and resend), regenerate, and switch between branches.
// Answers stream as server-sent events; an error before the first event still gets its status code.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { ChatEvent } from "../workspace/conversation-chat.ts";
import { abortOnClientGone } from "./completion-lifecycle.ts";
import { writeEventStream } from "./event-stream.ts";
import {
  memberResolver,
  own,
  renderCitation,
  renderMessage,
  renderSummary,
  type WorkspaceRoutesDependencies,
} from "./workspace-route-support.ts";

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const MessageId = Type.String({ minLength: 1, maxLength: 100 });
// Knowledge collections the answer may draw on, besides the conversation's attachments (each checked).
const CollectionIds = Type.Optional(
  Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 20, uniqueItems: true }),
);
const MessageBody = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: 1_000_000 }),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    // An edit: the parent of the message being edited (null for the first message).
    parent_id: Type.Optional(Type.Union([MessageId, Type.Null()])),
    collection_ids: CollectionIds,
  },
  { additionalProperties: false },
);
const RegenerateBody = Type.Object(
  {
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    message_id: Type.Optional(MessageId),
    collection_ids: CollectionIds,
  },
  { additionalProperties: false },
);
const BranchBody = Type.Object({ message_id: MessageId }, { additionalProperties: false });

export function workspaceChatRoutes(dependencies: WorkspaceRoutesDependencies): FastifyPluginAsync {
  const { chat, conversations } = dependencies;
  const member = memberResolver(dependencies);

  async function streamEvents(
    request: FastifyRequest,
    reply: FastifyReply,
    events: AsyncIterable<ChatEvent>,
  ): Promise<void> {
    await writeEventStream(
      request,
      reply,
      events,
      (event) =>
        event.type === "delta"
          ? event
          : event.type === "citations"
            ? { type: event.type, citations: event.citations.map(renderCitation) }
            : { type: event.type, message: event.message ? renderMessage(event.message) : null },
      { done: false },
    );
  }

  return async (app) => {
    app.post<{ Params: Static<typeof Id>; Body: Static<typeof MessageBody> }>(
      "/api/conversations/:id/messages",
      { schema: { params: Id, body: MessageBody }, config: own },
      async (request, reply) => {
        const caller = await member(request, true);
        const { signal } = abortOnClientGone(reply);
        const { content, model, parent_id: parentId, collection_ids: collectionIds } = request.body;
        const input = { content, model, collectionIds, ...(parentId === undefined ? {} : { parentId }) };
        await streamEvents(request, reply, chat.send(caller, request.params.id, input, signal));
      },
    );

    app.post<{ Params: Static<typeof Id>; Body: Static<typeof RegenerateBody> }>(
      "/api/conversations/:id/regenerate",
      { schema: { params: Id, body: RegenerateBody }, config: own },
      async (request, reply) => {
        const caller = await member(request, true);
        const { signal } = abortOnClientGone(reply);
        const body = request.body ?? {};
        const input = { model: body.model, messageId: body.message_id, collectionIds: body.collection_ids };
        await streamEvents(request, reply, chat.regenerate(caller, request.params.id, input, signal));
      },
    );

    // Show another version or edit: the branch through that message becomes the one shown.
    app.post<{ Params: Static<typeof Id>; Body: Static<typeof BranchBody> }>(
      "/api/conversations/:id/branch",
      { schema: { params: Id, body: BranchBody }, config: own },
      async (request) => {
        const chosen = await conversations.selectBranch(
          await member(request, true),
          request.params.id,
          request.body.message_id,
        );
        return {
          ...renderSummary(chosen.summary),
          system_prompt: chosen.systemPrompt,
          active_message_id: chosen.activeMessageId,
          messages: chosen.messages.map(renderMessage),
        };
      },
    );
  };
}
