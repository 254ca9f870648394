// An admin-console route that runs an administrative operation: the route keeps its own URL, request
// schema, status and response shape; the permission it declares, the input's check and the work are
// the operation's, so the console and the CLI cannot drift apart.
import type { Static, TObject, TSchema } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";
import { isPermission } from "../access/permissions.ts";
import { runOperation, type Operation } from "../core/operation.ts";
import type { SessionPrincipal } from "../identity/session-service.ts";
import { caller } from "./admin-api-permissions.ts";

/** No params, body or query: the request schemas a route leaves out. */
type Nothing = TObject<Record<never, TSchema>>;

export interface OperationRoute<
  Params extends TObject,
  Body extends TSchema,
  Query extends TObject,
  Input extends TObject,
  Output extends TSchema,
> {
  method: HTTPMethods;
  url: string;
  /** The request's schemas, checked by Fastify as on every other route. */
  params?: Params;
  body?: Body;
  querystring?: Query;
  /** The operation's input, from the checked request and the signed-in member it acts for. */
  input(
    request: { params: Static<Params>; body: Static<Body>; query: Static<Query> },
    member: SessionPrincipal,
  ): Static<Input>;
  /** The response status: 200 unless said; 204 sends no body. */
  status?: number;
  /** The response body, made from the operation's result; the result itself when absent. */
  reply?(result: Static<Output>, reply: FastifyReply): unknown;
}

export function operationRoute<
  Services,
  Input extends TObject,
  Output extends TSchema,
  Params extends TObject = Nothing,
  Body extends TSchema = Nothing,
  Query extends TObject = Nothing,
>(
  app: FastifyInstance,
  operation: Operation<Services, Input, Output>,
  services: Services,
  route: OperationRoute<Params, Body, Query, Input, Output>,
): void {
  const permission = operation.permission;
  // An operation only the installation may run has no console route; fail at start-up, not per request.
  if (!isPermission(permission)) throw new Error(`${route.url} offers an operation for '${permission}'.`);
  const schema = {
    ...(route.params ? { params: route.params } : {}),
    ...(route.body ? { body: route.body } : {}),
    ...(route.querystring ? { querystring: route.querystring } : {}),
  };
  app.route({
    method: route.method,
    url: route.url,
    schema,
    config: { permission },
    async handler(request: FastifyRequest, reply: FastifyReply) {
      const member = caller(request);
      // Fastify has checked params, body and query against the schemas above.
      const checked = request as unknown as {
        params: Static<Params>;
        body: Static<Body>;
        query: Static<Query>;
      };
      const input = route.input({ params: checked.params, body: checked.body, query: checked.query }, member);
      const result = (await runOperation(operation, services, input, {
        actor: member.userId,
        member: { organizationId: member.organizationId, userId: member.userId },
      })) as Static<Output>;
      const status = route.status ?? 200;
      if (status === 204) return reply.status(204).send();
      return reply.status(status).send(route.reply ? route.reply(result, reply) : result);
    },
  });
}
