// /api/admin: API projects, their allowed models and API keys (list, create and revoke: the same
// operations as `custodian keys ...`), and usage per project, model and day.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { apiKeyOperations } from "../identity/api-key-operations.ts";
import { parseCompletionsUsageQuery } from "../usage/usage-reports.ts";
import { caller } from "./admin-api-permissions.ts";
import type { AdminApiDependencies } from "./admin-api-routes.ts";
import { operationRoute } from "./operation-route.ts";

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const ProjectBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
const ModelsBody = Type.Object(
  {
    models: Type.Union([
      Type.Null(),
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 200 }),
    ]),
  },
  { additionalProperties: false },
);
const KeyBody = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 200 })), read_only: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const UsageQuery = Type.Object({
  days: Type.Optional(Type.String({ pattern: "^[0-9]{1,2}$" })),
});

const daySeconds = 86_400;

export function adminProjectRoutes(dependencies: AdminApiDependencies): FastifyPluginAsync {
  const { tenancy, access, usageReports, operations } = dependencies;
  return async (app) => {
    app.get("/api/admin/projects", { config: { permission: "projects.read" } }, async (request) => {
      const { organizationId } = caller(request);
      const projects = await tenancy.listProjects(organizationId);
      return {
        data: await Promise.all(
          projects.map(async (project) => ({
            id: project.id,
            name: project.name,
            created_at: project.createdAt.toISOString(),
            allowed_models: await access.models.projectModels(organizationId, project.id),
          })),
        ),
      };
    });

    app.post<{ Body: Static<typeof ProjectBody> }>(
      "/api/admin/projects",
      { schema: { body: ProjectBody }, config: { permission: "projects.write" } },
      async (request, reply) => {
        const principal = caller(request);
        const project = await tenancy.createProject(
          principal.organizationId,
          request.body.name,
          principal.userId,
        );
        return reply.status(201).send({ id: project.id, name: project.name, allowed_models: null });
      },
    );

    app.put<{ Params: Static<typeof Id>; Body: Static<typeof ModelsBody> }>(
      "/api/admin/projects/:id/models",
      { schema: { params: Id, body: ModelsBody }, config: { permission: "projects.write" } },
      async (request) => {
        const principal = caller(request);
        const project = await tenancy.getProject(principal.organizationId, request.params.id);
        const models = await access.models.setProjectModels({
          organizationId: principal.organizationId,
          projectId: project.id,
          models: request.body.models,
          actor: principal.userId,
        });
        return { id: project.id, allowed_models: models };
      },
    );

    operationRoute(app, apiKeyOperations.listKeys, operations, {
      method: "GET",
      url: "/api/admin/projects/:id/keys",
      params: Id,
      input: ({ params }, member) => ({ organization: member.organizationId, project: params.id }),
      reply: (keys) => ({ data: keys }),
    });

    // The member's own workspace's "api_keys" switch decides whether they may make keys (in the operation).
    operationRoute(app, apiKeyOperations.createKey, operations, {
      method: "POST",
      url: "/api/admin/projects/:id/keys",
      params: Id,
      body: KeyBody,
      input: ({ params, body }, member) => ({
        organization: member.organizationId,
        project: params.id,
        ...(body.name !== undefined ? { name: body.name } : {}),
        readOnly: body.read_only === true,
      }),
      status: 201,
      // The secret is shown this once.
      reply: ({ organization: _organization, ...created }) => created,
    });

    operationRoute(app, apiKeyOperations.revokeKey, operations, {
      method: "DELETE",
      url: "/api/admin/keys/:id",
      params: Id,
      input: ({ params }, member) => ({ organization: member.organizationId, id: params.id }),
      status: 204,
    });

    app.get<{ Querystring: Static<typeof UsageQuery> }>(
      "/api/admin/usage",
      { schema: { querystring: UsageQuery }, config: { permission: "usage.read" } },
      async (request) => {
        const { organizationId } = caller(request);
        const days = Math.min(Math.max(Number(request.query.days ?? "7"), 1), 31);
        // Whole UTC days, so the chart's days are calendar days.
        const end = Math.ceil(Date.now() / 1000 / daySeconds) * daySeconds;
        const query = parseCompletionsUsageQuery({
          start_time: String(end - days * daySeconds),
          end_time: String(end),
          bucket_width: "1d",
          limit: String(days),
          // By user too: the console breaks usage down per model and per user (workspace chat's rows carry it).
          group_by: ["project_id", "model", "user_id"],
        });
        const page = await usageReports.completions(organizationId, query);
        return {
          data: page.data.flatMap((bucket) =>
            bucket.results.map((result) => ({
              day: new Date(bucket.start_time * 1000).toISOString().slice(0, 10),
              project: result.project_id,
              model: result.model,
              user: result.user_id,
              requests: result.num_model_requests,
              input_tokens: result.input_tokens,
              output_tokens: result.output_tokens,
            })),
          ),
        };
      },
    );
  };
}
