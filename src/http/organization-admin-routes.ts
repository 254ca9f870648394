// /v1/organization: OpenAI's Admin API surface (SEC-4, CTL-4): the audit log (`audit_logs`) and the
// admin keys themselves (`admin_api_keys`), authorised by admin API keys only. A project key is refused
// with 403; every call an admin key makes is itself an audit entry. Mounted beside /v1, not inside it,
// so the project-key check of /v1 does not apply here and this check applies nowhere else.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AuditLog } from "../audit/audit-log.ts";
import type { AdminKeyInfo, AdminKeyService, AdminPrincipal } from "../compliance/admin-key-service.ts";
import { readAuditQuery, renderAuditPage, type RawQuery } from "../compliance/audit-log-view.ts";
import { errors } from "../core/errors.ts";

export interface OrganizationAdminRoutesDependencies {
  adminKeys: AdminKeyService;
  /**
   * Project keys, to tell a project key (403) from no key at all (401); given the client's address, it
   * also throttles wrong keys (429 past the limit), so admin keys cannot be guessed here either.
   */
  apiKeys: { authenticate(key: string, clientAddress?: string): Promise<unknown> };
  audit: AuditLog;
  people: {
    emailOf(organizationId: string, userId: string): Promise<string | null>;
    idsOf(organizationId: string, emails: string[]): Promise<string[]>;
  };
}

declare module "fastify" {
  interface FastifyRequest {
    adminPrincipal: AdminPrincipal | null;
  }
}

const KeyId = Type.Object({ key_id: Type.String({ minLength: 1, maxLength: 100 }) });
const CreateBody = Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) });

const seconds = (date: Date | null) => (date ? Math.floor(date.getTime() / 1000) : null);

function renderKey(key: AdminKeyInfo, value?: string) {
  return {
    object: "organization.admin_api_key",
    id: key.id,
    name: key.name,
    redacted_value: key.redacted,
    ...(value !== undefined ? { value } : {}),
    created_at: seconds(key.createdAt),
    last_used_at: seconds(key.lastUsedAt),
    owner: { type: key.createdBy.startsWith("user_") ? "user" : "system", id: key.createdBy },
  };
}

function principalOf(request: FastifyRequest): AdminPrincipal {
  if (!request.adminPrincipal) throw errors.invalidApiKey();
  return request.adminPrincipal;
}

export function organizationAdminRoutes(
  dependencies: OrganizationAdminRoutesDependencies,
): FastifyPluginAsync {
  const { adminKeys, apiKeys, audit, people } = dependencies;
  return async (app) => {
    app.decorateRequest("adminPrincipal", null);
    app.addHook("onRequest", async (request) => {
      const header = request.headers.authorization;
      const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) throw errors.missingApiKey();
      const principal = await adminKeys.authenticate(match[1]!);
      if (!principal) {
        if (await apiKeys.authenticate(match[1]!, request.ip))
          throw errors.forbidden(
            "This endpoint needs an admin API key (sk-admin-...); a project API key cannot call it.",
            "admin_key_required",
          );
        throw errors.invalidApiKey();
      }
      request.adminPrincipal = principal;
      // Every use of an admin key is on the record: which key, which route (never a query's values).
      await audit.append({
        actor: principal.keyId,
        action: "admin_api_key.used",
        target: principal.keyId,
        organizationId: principal.organizationId,
        metadata: { method: request.method, route: request.routeOptions.url ?? "unknown" },
      });
    });

    app.get("/audit_logs", async (request) => {
      const { organizationId } = principalOf(request);
      const search = await readAuditQuery(request.query as RawQuery, (emails) =>
        people.idsOf(organizationId, emails),
      );
      const page = await audit.search(organizationId, search);
      const adminKeyIds = new Set((await adminKeys.list(organizationId)).map((key) => key.id));
      const emails = new Map<string, Promise<string | null>>();
      return renderAuditPage(page, {
        adminKeyIds,
        emailOf: (id) => {
          if (!emails.has(id)) emails.set(id, people.emailOf(organizationId, id));
          return emails.get(id)!;
        },
      });
    });

    app.get("/admin_api_keys", async (request) => {
      const live = (await adminKeys.list(principalOf(request).organizationId)).filter(
        (key) => !key.revokedAt,
      );
      return {
        object: "list",
        data: live.map((key) => renderKey(key)),
        first_id: live.at(0)?.id ?? null,
        last_id: live.at(-1)?.id ?? null,
        has_more: false,
      };
    });

    app.post<{ Body: Static<typeof CreateBody> }>(
      "/admin_api_keys",
      { schema: { body: CreateBody } },
      async (request, reply) => {
        const principal = principalOf(request);
        const created = await adminKeys.create({
          organizationId: principal.organizationId,
          ...(request.body.name !== undefined ? { name: request.body.name } : {}),
          actor: principal.keyId,
        });
        return reply.status(200).send(renderKey(created, created.key));
      },
    );

    app.get<{ Params: Static<typeof KeyId> }>(
      "/admin_api_keys/:key_id",
      { schema: { params: KeyId } },
      async (request) => {
        const key = await adminKeys.get(principalOf(request).organizationId, request.params.key_id);
        if (key.revokedAt) throw errors.notFound("admin API key", key.id);
        return renderKey(key);
      },
    );

    app.delete<{ Params: Static<typeof KeyId> }>(
      "/admin_api_keys/:key_id",
      { schema: { params: KeyId } },
      async (request) => {
        const principal = principalOf(request);
        await adminKeys.revoke(principal.organizationId, request.params.key_id, principal.keyId);
        return { object: "organization.admin_api_key.deleted", id: request.params.key_id, deleted: true };
      },
    );
  };
}
