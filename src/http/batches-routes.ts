// /v1/batches: create, retrieve, list and cancel, in OpenAI's shapes, for the caller's project only.
// Registered inside the /v1 plugin, so the API key check there applies.
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { errors } from "../core/errors.ts";
import type { BatchService } from "../batches/batch-service.ts";

const createBody = Type.Object(
  {
    input_file_id: Type.String({ minLength: 1, maxLength: 128 }),
    endpoint: Type.String({ minLength: 1, maxLength: 128 }),
    completion_window: Type.String({ minLength: 1, maxLength: 16 }),
    metadata: Type.Optional(Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()])),
    // Checked by the service, whose errors name the field that is wrong.
    output_expires_after: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);

const listQuery = Type.Object({
  after: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,3}$" })),
});

export function batchesRoutes(batches: BatchService) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.post<{ Body: Static<typeof createBody> }>(
      "/batches",
      { schema: { body: createBody } },
      async (request) => {
        const { body } = request;
        const row = await batches.create(request.principal!, {
          inputFileId: body.input_file_id,
          endpoint: body.endpoint,
          completionWindow: body.completion_window,
          metadata: body.metadata ?? null,
          outputExpiresAfter: body.output_expires_after,
        });
        return batches.toObject(row);
      },
    );

    app.get<{ Querystring: Static<typeof listQuery> }>(
      "/batches",
      { schema: { querystring: listQuery } },
      async (request) => {
        const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
        if (limit !== undefined && (limit < 1 || limit > 100))
          throw errors.invalidRequest("'limit' must be between 1 and 100.", "limit");
        const page = await batches.list(request.principal!, {
          ...(request.query.after ? { after: request.query.after } : {}),
          ...(limit !== undefined ? { limit } : {}),
        });
        const data = await Promise.all(page.batches.map((row) => batches.toObject(row)));
        return {
          object: "list",
          data,
          first_id: data[0]?.id ?? null,
          last_id: data.at(-1)?.id ?? null,
          has_more: page.hasMore,
        };
      },
    );

    app.get<{ Params: { id: string } }>("/batches/:id", async (request) =>
      batches.toObject(await batches.get(request.principal!, request.params.id)),
    );

    app.post<{ Params: { id: string } }>("/batches/:id/cancel", async (request) =>
      batches.toObject(await batches.cancel(request.principal!, request.params.id)),
    );
  };
}
