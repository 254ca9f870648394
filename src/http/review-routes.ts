// /api/review: the abuse-review queue for members holding the review permission (API-4). Listing shows
// metadata; opening a record decrypts it and is logged for the organisation; verdicts need CSRF.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { SessionPrincipal, SessionService } from "../identity/session-service.ts";
import type { FlaggedRecord, ReviewQueue } from "../privacy/review-queue.ts";
import {
  privacyPermissions,
  type PermissionCheck,
  type PrivacyPermission,
} from "../privacy/review-permissions.ts";
import { oversightErrors } from "../privacy/staff-errors.ts";
import { requireSession, requireSessionForChange } from "./session.ts";

export interface ReviewRoutesDependencies {
  sessions: SessionService;
  permissions: PermissionCheck;
  review: ReviewQueue;
  secureCookies: boolean;
}

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const ListQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal("pending"), Type.Literal("all")])),
});
const VerdictBody = Type.Object(
  { verdict: Type.Union([Type.Literal("dismiss"), Type.Literal("confirm")]) },
  { additionalProperties: false },
);

function renderRecord(record: FlaggedRecord) {
  return {
    id: record.id,
    project: record.projectId,
    request_id: record.requestId,
    endpoint: record.endpoint,
    model: record.model,
    categories: record.categories,
    review_status: record.reviewStatus,
    created_at: record.createdAt.toISOString(),
    expires_at: record.expiresAt.toISOString(),
  };
}

export function reviewRoutes(dependencies: ReviewRoutesDependencies): FastifyPluginAsync {
  const { sessions, permissions, review, secureCookies } = dependencies;

  async function reviewer(
    request: FastifyRequest,
    permission: PrivacyPermission,
    change: boolean,
  ): Promise<SessionPrincipal> {
    const principal = change
      ? await requireSessionForChange(request, sessions, secureCookies)
      : await requireSession(request, sessions, secureCookies);
    if (!(await permissions.allowed(principal.organizationId, principal.userId, permission)))
      throw oversightErrors.permissionDenied(permission);
    return principal;
  }

  return async (app) => {
    app.get<{ Querystring: Static<typeof ListQuery> }>(
      "/api/review/records",
      { schema: { querystring: ListQuery } },
      async (request) => {
        const principal = await reviewer(request, privacyPermissions.reviewRead, false);
        const records = await review.list(principal.organizationId, { all: request.query.status === "all" });
        return { data: records.map(renderRecord) };
      },
    );

    app.get<{ Params: Static<typeof Id> }>(
      "/api/review/records/:id",
      { schema: { params: Id } },
      async (request) => {
        const principal = await reviewer(request, privacyPermissions.reviewRead, false);
        const { record, content } = await review.view(
          principal.organizationId,
          request.params.id,
          principal.userId,
        );
        return { ...renderRecord(record), content };
      },
    );

    app.post<{ Params: Static<typeof Id>; Body: Static<typeof VerdictBody> }>(
      "/api/review/records/:id/verdict",
      { schema: { params: Id, body: VerdictBody } },
      async (request) => {
        const principal = await reviewer(request, privacyPermissions.reviewDecide, true);
        const decided = await review.decide(
          principal.organizationId,
          request.params.id,
          principal.userId,
          request.body.verdict,
        );
        return { id: decided.id, record: request.params.id, verdict: decided.verdict };
      },
    );
  };
}
