// /sso/oidc/:organization: OIDC sign-in (redirect to the provider, and the callback that ends in a
// browser session), and POST /api/sso/discover, which tells the sign-in page where an email signs in.
// Refusals are logged with their reason and answered with one generic error.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { DomainRoutingService } from "../identity/domain-routing-service.ts";
import { identityErrors } from "../identity/identity-errors.ts";
import { OidcRejection } from "../identity/oidc/oidc-errors.ts";
import type { OidcLoginService } from "../identity/oidc/oidc-login-service.ts";
import { setSessionCookies } from "./session.ts";

export interface OidcRoutesDependencies {
  oidc: OidcLoginService;
  domains: DomainRoutingService;
  secureCookies: boolean;
}

const Params = Type.Object({ organization: Type.String({ pattern: "^org_[A-Za-z0-9]{1,64}$" }) });
const LoginQuery = Type.Object({ return_to: Type.Optional(Type.String({ maxLength: 1000 })) });
const CallbackQuery = Type.Object(
  {
    state: Type.Optional(Type.String({ maxLength: 200 })),
    code: Type.Optional(Type.String({ maxLength: 2000 })),
    error: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: Type.String({ maxLength: 2000 }) },
);
const DiscoverBody = Type.Object(
  { email: Type.String({ minLength: 3, maxLength: 320 }) },
  { additionalProperties: false },
);

/** How long a started login may take at the provider, in seconds. */
const loginCookieSeconds = 600;

function browserCookieName(secure: boolean): string {
  return secure ? "__Host-custodian_oidc" : "custodian_oidc";
}

/**
 * Binds the login to the browser that started it. The provider sends the browser back with a
 * top-level GET, which carries SameSite=Lax cookies; the cookie is scoped to the callback's path.
 */
function setBrowserCookie(reply: FastifyReply, value: string, maxAge: number, secure: boolean): void {
  const parts = [
    `${browserCookieName(secure)}=${value}`,
    "Path=/",
    `Max-Age=${maxAge}`,
    "SameSite=Lax",
    "HttpOnly",
  ];
  if (secure) parts.push("Secure");
  void reply.header("set-cookie", parts.join("; "));
}

function browserToken(request: FastifyRequest, secure: boolean): string | null {
  const name = browserCookieName(secure);
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return null;
}

export function oidcRoutes(dependencies: OidcRoutesDependencies): FastifyPluginAsync {
  const { oidc, domains, secureCookies } = dependencies;
  return async (app) => {
    app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof LoginQuery> }>(
      "/sso/oidc/:organization/login",
      { schema: { params: Params, querystring: LoginQuery } },
      async (request, reply) => {
        const { url, browserToken: token } = await oidc.startLogin(
          request.params.organization,
          request.query.return_to ?? "/",
        );
        setBrowserCookie(reply, token, loginCookieSeconds, secureCookies);
        return reply.redirect(url, 302);
      },
    );

    app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof CallbackQuery> }>(
      "/sso/oidc/:organization/callback",
      { schema: { params: Params, querystring: CallbackQuery } },
      async (request, reply) => {
        const organization = request.params.organization;
        const query = new URLSearchParams(request.query as Record<string, string>);
        const token = browserToken(request, secureCookies);
        setBrowserCookie(reply, "", 0, secureCookies);
        try {
          const { session, returnTo } = await oidc.finishLogin(organization, query, token);
          setSessionCookies(reply, session, secureCookies);
          return reply.redirect(returnTo, 303);
        } catch (error) {
          if (!(error instanceof OidcRejection)) throw error;
          request.log.warn({ organization, reason: error.reason }, "OIDC sign-in rejected");
          throw identityErrors.signInFailed();
        }
      },
    );

    app.post<{ Body: Static<typeof DiscoverBody> }>(
      "/api/sso/discover",
      // Asked by the sign-in page, before anyone is signed in.
      { schema: { body: DiscoverBody }, config: { permission: "public" } },
      async (request) => {
        const route = await domains.route(request.body.email);
        if (!route || !route.protocol) return { sso: false, enforced: route?.enforceSso ?? false };
        const organization = encodeURIComponent(route.organizationId);
        return {
          sso: true,
          organization: route.organizationId,
          protocol: route.protocol,
          login_url: `/sso/${route.protocol}/${organization}/login`,
          enforced: route.enforceSso,
        };
      },
    );
  };
}
