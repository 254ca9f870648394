// /api/conversations: the chat workspace's API (PLAT-1) for the signed-in user. Handlers stay thin: find the
// member from the session, call the conversation service, render. Chatting (server-sent events) is in
// workspace-chat-routes.ts; shares and preferences in workspace-share-routes.ts.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { privateModelPrefix } from "../inference/private-models.ts";
import { maxImportBytes } from "../workspace/conversation-export-format.ts";
import { maxInstructions } from "../workspace/conversation-types.ts";
import { workspaceChatRoutes } from "./workspace-chat-routes.ts";
import {
  memberResolver,
  own,
  renderMessage,
  renderSummary,
  type WorkspaceRoutesDependencies,
} from "./workspace-route-support.ts";
import { workspaceShareRoutes } from "./workspace-share-routes.ts";

export type { WorkspaceRoutesDependencies } from "./workspace-route-support.ts";

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const ListQuery = Type.Object({
  // Query strings are text; the service clamps the number.
  limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,3}$" })),
  after: Type.Optional(Type.String({ maxLength: 500 })),
  search: Type.Optional(Type.String({ maxLength: 300 })),
  pinned: Type.Optional(Type.Union([Type.Literal("true"), Type.Literal("false")])),
});
const CreateBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    title: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);
const ChangeBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    pinned: Type.Optional(Type.Boolean()),
    system_prompt: Type.Optional(Type.Union([Type.String({ maxLength: maxInstructions }), Type.Null()])),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export function workspaceRoutes(dependencies: WorkspaceRoutesDependencies): FastifyPluginAsync {
  const { conversations, models, allowedModels, requireExport } = dependencies;
  const member = memberResolver(dependencies);

  return async (app) => {
    // The installation's models and the organisation's own fine-tuned ones, as the switches allow.
    app.get("/api/models", { config: own }, async (request) => {
      const caller = await member(request, false);
      const allowed = allowedModels ? await allowedModels(caller) : () => true;
      return {
        data: (await models.listFor(caller.organizationId))
          .filter((model) => allowed(model.id))
          .map((model) => ({
            id: model.id,
            owned_by: model.ownedBy,
            demo: model.metadata?.demo === true,
            fine_tuned: model.id.startsWith(privateModelPrefix),
          })),
        // Models still being prepared (the demo model's first build), with their progress from 0 to 1.
        preparing: models.preparing().filter((model) => allowed(model.id)),
      };
    });

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      "/api/conversations",
      { schema: { querystring: ListQuery }, config: own },
      async (request) => {
        const { limit, after, search, pinned } = request.query;
        const page = await conversations.list(await member(request, false), {
          limit: limit === undefined ? undefined : Number(limit),
          after,
          search,
          pinned: pinned === undefined ? undefined : pinned === "true",
        });
        return {
          data: page.data.map((summary) => ({
            ...renderSummary(summary),
            ...(page.snippets ? { snippet: page.snippets[summary.id] ?? null } : {}),
          })),
          next: page.next,
          ...(page.scanned === undefined ? {} : { scanned: page.scanned }),
        };
      },
    );

    app.post<{ Body: Static<typeof CreateBody> }>(
      "/api/conversations",
      { schema: { body: CreateBody }, config: own },
      async (request, reply) => {
        const caller = await member(request, true);
        await models.resolve(request.body.model, caller.organizationId);
        const created = await conversations.create(caller, request.body);
        return reply.status(201).send(renderSummary(created));
      },
    );

    app.get<{ Params: Static<typeof Id> }>(
      "/api/conversations/:id",
      { schema: { params: Id }, config: own },
      async (request) => {
        const { summary, messages, activeMessageId, systemPrompt } = await conversations.get(
          await member(request, false),
          request.params.id,
        );
        return {
          ...renderSummary(summary),
          system_prompt: systemPrompt,
          active_message_id: activeMessageId,
          messages: messages.map(renderMessage),
        };
      },
    );

    app.patch<{ Params: Static<typeof Id>; Body: Static<typeof ChangeBody> }>(
      "/api/conversations/:id",
      { schema: { params: Id, body: ChangeBody }, config: own },
      async (request) => {
        const caller = await member(request, true);
        const { title, pinned, system_prompt: systemPrompt, model } = request.body;
        if (model !== undefined) await models.resolve(model, caller.organizationId);
        return renderSummary(
          await conversations.update(caller, request.params.id, { title, pinned, systemPrompt, model }),
        );
      },
    );

    app.delete<{ Params: Static<typeof Id> }>(
      "/api/conversations/:id",
      { schema: { params: Id }, config: own },
      async (request, reply) => {
        await conversations.delete(await member(request, true), request.params.id);
        return reply.status(204).send();
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

    await app.register(workspaceChatRoutes(dependencies));
    await app.register(workspaceShareRoutes(dependencies));
  };
}
