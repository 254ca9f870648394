// /api/conversations: the chat workspace's API (PLAT-1) for the signed-in user. Handlers stay thin: find the
// member from the session, call the conversation service, render. Answers stream as server-sent events.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionService } from "../identity/session-service.ts";
import type { UserService } from "../identity/user-service.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import type { ChatEvent, ConversationChat } from "../workspace/conversation-chat.ts";
import type {
  ConversationService,
  ConversationSummary,
  Member,
  StoredMessage,
} from "../workspace/conversation-service.ts";
import { maxImportBytes } from "../workspace/conversation-export-format.ts";
import { abortOnClientGone } from "./completion-lifecycle.ts";
import { writeEventStream } from "./event-stream.ts";
import { requireSession, requireSessionForChange } from "./session.ts";

export interface WorkspaceRoutesDependencies {
  sessions: SessionService;
  users: UserService;
  conversations: ConversationService;
  chat: ConversationChat;
  models: ModelRouter;
  secureCookies: boolean;
  /** Which models a member may use (feature switches); every model when absent. */
  allowedModels?: (member: Member) => Promise<(modelId: string) => boolean>;
  /** Throws 403 when a feature switch turns "export" off for the member. */
  requireExport?: (member: Member) => Promise<void>;
}

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const ListQuery = Type.Object({
  // Query strings are text; the service clamps the number.
  limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,3}$" })),
  after: Type.Optional(Type.String({ maxLength: 500 })),
  search: Type.Optional(Type.String({ maxLength: 300 })),
});
const CreateBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    title: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);
const RenameBody = Type.Object(
  { title: Type.String({ minLength: 1, maxLength: 300 }) },
  { additionalProperties: false },
);
const MessageBody = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: 1_000_000 }),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);
const RegenerateBody = Type.Object(
  { model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) },
  { additionalProperties: false },
);

function renderSummary(summary: ConversationSummary) {
  return {
    id: summary.id,
    title: summary.title,
    model: summary.model,
    created_at: summary.createdAt.toISOString(),
    updated_at: summary.updatedAt.toISOString(),
    kept_until: summary.keptUntil?.toISOString() ?? null,
  };
}

function renderMessage(message: StoredMessage) {
  return {
    id: message.id,
    role: message.role,
    content: message.content,
    model: message.model,
    usage: message.usage,
    created_at: message.createdAt.toISOString(),
  };
}

export function workspaceRoutes(dependencies: WorkspaceRoutesDependencies): FastifyPluginAsync {
  const { sessions, users, conversations, chat, models, secureCookies, allowedModels, requireExport } =
    dependencies;
  // Every route here serves the signed-in member's own conversations; the permission check reads this.
  const own = { permission: "conversations.use" } as const;

  async function member(request: FastifyRequest, change: boolean): Promise<Member> {
    const principal = change
      ? await requireSessionForChange(request, sessions, secureCookies)
      : await requireSession(request, sessions, secureCookies);
    const workspace = await users.defaultWorkspace(principal.organizationId);
    return { organizationId: principal.organizationId, workspaceId: workspace.id, userId: principal.userId };
  }

  /** Stream chat events as SSE; an error before the first event still gets its status code. */
  async function streamEvents(
    request: FastifyRequest,
    reply: FastifyReply,
    events: AsyncIterable<ChatEvent>,
  ) {
    await writeEventStream(
      request,
      reply,
      events,
      (event) =>
        event.type === "delta"
          ? event
          : { type: event.type, message: event.message ? renderMessage(event.message) : null },
      { done: false },
    );
  }

  return async (app) => {
    app.get("/api/models", { config: own }, async (request) => {
      const caller = await member(request, false);
      const allowed = allowedModels ? await allowedModels(caller) : () => true;
      return {
        data: models
          .list()
          .filter((model) => allowed(model.id))
          .map((model) => ({ id: model.id, owned_by: model.ownedBy, demo: model.metadata?.demo === true })),
      };
    });

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      "/api/conversations",
      { schema: { querystring: ListQuery }, config: own },
      async (request) => {
        const { limit, after, search } = request.query;
        const page = await conversations.list(await member(request, false), {
          limit: limit === undefined ? undefined : Number(limit),
          after,
          search,
        });
        return { data: page.data.map(renderSummary), next: page.next };
      },
    );

    app.post<{ Body: Static<typeof CreateBody> }>(
      "/api/conversations",
      { schema: { body: CreateBody }, config: own },
      async (request, reply) => {
        const caller = await member(request, true);
        models.get(request.body.model);
        const created = await conversations.create(caller, request.body);
        return reply.status(201).send(renderSummary(created));
      },
    );

    app.get<{ Params: Static<typeof Id> }>(
      "/api/conversations/:id",
      { schema: { params: Id }, config: own },
      async (request) => {
        const { summary, messages } = await conversations.get(
          await member(request, false),
          request.params.id,
        );
        return { ...renderSummary(summary), messages: messages.map(renderMessage) };
      },
    );

    app.patch<{ Params: Static<typeof Id>; Body: Static<typeof RenameBody> }>(
      "/api/conversations/:id",
      { schema: { params: Id, body: RenameBody }, config: own },
      async (request) =>
        renderSummary(
          await conversations.rename(await member(request, true), request.params.id, request.body.title),
        ),
    );

    app.delete<{ Params: Static<typeof Id> }>(
      "/api/conversations/:id",
      { schema: { params: Id }, config: own },
      async (request, reply) => {
        await conversations.delete(await member(request, true), request.params.id);
        return reply.status(204).send();
      },
    );

    app.post<{ Params: Static<typeof Id>; Body: Static<typeof MessageBody> }>(
      "/api/conversations/:id/messages",
      { schema: { params: Id, body: MessageBody }, config: own },
      async (request, reply) => {
        const caller = await member(request, true);
        const { signal } = abortOnClientGone(reply);
        await streamEvents(request, reply, chat.send(caller, request.params.id, request.body, signal));
      },
    );

    app.post<{ Params: Static<typeof Id>; Body: Static<typeof RegenerateBody> }>(
      "/api/conversations/:id/regenerate",
      { schema: { params: Id, body: RegenerateBody }, config: own },
      async (request, reply) => {
        const caller = await member(request, true);
        const { signal } = abortOnClientGone(reply);
        await streamEvents(
          request,
          reply,
          chat.regenerate(caller, request.params.id, request.body ?? {}, signal),
        );
      },
    );

    app.get("/api/export", { config: own }, async (request, reply) => {
      const caller = await member(request, false);
      await requireExport?.(caller);
      const exported = await conversations.export(caller);
      void reply.header("content-disposition", 'attachment; filename="custodian-conversations.json"');
      return exported;
    });

    // The body is an export document; the service checks all of it before writing anything.
    app.post(
      "/api/conversations/import",
      { config: own, bodyLimit: maxImportBytes },
      async (request, reply) => {
        const result = await conversations.import(await member(request, true), request.body);
        return reply.status(201).send(result);
      },
    );
  };
}
