// /scim/v2: SCIM 2.0 provisioning of Users and Groups for identity providers (Entra ID, Okta), with a
// per-organisation bearer token, application/scim+json bodies and SCIM's own error shape. Wrong tokens
// are throttled per client address (429 with `retry-after` past the limit).
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { CustodianError } from "../core/errors.ts";
import { ScimError, scimErrorBody, scimErrors } from "../identity/scim/scim-errors.ts";
import type { ScimGroupService } from "../identity/scim/scim-group-service.ts";
import {
  groupResource,
  listResponse,
  resourceTypes,
  schemas,
  serviceProviderConfig,
  userResource,
} from "../identity/scim/scim-resources.ts";
import type { ScimTokenService } from "../identity/scim/scim-token-service.ts";
import type { ScimUserService } from "../identity/scim/scim-user-service.ts";
import type { SignInThrottle } from "../identity/sign-in-throttle.ts";
import { boundedJsonParser } from "./request-bounds.ts";

export interface ScimRoutesDependencies {
  tokens: ScimTokenService;
  users: ScimUserService;
  groups: ScimGroupService;
  throttle?: SignInThrottle;
}

const scimType = "application/scim+json; charset=utf-8";

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const ListQuery = Type.Object({
  filter: Type.Optional(Type.String({ maxLength: 1000 })),
  startIndex: Type.Optional(Type.String({ pattern: "^[0-9]{1,9}$" })),
  count: Type.Optional(Type.String({ pattern: "^[0-9]{1,9}$" })),
  attributes: Type.Optional(Type.String({ maxLength: 1000 })),
  excludedAttributes: Type.Optional(Type.String({ maxLength: 1000 })),
});
const GetQuery = Type.Object({
  attributes: Type.Optional(Type.String({ maxLength: 1000 })),
  excludedAttributes: Type.Optional(Type.String({ maxLength: 1000 })),
});

interface Caller {
  organizationId: string;
  actor: string;
}

function resourceBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw scimErrors.invalidSyntax("The request body must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

function excludesMembers(query: { excludedAttributes?: string | undefined }): boolean {
  return (query.excludedAttributes ?? "").split(",").some((name) => name.trim().toLowerCase() === "members");
}

function toScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  if (error instanceof CustodianError) return new ScimError(error.status, error.message);
  const validation = (error as { validation?: unknown; statusCode?: number }).validation;
  const status = (error as { statusCode?: number }).statusCode;
  if (validation) return scimErrors.invalidValue("A query parameter or path value is not valid.");
  if (status === 413) return new ScimError(413, "The request body is too large.");
  if (status === 415) return new ScimError(415, "Send the request body as application/scim+json.");
  if (status !== undefined && status >= 400 && status < 500)
    return scimErrors.invalidSyntax("The request body is not valid JSON.");
  return new ScimError(500, "Internal error.");
}

export function scimRoutes(dependencies: ScimRoutesDependencies): FastifyPluginAsync {
  const { tokens, users, groups } = dependencies;
  const throttle = dependencies.throttle ?? null;
  return async (app) => {
    const callers = new WeakMap<FastifyRequest, Caller>();
    const caller = (request: FastifyRequest): Caller => {
      const found = callers.get(request);
      if (!found) throw scimErrors.unauthorized();
      return found;
    };
    const base = (request: FastifyRequest) => `${request.protocol}://${request.host}/scim/v2`;
    const send = (reply: FastifyReply, status: number, body: unknown) =>
      reply.status(status).type(scimType).send(body);

    app.addContentTypeParser("application/scim+json", { parseAs: "string" }, boundedJsonParser(app));

    app.setErrorHandler(async (error, request, reply) => {
      const scimError = toScimError(error);
      if (scimError.status >= 500)
        request.log.error({ error: (error as Error)?.name }, "SCIM request failed");
      if (scimError.status === 401) void reply.header("www-authenticate", 'Bearer realm="scim"');
      return send(reply, scimError.status, scimErrorBody(scimError));
    });

    app.addHook("onRequest", async (request, reply) => {
      const header = request.headers.authorization ?? "";
      const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : "";
      const found = token ? await tokens.authenticate(token) : null;
      if (!found) {
        if (throttle) {
          const subject = throttle.keySubject(request.ip);
          let refusal: CustodianError | null;
          try {
            throttle.check([subject]);
            refusal = await throttle.failed([{ subject, limit: "perAddress" }]);
          } catch (error) {
            if (!(error instanceof CustodianError)) throw error;
            refusal = error;
          }
          if (refusal) {
            for (const [name, value] of Object.entries(refusal.headers)) void reply.header(name, value);
            throw new ScimError(429, refusal.message);
          }
        }
        throw scimErrors.unauthorized();
      }
      callers.set(request, { organizationId: found.organizationId, actor: `scim:${found.tokenId}` });
    });

    app.get("/ServiceProviderConfig", async (request, reply) =>
      send(reply, 200, serviceProviderConfig(base(request))),
    );
    app.get("/ResourceTypes", async (request, reply) => {
      const types = resourceTypes(base(request));
      return send(
        reply,
        200,
        listResponse({ totalResults: types.length, startIndex: 1, resources: types }, (type) => type),
      );
    });
    app.get("/Schemas", async (request, reply) => {
      const all = schemas(base(request));
      return send(
        reply,
        200,
        listResponse({ totalResults: all.length, startIndex: 1, resources: all }, (schema) => schema),
      );
    });

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      "/Users",
      { schema: { querystring: ListQuery } },
      async (request, reply) => {
        const { organizationId } = caller(request);
        const page = await users.list(organizationId, {
          ...(request.query.filter !== undefined ? { filter: request.query.filter } : {}),
          ...(request.query.startIndex !== undefined ? { startIndex: Number(request.query.startIndex) } : {}),
          ...(request.query.count !== undefined ? { count: Number(request.query.count) } : {}),
        });
        return send(
          reply,
          200,
          listResponse(page, (user) => userResource(user, base(request))),
        );
      },
    );
    app.post("/Users", async (request, reply) => {
      const { organizationId, actor } = caller(request);
      const user = await users.create(organizationId, resourceBody(request.body), actor);
      return send(reply, 201, userResource(user, base(request)));
    });
    app.get<{ Params: Static<typeof Id> }>(
      "/Users/:id",
      { schema: { params: Id } },
      async (request, reply) => {
        const user = await users.get(caller(request).organizationId, request.params.id);
        return send(reply, 200, userResource(user, base(request)));
      },
    );
    app.put<{ Params: Static<typeof Id> }>(
      "/Users/:id",
      { schema: { params: Id } },
      async (request, reply) => {
        const { organizationId, actor } = caller(request);
        const user = await users.replace(
          organizationId,
          request.params.id,
          resourceBody(request.body),
          actor,
        );
        return send(reply, 200, userResource(user, base(request)));
      },
    );
    app.patch<{ Params: Static<typeof Id> }>(
      "/Users/:id",
      { schema: { params: Id } },
      async (request, reply) => {
        const { organizationId, actor } = caller(request);
        const user = await users.patch(organizationId, request.params.id, request.body, actor);
        return send(reply, 200, userResource(user, base(request)));
      },
    );
    app.delete<{ Params: Static<typeof Id> }>(
      "/Users/:id",
      { schema: { params: Id } },
      async (request, reply) => {
        const { organizationId, actor } = caller(request);
        await users.delete(organizationId, request.params.id, actor);
        return reply.status(204).send();
      },
    );

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      "/Groups",
      { schema: { querystring: ListQuery } },
      async (request, reply) => {
        const { organizationId } = caller(request);
        const page = await groups.list(organizationId, {
          ...(request.query.filter !== undefined ? { filter: request.query.filter } : {}),
          ...(request.query.startIndex !== undefined ? { startIndex: Number(request.query.startIndex) } : {}),
          ...(request.query.count !== undefined ? { count: Number(request.query.count) } : {}),
          withMembers: !excludesMembers(request.query),
        });
        return send(
          reply,
          200,
          listResponse(page, (group) => groupResource(group, base(request))),
        );
      },
    );
    app.post("/Groups", async (request, reply) => {
      const { organizationId, actor } = caller(request);
      const group = await groups.create(organizationId, resourceBody(request.body), actor);
      return send(reply, 201, groupResource(group, base(request)));
    });
    app.get<{ Params: Static<typeof Id>; Querystring: Static<typeof GetQuery> }>(
      "/Groups/:id",
      { schema: { params: Id, querystring: GetQuery } },
      async (request, reply) => {
        const group = await groups.get(
          caller(request).organizationId,
          request.params.id,
          !excludesMembers(request.query),
        );
        return send(reply, 200, groupResource(group, base(request)));
      },
    );
    app.put<{ Params: Static<typeof Id> }>(
      "/Groups/:id",
      { schema: { params: Id } },
      async (request, reply) => {
        const { organizationId, actor } = caller(request);
        const group = await groups.replace(
          organizationId,
          request.params.id,
          resourceBody(request.body),
          actor,
        );
        return send(reply, 200, groupResource(group, base(request)));
      },
    );
    app.patch<{ Params: Static<typeof Id> }>(
      "/Groups/:id",
      { schema: { params: Id } },
      async (request, reply) => {
        const { organizationId, actor } = caller(request);
        const group = await groups.patch(organizationId, request.params.id, request.body, actor);
        return send(reply, 200, groupResource(group, base(request)));
      },
    );
    app.delete<{ Params: Static<typeof Id> }>(
      "/Groups/:id",
      { schema: { params: Id } },
      async (request, reply) => {
        const { organizationId, actor } = caller(request);
        await groups.delete(organizationId, request.params.id, actor);
        return reply.status(204).send();
      },
    );
  };
}
