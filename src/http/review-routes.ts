// /api/review: the abuse-review queue for members holding the review permission (API-4). Listing shows
// metadata; opening a record decrypts it and is logged for the organisation; verdicts need CSRF.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { FlaggedRecord, ReviewQueue } from "../privacy/review-queue.ts";
import { caller } from "./admin-api-permissions.ts";

export interface ReviewRoutesDependencies {
  review: ReviewQueue;
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
  const { review } = dependencies;

  return async (app) => {
    app.get<{ Querystring: Static<typeof ListQuery> }>(
      "/api/review/records",
      { schema: { querystring: ListQuery }, config: { permission: "review.read" } },
      async (request) => {
        const principal = caller(request);
        const records = await review.list(principal.organizationId, { all: request.query.status === "all" });
        return { data: records.map(renderRecord) };
      },
    );

    app.get<{ Params: Static<typeof Id> }>(
      "/api/review/records/:id",
      { schema: { params: Id }, config: { permission: "review.read" } },
      async (request) => {
        const principal = caller(request);
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
      { schema: { params: Id, body: VerdictBody }, config: { permission: "review.decide" } },
      async (request) => {
        const principal = caller(request);
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
