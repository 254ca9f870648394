// The names of the browser session's cookies, known to the HTTP layer that sets them and to the live
// trust probes that call the web app's API as a signed-in user.

/** The `__Host-` prefix (HTTPS only) pins a cookie to this host and path "/", out of reach of subdomains. */
export function sessionCookieNames(secure: boolean): { session: string; csrf: string } {
  return secure
    ? { session: "__Host-custodian_session", csrf: "__Host-custodian_csrf" }
    : { session: "custodian_session", csrf: "custodian_csrf" };
}
