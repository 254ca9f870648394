// One-time links, opened before sign-in: what an invitation or reset link is for, and using it to set
// a password and sign in (/api/links). A signed-in member's own password change (/api/session/password).
// The link's token travels in the request body, never in a URL that logs would keep.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { InvitationService } from "../identity/invitation-service.ts";
import type { PasswordChangeService } from "../identity/password-change-service.ts";
import { caller } from "./admin-api-permissions.ts";
import { requireSameOrigin, setSessionCookies } from "./session.ts";

export interface InvitationRoutesDependencies {
  invitations: InvitationService;
  passwordChange: PasswordChangeService;
  secureCookies: boolean;
}

const Token = Type.String({ minLength: 1, maxLength: 100 });
const PreviewBody = Type.Object({ token: Token }, { additionalProperties: false });
const RedeemBody = Type.Object(
  {
    token: Token,
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    display_name: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const ChangeBody = Type.Object(
  {
    current_password: Type.String({ minLength: 1, maxLength: 1024 }),
    new_password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export function invitationRoutes(dependencies: InvitationRoutesDependencies): FastifyPluginAsync {
  const { invitations, passwordChange, secureCookies } = dependencies;
  return async (app) => {
    app.post<{ Body: Static<typeof PreviewBody> }>(
      "/api/links/preview",
      { schema: { body: PreviewBody }, config: { permission: "public" } },
      async (request) => {
        const link = await invitations.preview(request.body.token);
        return {
          purpose: link.purpose,
          email: link.email,
          organization: { id: link.organizationId, name: link.organizationName },
          role: link.role,
          expires_at: link.expiresAt.toISOString(),
        };
      },
    );

    app.post<{ Body: Static<typeof RedeemBody> }>(
      "/api/links/redeem",
      { schema: { body: RedeemBody }, config: { permission: "public" } },
      async (request, reply) => {
        // No session yet, as at sign-in: the origin check stops another site from using a link.
        requireSameOrigin(request);
        const { user, session, purpose } = await invitations.redeem({
          token: request.body.token,
          password: request.body.password,
          ...(request.body.display_name !== undefined ? { displayName: request.body.display_name } : {}),
        });
        setSessionCookies(reply, session, secureCookies);
        return {
          purpose,
          user: { id: user.id, email: user.email, display_name: user.displayName },
          organization: user.organizationId,
          csrf_token: session.csrfToken,
          expires_at: session.expiresAt.toISOString(),
        };
      },
    );

    app.put<{ Body: Static<typeof ChangeBody> }>(
      "/api/session/password",
      { schema: { body: ChangeBody }, config: { permission: "signedIn" } },
      async (request) => {
        const { sessionsEnded } = await passwordChange.change({
          principal: caller(request),
          currentPassword: request.body.current_password,
          newPassword: request.body.new_password,
        });
        return { changed: true, other_sessions_ended: sessionsEnded };
      },
    );
  };
}
