// /api/admin: API projects, their allowed models and API keys (list, create, revoke), and usage per
// project, model and day.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { ApiKeyInfo } from "../identity/api-key-service.ts";
import { parseCompletionsUsageQuery } from "../usage/usage-reports.ts";
import { caller } from "./admin-api-permissions.ts";
import type { AdminApiDependencies } from "./admin-api-routes.ts";

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

function renderKey(key: ApiKeyInfo) {
  return {
    id: key.id,
    name: key.name,
    project: key.projectId,
    permission: key.permission,
    redacted: key.redacted,
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

const daySeconds = 86_400;

export function adminProjectRoutes(dependencies: AdminApiDependencies): FastifyPluginAsync {
  const { tenancy, apiKeys, access, users, usageReports } = dependencies;
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

    app.get<{ Params: Static<typeof Id> }>(
      "/api/admin/projects/:id/keys",
      { schema: { params: Id }, config: { permission: "keys.read" } },
      async (request) => {
        const { organizationId } = caller(request);
        const project = await tenancy.getProject(organizationId, request.params.id);
        const keys = await apiKeys.list(organizationId);
        return { data: keys.filter((key) => key.projectId === project.id).map(renderKey) };
      },
    );

    app.post<{ Params: Static<typeof Id>; Body: Static<typeof KeyBody> }>(
      "/api/admin/projects/:id/keys",
      { schema: { params: Id, body: KeyBody }, config: { permission: "keys.write" } },
      async (request, reply) => {
        const principal = caller(request);
        const project = await tenancy.getProject(principal.organizationId, request.params.id);
        // The "api_keys" switch of the admin's own workspace decides whether keys may be made there.
        const workspace = await users.defaultWorkspace(principal.organizationId);
        await access.requireFeature(
          { organizationId: principal.organizationId, workspaceId: workspace.id, userId: principal.userId },
          "api_keys",
        );
        const created = await apiKeys.create({
          organizationId: principal.organizationId,
          projectId: project.id,
          ...(request.body.name !== undefined ? { name: request.body.name } : {}),
          permission: request.body.read_only === true ? "read_only" : "all",
          actor: principal.userId,
        });
        // The secret is shown this once.
        return reply.status(201).send({ ...renderKey(created), key: created.key });
      },
    );

    app.delete<{ Params: Static<typeof Id> }>(
      "/api/admin/keys/:id",
      { schema: { params: Id }, config: { permission: "keys.write" } },
      async (request, reply) => {
        const principal = caller(request);
        await apiKeys.revoke(principal.organizationId, request.params.id, principal.userId);
        return reply.status(204).send();
      },
    );

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
