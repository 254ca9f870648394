// Read-only shares of a conversation inside the organisation (CTL-2's "sharing" switch), and the
// member's own preferences (custom instructions). Handlers stay thin: the services decide.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { CustodianError } from "../core/errors.ts";
import type { Member } from "../workspace/conversation-types.ts";
import { maxShareDays, type ShareSummary } from "../workspace/conversation-shares.ts";
import { maxInstructions } from "../workspace/conversation-types.ts";
import { memberResolver, own, type WorkspaceRoutesDependencies } from "./workspace-route-support.ts";

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const ShareBody = Type.Object(
  {
    expires_in_days: Type.Union([Type.Integer({ minimum: 1, maximum: maxShareDays }), Type.Null()]),
  },
  { additionalProperties: false },
);
const PreferencesBody = Type.Object(
  { instructions: Type.Union([Type.String({ maxLength: maxInstructions }), Type.Null()]) },
  { additionalProperties: false },
);

function renderShare(share: ShareSummary) {
  return {
    id: share.id,
    conversation_id: share.conversationId,
    path: `/s/${share.id}`,
    created_at: share.createdAt.toISOString(),
    expires_at: share.expiresAt?.toISOString() ?? null,
    revoked: share.revoked,
  };
}

export function workspaceShareRoutes(dependencies: WorkspaceRoutesDependencies): FastifyPluginAsync {
  const { conversations, requireSharing } = dependencies;
  const member = memberResolver(dependencies);
  const { shares, preferences } = conversations;

  return async (app) => {
    app.post<{ Params: Static<typeof Id>; Body: Static<typeof ShareBody> }>(
      "/api/conversations/:id/shares",
      { schema: { params: Id, body: ShareBody }, config: own },
      async (request, reply) => {
        const caller = await member(request, true);
        await requireSharing?.(caller);
        const share = await shares.create(caller, request.params.id, {
          expiresInDays: request.body.expires_in_days,
        });
        return reply.status(201).send(renderShare(share));
      },
    );

    app.get<{ Params: Static<typeof Id> }>(
      "/api/conversations/:id/shares",
      { schema: { params: Id }, config: own },
      async (request) => ({
        data: (await shares.list(await member(request, false), request.params.id)).map(renderShare),
      }),
    );

    app.delete<{ Params: Static<typeof Id> }>(
      "/api/shares/:id",
      { schema: { params: Id }, config: own },
      async (request, reply) => {
        await shares.revoke(await member(request, true), request.params.id);
        return reply.status(204).send();
      },
    );

    // Any signed-in member of the share's organisation; anyone else gets 404, as for no share at all.
    app.get<{ Params: Static<typeof Id> }>(
      "/api/shares/:id",
      { schema: { params: Id }, config: own },
      async (request) => {
        const viewer = await member(request, false);
        // A share lives only while sharing stays on for the member who made it.
        const allowed = async (owner: Member) => {
          try {
            await requireSharing?.(owner);
            return true;
          } catch (error) {
            if (error instanceof CustodianError && error.code === "feature_disabled") return false;
            throw error;
          }
        };
        const shared = await shares.open(viewer, request.params.id, allowed);
        return {
          id: shared.id,
          title: shared.title,
          model: shared.model,
          shared_at: shared.sharedAt.toISOString(),
          expires_at: shared.expiresAt?.toISOString() ?? null,
          shared_by_you: shared.sharedBy === viewer.userId,
          messages: shared.messages,
        };
      },
    );

    app.get("/api/preferences", { config: own }, async (request) =>
      preferences.get(await member(request, false)),
    );

    app.put<{ Body: Static<typeof PreferencesBody> }>(
      "/api/preferences",
      { schema: { body: PreferencesBody }, config: own },
      async (request) => preferences.set(await member(request, true), request.body),
    );
  };
}
