// Browser-session plumbing for HTTP routes: the session and CSRF cookies, finding the caller's
// session, and the CSRF defence for state-changing routes.
//
// CSRF: every state-changing route that acts on a session requires BOTH (1) a same-origin request
// (the Origin header, or Sec-Fetch-Site when Origin is absent, must not name another site) and (2) an
// `x-csrf-token` header equal to the token issued with that session. The token also sits in a
// cookie that page scripts can read (not HttpOnly), so the web app can echo it; the server compares
// it against the hash stored with the session, so a token planted by another site cannot match.
// The session cookie itself is HttpOnly, SameSite=Lax, and Secure whenever the app serves HTTPS.
import type { FastifyReply, FastifyRequest } from "fastify";
import { identityErrors } from "../identity/identity-errors.ts";
import type { NewSession, SessionPrincipal, SessionService } from "../identity/session-service.ts";
import { sessionCookieNames } from "../identity/session-cookies.ts";

interface CookieAttributes {
  httpOnly: boolean;
  secure: boolean;
  maxAge: number;
  /** Lax unless said otherwise. */
  sameSite?: "Lax" | "None";
}

/**
 * Written here rather than through @fastify/cookie so that no route scope depends on where that
 * plugin is registered; our values are base62 tokens, so nothing needs encoding.
 */
function serialize(name: string, value: string, attributes: CookieAttributes): string {
  const parts = [
    `${name}=${value}`,
    "Path=/",
    `Max-Age=${attributes.maxAge}`,
    `SameSite=${attributes.sameSite ?? "Lax"}`,
  ];
  if (attributes.httpOnly) parts.push("HttpOnly");
  if (attributes.secure) parts.push("Secure");
  return parts.join("; ");
}

function parse(header: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator <= 0) continue;
    const name = part.slice(0, separator).trim();
    // The first cookie of a name wins, as browsers send the most specific path first.
    if (!cookies.has(name)) cookies.set(name, part.slice(separator + 1).trim());
  }
  return cookies;
}

export const csrfHeader = "x-csrf-token";

export { sessionCookieNames };

export function setSessionCookies(reply: FastifyReply, session: NewSession, secure: boolean): void {
  const names = sessionCookieNames(secure);
  const maxAge = Math.max(0, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
  const common = { secure, maxAge };
  void reply.header("set-cookie", [
    serialize(names.session, session.token, { ...common, httpOnly: true }),
    serialize(names.csrf, session.csrfToken, { ...common, httpOnly: false }),
  ]);
}

export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  const names = sessionCookieNames(secure);
  const common = { secure, maxAge: 0 };
  void reply.header("set-cookie", [
    serialize(names.session, "", { ...common, httpOnly: true }),
    serialize(names.csrf, "", { ...common, httpOnly: false }),
  ]);
}

function cookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  return parse(header).get(name);
}

/**
 * Binds an SP-initiated SAML login to the browser that started it. The IdP posts the response from
 * its own site, and only a SameSite=None cookie travels with such a post; browsers accept those only
 * with Secure, so the binding exists over HTTPS only.
 */
export const samlBrowserCookie = "__Host-custodian_saml";

export function setSamlBrowserCookie(reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  void reply.header(
    "set-cookie",
    serialize(samlBrowserCookie, token, {
      httpOnly: true,
      secure: true,
      maxAge: maxAgeSeconds,
      sameSite: "None",
    }),
  );
}

export function takeSamlBrowserToken(request: FastifyRequest, reply: FastifyReply): string | null {
  const token = cookie(request, samlBrowserCookie);
  if (token === undefined) return null;
  void reply.header(
    "set-cookie",
    serialize(samlBrowserCookie, "", { httpOnly: true, secure: true, maxAge: 0, sameSite: "None" }),
  );
  return token;
}

/** The caller's live session, or a 401. */
export async function requireSession(
  request: FastifyRequest,
  sessions: SessionService,
  secure: boolean,
): Promise<SessionPrincipal> {
  const token = cookie(request, sessionCookieNames(secure).session);
  const principal = token ? await sessions.authenticate(token) : null;
  if (!principal) throw identityErrors.noSession();
  return principal;
}

/** Refuse requests a browser sent on behalf of another site. */
export function requireSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw identityErrors.csrfRejected();
    }
    if (origin === "null" || host !== request.headers.host) throw identityErrors.csrfRejected();
    return;
  }
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") throw identityErrors.csrfRejected();
}

/** The session of a state-changing request, after the origin and CSRF-token checks. */
export async function requireSessionForChange(
  request: FastifyRequest,
  sessions: SessionService,
  secure: boolean,
): Promise<SessionPrincipal> {
  requireSameOrigin(request);
  const principal = await requireSession(request, sessions, secure);
  const given = request.headers[csrfHeader];
  if (typeof given !== "string" || !(await sessions.checkCsrf(principal, given))) {
    throw identityErrors.csrfRejected();
  }
  return principal;
}
