// /api/admin: inviting people by one-time link (and email when SMTP is configured), the pending
// invitations, revoking one, and a member's password reset link. An inviter gives no role that can do
// more than their own; only an owner resets an owner's password.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AccessModule } from "../access/access-module.ts";
import type { AccountLink, InvitationService } from "../identity/invitation-service.ts";
import { invitationErrors } from "../identity/invitation-errors.ts";
import type { UserService } from "../identity/user-service.ts";
import { caller } from "./admin-api-permissions.ts";

export interface InvitationAdminDependencies {
  invitations: InvitationService;
  access: AccessModule;
  users: UserService;
  /** Where people reach the web app; unset: the address the admin used. */
  publicUrl: string | null;
}

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const InviteBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    role: Type.String({ minLength: 1, maxLength: 100 }),
    workspace: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    send_email: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const ResetBody = Type.Object({ send_email: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

function render(link: AccountLink) {
  return {
    id: link.id,
    email: link.email,
    role: link.role,
    workspace: link.workspaceId,
    invited_by: link.createdBy,
    created_at: link.createdAt.toISOString(),
    expires_at: link.expiresAt.toISOString(),
  };
}

export function invitationAdminRoutes(dependencies: InvitationAdminDependencies): FastifyPluginAsync {
  const { invitations, access, users, publicUrl } = dependencies;

  function baseUrl(request: FastifyRequest): string {
    return publicUrl ?? `${request.protocol}://${request.headers.host ?? request.hostname}`;
  }

  /** An owner gives any role; anyone else only a role whose every permission they hold themselves. */
  async function requireWithinOwnRole(organizationId: string, userId: string, roleName: string) {
    const role = await access.roles.get(organizationId, roleName);
    if (await access.roles.isOwner(organizationId, userId)) return;
    const own = await access.roles.permissionsOf(organizationId, userId);
    if (role.name === "owner" || role.permissions.some((permission) => !own.has(permission)))
      throw invitationErrors.roleAboveYours(role.name);
  }

  return async (app) => {
    app.get("/api/admin/invitations", { config: { permission: "members.read" } }, async (request) => {
      const { organizationId } = caller(request);
      const pending = await invitations.listPending(organizationId);
      return { data: pending.map(render), email_enabled: invitations.canEmail };
    });

    app.post<{ Body: Static<typeof InviteBody> }>(
      "/api/admin/invitations",
      { schema: { body: InviteBody }, config: { permission: "members.write" } },
      async (request, reply) => {
        const principal = caller(request);
        const { organizationId } = principal;
        await requireWithinOwnRole(organizationId, principal.userId, request.body.role);
        const workspace =
          request.body.workspace === undefined
            ? await users.defaultWorkspace(organizationId)
            : await users.getWorkspace(organizationId, request.body.workspace);
        const issued = await invitations.invite({
          organizationId,
          workspaceId: workspace.id,
          email: request.body.email,
          role: request.body.role,
          actor: principal.userId,
          baseUrl: baseUrl(request),
          sendEmail: request.body.send_email ?? true,
        });
        return reply.status(201).send({ ...render(issued.link), url: issued.url, emailed: issued.emailed });
      },
    );

    app.delete<{ Params: Static<typeof Id> }>(
      "/api/admin/invitations/:id",
      { schema: { params: Id }, config: { permission: "members.write" } },
      async (request, reply) => {
        const principal = caller(request);
        await invitations.revoke(principal.organizationId, request.params.id, principal.userId);
        return reply.status(204).send();
      },
    );

    app.post<{ Params: Static<typeof Id>; Body: Static<typeof ResetBody> }>(
      "/api/admin/members/:id/password-reset",
      { schema: { params: Id, body: ResetBody }, config: { permission: "members.write" } },
      async (request, reply) => {
        const principal = caller(request);
        const { organizationId } = principal;
        // The member must exist here (another organisation's id is "not found") before the owner rule.
        await users.get(organizationId, request.params.id);
        await access.roles.checkOwnerChange(organizationId, request.params.id, principal.userId);
        const issued = await invitations.reset({
          organizationId,
          userId: request.params.id,
          actor: principal.userId,
          baseUrl: baseUrl(request),
          sendEmail: request.body.send_email ?? true,
        });
        return reply.status(201).send({
          id: issued.link.id,
          user: request.params.id,
          expires_at: issued.link.expiresAt.toISOString(),
          url: issued.url,
          emailed: issued.emailed,
        });
      },
    );
  };
}
