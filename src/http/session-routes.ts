// /api/session: sign in with a password (by email alone, or in a named organisation), read the current
// session, sign out.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { EmailSignIn } from "../identity/email-sign-in.ts";
import type { PasswordLoginService } from "../identity/password-login-service.ts";
import type { SessionService } from "../identity/session-service.ts";
import type { UserService } from "../identity/user-service.ts";
import {
  clearSessionCookies,
  requireSameOrigin,
  requireSession,
  requireSessionForChange,
  setSessionCookies,
} from "./session.ts";

export interface SessionRoutesDependencies {
  sessions: SessionService;
  users: UserService;
  passwordLogin: PasswordLoginService;
  /** Sign-in with no organisation named: the email finds it. */
  emailSignIn: EmailSignIn;
  secureCookies: boolean;
}

const PasswordBody = Type.Object(
  {
    organization: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export function sessionRoutes(dependencies: SessionRoutesDependencies): FastifyPluginAsync {
  const { sessions, users, passwordLogin, emailSignIn, secureCookies } = dependencies;
  return async (app) => {
    app.post<{ Body: Static<typeof PasswordBody> }>(
      "/api/session",
      { schema: { body: PasswordBody } },
      async (request, reply) => {
        // No session exists yet, so no token to check: the origin check stops login CSRF.
        requireSameOrigin(request);
        const { organization, email, password } = request.body;
        const found =
          organization === undefined
            ? await emailSignIn.signIn({ email, password, clientAddress: request.ip })
            : {
                kind: "signed_in" as const,
                ...(await passwordLogin.signIn({
                  organizationId: organization,
                  email,
                  password,
                  clientAddress: request.ip,
                })),
              };
        // The password matched in several organisations: the user picks one, and signs in again naming it.
        if (found.kind === "choose") return { choose_organization: found.organizations };
        const { user, session } = found;
        setSessionCookies(reply, session, secureCookies);
        return {
          user: { id: user.id, email: user.email, display_name: user.displayName },
          organization: user.organizationId,
          csrf_token: session.csrfToken,
          expires_at: session.expiresAt.toISOString(),
        };
      },
    );

    app.get("/api/session", async (request) => {
      const principal = await requireSession(request, sessions, secureCookies);
      const user = await users.get(principal.organizationId, principal.userId);
      return {
        user: { id: user.id, email: user.email, display_name: user.displayName },
        organization: principal.organizationId,
        method: principal.method,
      };
    });

    app.delete("/api/session", async (request, reply) => {
      const principal = await requireSessionForChange(request, sessions, secureCookies);
      await sessions.revoke(principal, principal.userId);
      clearSessionCookies(reply, secureCookies);
      return reply.status(204).send();
    });
  };
}
