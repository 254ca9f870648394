// /api/operator: the platform operators' API (SEC-3). Operators authenticate with their own session
// token (a bearer header, never a user's cookie); every read of an organisation's data needs a live
// staff-access grant, and without one answers 403 (API content: an incident or legal grant, API-4).
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { oversightErrors } from "../privacy/staff-errors.ts";
import type { StaffDataAccess } from "../privacy/staff-data-access.ts";
import type { StaffGrantService } from "../privacy/staff-grants.ts";
import type { Operator, OperatorService } from "../privacy/staff-operators.ts";
import { renderGrant } from "./transparency-routes.ts";

export interface OperatorRoutesDependencies {
  operators: OperatorService;
  grants: StaffGrantService;
  staffData: StaffDataAccess;
}

const SignInBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
const GrantBody = Type.Object(
  {
    organization: Type.String({ minLength: 1, maxLength: 100 }),
    reason: Type.Union([Type.Literal("incident"), Type.Literal("user-consent"), Type.Literal("legal")]),
    reference: Type.String({ minLength: 1, maxLength: 200 }),
    justification: Type.String({ minLength: 1, maxLength: 1000 }),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    hours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 720 })),
  },
  { additionalProperties: false },
);
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const Organization = Type.Object({ organization: Type.String({ minLength: 1, maxLength: 100 }) });
const OrganizationRecord = Type.Object({
  organization: Type.String({ minLength: 1, maxLength: 100 }),
  id: Type.String({ minLength: 1, maxLength: 100 }),
});
const OrganizationConversation = Type.Object({
  organization: Type.String({ minLength: 1, maxLength: 100 }),
  id: Type.String({ minLength: 1, maxLength: 100 }),
});

export function operatorRoutes(dependencies: OperatorRoutesDependencies): FastifyPluginAsync {
  const { operators, grants, staffData } = dependencies;

  async function operator(request: FastifyRequest): Promise<Operator> {
    const header = request.headers.authorization;
    const token = header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : "";
    const found = token ? await operators.authenticate(token) : null;
    if (!found) throw oversightErrors.noOperatorSession();
    return found;
  }

  return async (app) => {
    app.post<{ Body: Static<typeof SignInBody> }>(
      "/api/operator/session",
      { schema: { body: SignInBody }, config: { permission: "staff" } },
      async (request) => {
        const { operator: signedIn, sessionToken, expiresAt } = await operators.signIn(request.body.token);
        return {
          operator: { id: signedIn.id, name: signedIn.name },
          session_token: sessionToken,
          expires_at: expiresAt.toISOString(),
        };
      },
    );

    app.get("/api/operator/grants", { config: { permission: "staff" } }, async (request) => {
      const caller = await operator(request);
      return { data: (await grants.listForOperator(caller.id)).map(renderGrant) };
    });

    app.post<{ Body: Static<typeof GrantBody> }>(
      "/api/operator/grants",
      { schema: { body: GrantBody }, config: { permission: "staff" } },
      async (request, reply) => {
        const caller = await operator(request);
        const { organization, reason, reference, justification, user, hours } = request.body;
        const grant = await grants.request({
          operatorId: caller.id,
          organizationId: organization,
          reason,
          reference,
          justification,
          ...(user !== undefined ? { userId: user } : {}),
          ...(hours !== undefined ? { hours } : {}),
        });
        return reply.status(201).send(renderGrant(grant));
      },
    );

    app.post<{ Params: Static<typeof Id> }>(
      "/api/operator/grants/:id/approve",
      { schema: { params: Id }, config: { permission: "staff" } },
      async (request) => {
        const caller = await operator(request);
        return renderGrant(await grants.approve(request.params.id, caller.id));
      },
    );

    app.get<{ Params: Static<typeof Organization> }>(
      "/api/operator/organizations/:organization/conversations",
      { schema: { params: Organization }, config: { permission: "staff" } },
      async (request) => {
        const caller = await operator(request);
        const { grant, conversations } = await staffData.listConversations(
          caller.id,
          request.params.organization,
        );
        return {
          grant,
          data: conversations.map((conversation) => ({
            id: conversation.id,
            user: conversation.userId,
            model: conversation.model,
            messages: conversation.messages,
            created_at: conversation.createdAt.toISOString(),
            updated_at: conversation.updatedAt.toISOString(),
          })),
        };
      },
    );

    app.get<{ Params: Static<typeof OrganizationConversation> }>(
      "/api/operator/organizations/:organization/conversations/:id",
      { schema: { params: OrganizationConversation }, config: { permission: "staff" } },
      async (request) => {
        const caller = await operator(request);
        const read = await staffData.readConversation(
          caller.id,
          request.params.organization,
          request.params.id,
        );
        return {
          grant: read.grant,
          id: request.params.id,
          user: read.userId,
          messages: read.messages.map((message) => ({
            id: message.id,
            role: message.role,
            content: message.content,
            model: message.model,
            created_at: message.createdAt.toISOString(),
          })),
        };
      },
    );

    app.get<{ Params: Static<typeof Organization> }>(
      "/api/operator/organizations/:organization/api-records",
      { schema: { params: Organization }, config: { permission: "staff" } },
      async (request) => {
        const caller = await operator(request);
        const { grant, records } = await staffData.listApiRecords(caller.id, request.params.organization);
        return {
          grant,
          data: records.map((record) => ({
            id: record.id,
            project: record.project_id,
            endpoint: record.endpoint,
            model: record.model,
            status: record.status,
            flagged: record.flagged,
            review_status: record.review_status,
            created_at: record.created_at.toISOString(),
            expires_at: record.expires_at.toISOString(),
          })),
        };
      },
    );

    // API-4: a kept API record's content, for support (incident grant) or legal work (legal grant).
    app.get<{ Params: Static<typeof OrganizationRecord> }>(
      "/api/operator/organizations/:organization/api-records/:id",
      { schema: { params: OrganizationRecord }, config: { permission: "staff" } },
      async (request) => {
        const caller = await operator(request);
        const read = await staffData.readApiRecord(caller.id, request.params.organization, request.params.id);
        return {
          grant: read.grant,
          id: read.record.id,
          endpoint: read.record.endpoint,
          model: read.record.model,
          created_at: read.record.createdAt.toISOString(),
          expires_at: read.record.expiresAt.toISOString(),
          content: read.content,
        };
      },
    );
  };
}
