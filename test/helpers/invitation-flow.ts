// Invitation flows for API tests: inviting through the console API, opening the link as a new browser
// would (the token from the link's fragment), and signing in by email alone.
import type { BrowserSession } from "./browser-session.ts";
import type { TestPlatform } from "./platform.ts";

export interface Issued {
  id: string;
  url: string;
  token: string;
  expires_at: string;
}

/** The token a link carries in its fragment. */
export function tokenOf(url: string): string {
  return new URL(url).hash.slice(1);
}

export async function invite(
  admin: BrowserSession,
  email: string,
  role = "member",
): Promise<{ status: number; body: Record<string, unknown>; issued: Issued | null }> {
  const response = await admin.fetch("/api/admin/invitations", {
    method: "POST",
    body: JSON.stringify({ email, role, send_email: false }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  const issued =
    response.status === 201 ? ({ ...body, token: tokenOf(String(body.url)) } as unknown as Issued) : null;
  return { status: response.status, body, issued };
}

/** A browser with no session yet, keeping the cookies the server sets. */
export function anonymousBrowser(platform: TestPlatform) {
  const origin = platform.server.url;
  let cookies = "";
  let csrf = "";
  return {
    async fetch(path: string, init: RequestInit = {}): Promise<Response> {
      const headers = new Headers(init.headers);
      headers.set("origin", origin);
      if (cookies) headers.set("cookie", cookies);
      if (csrf) headers.set("x-csrf-token", csrf);
      if (init.body) headers.set("content-type", "application/json");
      const response = await fetch(`${origin}${path}`, { ...init, headers });
      const set = response.headers.getSetCookie();
      if (set.length > 0) cookies = set.map((cookie) => cookie.split(";")[0]).join("; ");
      if (response.headers.get("content-type")?.includes("json")) {
        const body = (await response.clone().json()) as { csrf_token?: string };
        if (body.csrf_token) csrf = body.csrf_token;
      }
      return response;
    },
  };
}

export type AnonymousBrowser = ReturnType<typeof anonymousBrowser>;

export async function redeem(
  platform: TestPlatform,
  token: string,
  password: string,
): Promise<{ response: Response; browser: AnonymousBrowser }> {
  const browser = anonymousBrowser(platform);
  const response = await browser.fetch("/api/links/redeem", {
    method: "POST",
    body: JSON.stringify({ token, password }),
  });
  return { response, browser };
}

export async function signInByEmail(
  platform: TestPlatform,
  email: string,
  password: string,
  organization?: string,
): Promise<{ response: Response; browser: AnonymousBrowser }> {
  const browser = anonymousBrowser(platform);
  const response = await browser.fetch("/api/session", {
    method: "POST",
    body: JSON.stringify({ email, password, ...(organization ? { organization } : {}) }),
  });
  return { response, browser };
}
