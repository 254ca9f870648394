// /sso/saml/:organization: the SP's metadata, SP-initiated login (redirect to the IdP), and the ACS
// endpoint (HTTP-POST binding) that ends in a browser session. Refusals are logged with their reason
// and answered with one generic error.
import formBody from "@fastify/formbody";
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { identityErrors, SamlRejection } from "../identity/identity-errors.ts";
import { safeReturnPath, type SamlLoginService } from "../identity/saml/saml-login-service.ts";
import { setSamlBrowserCookie, setSessionCookies, takeSamlBrowserToken } from "./session.ts";

export interface SsoRoutesDependencies {
  saml: SamlLoginService;
  secureCookies: boolean;
}

const Params = Type.Object({ organization: Type.String({ pattern: "^org_[A-Za-z0-9]{1,64}$" }) });
const LoginQuery = Type.Object({ return_to: Type.Optional(Type.String({ maxLength: 1000 })) });
const AcsBody = Type.Object({
  SAMLResponse: Type.String({ minLength: 1, maxLength: 400_000 }),
  RelayState: Type.Optional(Type.String({ maxLength: 1000 })),
});

export function ssoRoutes(dependencies: SsoRoutesDependencies): FastifyPluginAsync {
  const { saml, secureCookies } = dependencies;
  return async (app) => {
    // Only this scope reads form bodies: the IdP posts its response as a form.
    await app.register(formBody, { bodyLimit: 512 * 1024 });

    app.get<{ Params: Static<typeof Params> }>(
      "/sso/saml/:organization/metadata",
      { schema: { params: Params } },
      async (request, reply) => {
        const metadata = await saml.metadata(request.params.organization);
        return reply.type("application/samlmetadata+xml").send(metadata);
      },
    );

    app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof LoginQuery> }>(
      "/sso/saml/:organization/login",
      { schema: { params: Params, querystring: LoginQuery } },
      async (request, reply) => {
        const { url, browserToken } = await saml.startLogin(
          request.params.organization,
          request.query.return_to ?? "/",
          { bindBrowser: secureCookies },
        );
        if (browserToken) setSamlBrowserCookie(reply, browserToken, 600);
        return reply.redirect(url, 302);
      },
    );

    app.post<{ Params: Static<typeof Params>; Body: Static<typeof AcsBody> }>(
      "/sso/saml/:organization/acs",
      { schema: { params: Params, body: AcsBody } },
      async (request, reply) => {
        const organization = request.params.organization;
        try {
          const browserToken = takeSamlBrowserToken(request, reply);
          const { session, usedSha1 } = await saml.finishLogin(
            organization,
            request.body.SAMLResponse,
            browserToken,
          );
          // Allowed for this connection by an admin, and logged at each use (no user named).
          if (usedSha1) request.log.warn({ organization }, "SAML sign-in accepted a SHA-1 signature");
          setSessionCookies(reply, session, secureCookies);
          return reply.redirect(safeReturnPath(request.body.RelayState), 303);
        } catch (error) {
          if (!(error instanceof SamlRejection)) throw error;
          request.log.warn({ organization, reason: error.reason }, "SAML response rejected");
          throw identityErrors.signInFailed();
        }
      },
    );
  };
}
